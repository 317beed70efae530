import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { docName, IndexRoot } from '../../../shared/doc-layout.ts';
import type { IndexEntry } from '../../../shared/schemas/index-entry.ts';

/**
 * Many experiments in one account's local index without a round trip each (the popup e2e test
 * and bench/popup-open.ts). Sign in once, stop the server (so live sync can never push the
 * seeded entries back, which the server would refuse), append one Yjs update holding the
 * entries to the index document's y-indexeddb database from an extension page, then reopen the
 * browser so the worker loads it.
 */
export function syntheticEntries(n: number, from = 0, me = 'alice'): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (let i = from; i < from + n; i++) {
    const theirs = i % 3 === 0;
    out.push({
      id: randomUUID(),
      name: `Experiment ${String(i).padStart(5, '0')} — ${['CD8 panel', 'Donor cohort', 'Spleen atlas', 'Stim time course'][i % 4]}`,
      owner: theirs ? 'bob' : me, access: theirs ? 'full' : 'owner', public: i % 7 === 0, curated: i % 50 === 0,
      projectId: null, parentId: null, sharedWithOthers: i % 5 === 0, trashed: false, sharedAt: theirs ? 1 : null, viewed: i % 30 !== 0,
      changedAt: 1_000 + i, tagValues: [`Donor ${i % 40}`],
    });
  }
  return out;
}

/** An index entry of `me`'s own with the given fields. */
export function entry(name: string, over: Partial<IndexEntry> = {}, me = 'alice'): IndexEntry {
  return {
    id: randomUUID(), name, owner: me, access: 'owner', public: false, curated: false, projectId: null, parentId: null,
    sharedWithOthers: false, trashed: false, sharedAt: null, viewed: true, changedAt: 1_000, tagValues: [], ...over,
  };
}

/** Appends `entries` to the local index of `username` on the server at `port`, from an extension page. */
export async function seedIndex(page: Page, port: number, username: string, entries: IndexEntry[]): Promise<void> {
  const doc = new Y.Doc();
  const map = doc.getMap(IndexRoot.experiments);
  doc.transact(() => {
    for (const e of entries) map.set(e.id, e);
  });
  const update = Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64');
  const dbName = `cytoshare:127.0.0.1:${port}:${username}:${docName.index(username)}`;
  await page.evaluate(
    async ({ dbName, update }) => {
      const bytes = Uint8Array.from(atob(update), (c) => c.charCodeAt(0));
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(dbName);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('updates', 'readwrite');
        tx.objectStore('updates').add(bytes);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { dbName, update },
  );
}
