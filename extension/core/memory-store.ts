import * as Y from 'yjs';
import type { Draft } from './contract.ts';
import { sortDrafts, type ClientStore, type StoredSession } from './store.ts';

/**
 * A store that keeps everything in memory, for tests and for callers that want no persistence.
 * Documents are kept as encoded state so that reopening gives a fresh Y.Doc, as a restart would.
 */
export class MemoryStore implements ClientStore {
  private session: StoredSession | null = null;
  private drafts = new Map<string, Draft>();
  private saved = new Map<string, Uint8Array>();
  private open = new Map<string, Y.Doc>();

  async loadSession(): Promise<StoredSession | null> {
    return this.session;
  }
  async saveSession(session: StoredSession | null): Promise<void> {
    this.session = session;
  }
  async loadDrafts(): Promise<Draft[]> {
    return sortDrafts([...this.drafts.values()].map((d) => structuredClone(d)));
  }
  async putDraft(draft: Draft): Promise<void> {
    this.drafts.set(draft.id, structuredClone(draft));
  }
  async deleteDraft(id: string): Promise<void> {
    this.drafts.delete(id);
  }
  async openDoc(name: string): Promise<Y.Doc> {
    const existing = this.open.get(name);
    if (existing) return existing;
    const doc = new Y.Doc();
    const state = this.saved.get(name);
    if (state) Y.applyUpdate(doc, state);
    this.saved.set(name, Y.encodeStateAsUpdate(doc));
    doc.on('update', () => this.saved.set(name, Y.encodeStateAsUpdate(doc)));
    this.open.set(name, doc);
    return doc;
  }
  async docNames(): Promise<string[]> {
    return [...this.saved.keys()].sort();
  }
  async deleteDoc(name: string): Promise<void> {
    this.open.get(name)?.destroy();
    this.open.delete(name);
    this.saved.delete(name);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {
    for (const doc of this.open.values()) doc.destroy();
    this.open.clear();
  }
}
