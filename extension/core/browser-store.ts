import { clearDocument, IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import type { IndexEntry } from '../../shared/schemas/index-entry.ts';
import type { Draft } from './contract.ts';
import { CytoshareDb } from './browser-db.ts';
import { UploadQueue } from './upload-queue.ts';
import { DraftSchema, sortDrafts, StoredSession, type ClientStore } from './store.ts';

/**
 * The extension's store: Dexie holds the session, the draft outbox, the names of stored
 * documents and a flat copy of the list index (so the popup can list and search without
 * loading any Yjs document); y-indexeddb holds each document, one IndexedDB database per
 * document name, which it updates on every change by itself. The Dexie schema is browser-db.ts.
 */
export type { ListRow } from './browser-db.ts';

/**
 * An open document. `loaded` settles once its stored updates are in `doc`: every caller of
 * `openDoc` waits for it, the ones that found the entry already open included.
 */
type OpenDoc = { doc: Y.Doc; persistence: IndexeddbPersistence | null; loaded: Promise<void> };

export type BrowserStoreOptions = {
  /**
   * Test hook: waited for before a document starts loading from IndexedDB, so an end-to-end test
   * can make loading slow and every reader that comes meanwhile meet a document still loading.
   */
  beforeLoad?: () => Promise<void>;
};

export class BrowserStore implements ClientStore {
  private readonly db: CytoshareDb;
  private open = new Map<string, OpenDoc>();
  /** FCS files chosen while the server was away, kept until they are uploaded (upload-queue.ts). */
  readonly uploads: UploadQueue;

  /** `prefix` separates profiles (and tests) that share one IndexedDB origin. */
  constructor(
    private readonly prefix = 'cytoshare',
    private readonly options: BrowserStoreOptions = {},
  ) {
    this.db = new CytoshareDb(prefix);
    this.uploads = new UploadQueue(this.db);
  }

  private idbName(doc: string): string {
    return `${this.prefix}:${doc}`;
  }

  async loadSession(): Promise<StoredSession | null> {
    const row = await this.db.session.get('session');
    if (!row) return null;
    const parsed = StoredSession.safeParse(row.value);
    if (!parsed.success) throw new Error('the stored session is corrupt; sign in again');
    return parsed.data;
  }

  async saveSession(session: StoredSession | null): Promise<void> {
    if (session === null) await this.db.session.delete('session');
    else await this.db.session.put({ key: 'session', value: session });
  }

  async loadDrafts(): Promise<Draft[]> {
    const rows = await this.db.drafts.orderBy('createdAt').toArray();
    return sortDrafts(
      rows.map((row) => {
        const parsed = DraftSchema.safeParse(row);
        if (!parsed.success) throw new Error(`the stored draft ${String(row.id)} is corrupt`);
        return parsed.data;
      }),
    );
  }

  async putDraft(draft: Draft): Promise<void> {
    await this.db.drafts.put(structuredClone(draft));
  }

  async deleteDraft(id: string): Promise<void> {
    await this.db.drafts.delete(id);
  }

  /**
   * The document, loaded. A second caller while the first one's load is still running waits for
   * the same load: handing it the half-loaded doc made a cold start read an empty index (an empty
   * list, cached) or an experiment "unknown" here, which then asked the server for it, offline.
   */
  async openDoc(name: string): Promise<Y.Doc> {
    let entry = this.open.get(name);
    if (!entry) {
      const doc = new Y.Doc();
      const opening: OpenDoc = { doc, persistence: null, loaded: Promise.resolve() };
      opening.loaded = (async () => {
        await this.options.beforeLoad?.();
        if (this.open.get(name) !== opening) return;
        opening.persistence = new IndexeddbPersistence(this.idbName(name), doc);
        await opening.persistence.whenSynced;
        await this.db.docs.put({ name });
      })();
      // A load that failed is not kept: the next caller tries again.
      opening.loaded.catch(() => {
        if (this.open.get(name) === opening) this.open.delete(name);
      });
      entry = opening;
      this.open.set(name, entry);
    }
    await entry.loaded;
    return entry.doc;
  }

  async docNames(): Promise<string[]> {
    return (await this.db.docs.toCollection().primaryKeys()).sort();
  }

  async deleteDoc(name: string): Promise<void> {
    const entry = this.open.get(name);
    this.open.delete(name);
    if (entry) {
      await entry.loaded.catch(() => {});
      if (entry.persistence) await entry.persistence.clearData();
      else await clearDocument(this.idbName(name));
      entry.doc.destroy();
    } else {
      await clearDocument(this.idbName(name));
    }
    await this.db.docs.delete(name);
  }

  /** Mirrors the index document into the `list` table the popup queries. */
  async saveListIndex(entries: IndexEntry[]): Promise<void> {
    await this.db.transaction('rw', this.db.list, async () => {
      await this.db.list.clear();
      await this.db.list.bulkPut(entries);
    });
  }

  async loadListIndex(): Promise<IndexEntry[]> {
    return this.db.list.toArray();
  }

  /** y-indexeddb writes each update in its own transaction as it happens; waiting a turn is enough. */
  async flush(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }

  async close(): Promise<void> {
    for (const { doc, persistence, loaded } of this.open.values()) {
      await loaded.catch(() => {});
      await persistence?.destroy();
      doc.destroy();
    }
    this.open.clear();
    this.db.close();
  }
}
