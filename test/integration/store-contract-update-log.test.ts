import { describe, expect } from 'vitest';
import type { Store } from '../../sync-server/store/store.ts';
import { bytes, eachStore } from './support/store-contract.ts';

/**
 * The store contract for the update log of each document: sequence numbers, compaction, and the
 * locks nodes take turns with, on every adapter (the set-up is in support/store-contract.ts).
 */
eachStore({}, (it) => {
  describe('the update log', () => {
    it('hands out increasing sequence numbers, also to appends made all at once', async ({ store }) => {
      const docs = ['exp-a', 'exp-b', 'idx-c'];
      const appends = Array.from({ length: 60 }, (_, i) => ({ doc: docs[i % 3]!, update: bytes(i) }));
      const seqs = await Promise.all(appends.map((a) => store.appendUpdate(a.doc, a.update)));
      expect(new Set(seqs).size).toBe(60);
      for (const doc of docs) {
        const mine = appends.map((a, i) => ({ ...a, seq: seqs[i]! })).filter((a) => a.doc === doc).sort((x, y) => x.seq - y.seq);
        const loaded = await store.loadUpdates(doc);
        expect(loaded.updates).toEqual(mine.map((a) => a.update));
        expect(loaded.lastSeq).toBe(mine.at(-1)!.seq);
      }
      expect(await store.appendUpdate('exp-a', bytes(99))).toBeGreaterThan(Math.max(...seqs));
    });

    it('compacts a document into one state, lists documents by prefix, and deletes one for good', async ({ store }) => {
      await store.appendUpdate('exp-k', bytes(1));
      const upto = await store.appendUpdate('exp-k', bytes(2));
      await store.appendUpdate('exp-other', bytes(3));
      await store.compact('exp-k', bytes(7, 7), upto);
      expect((await store.loadUpdates('exp-k')).updates).toEqual([bytes(7, 7)]);
      expect(await store.storedDocNames('exp-')).toEqual(['exp-k', 'exp-other']);
      await store.deleteDocument('exp-k');
      expect(await store.loadUpdates('exp-k')).toEqual({ updates: [], lastSeq: 0 });
      // A copy still in memory somewhere (another node's, unloading) does not bring it back.
      await store.compact('exp-k', bytes(8, 8), upto + 10);
      expect(await store.loadUpdates('exp-k')).toEqual({ updates: [], lastSeq: 0 });
      expect(await store.storedDocNames('exp-')).toEqual(['exp-other']);
    });

    it('hands a node the updates stored after the last one it holds, a compaction counting as one after those it replaced', async ({ store }) => {
      const first = await store.appendUpdate('exp-since', bytes(1));
      const second = await store.appendUpdate('exp-since', bytes(2));
      await store.appendUpdate('exp-elsewhere', bytes(9));
      const third = await store.lockDocument('exp-since', (log) => log.append(bytes(3)));
      expect(await store.updatesSince('exp-since', first)).toEqual({ updates: [bytes(2), bytes(3)], lastSeq: third });
      expect(await store.updatesSince('exp-since', third)).toEqual({ updates: [], lastSeq: third });
      await store.compact('exp-since', bytes(7, 7), second);
      const after = await store.updatesSince('exp-since', third);
      expect(after.updates).toEqual([bytes(7, 7)]);
      expect(after.lastSeq).toBeGreaterThan(third);
      expect(await store.updatesSince('exp-none', 5)).toEqual({ updates: [], lastSeq: 5 });
    });

    it('lets one holder at a time hold a named lock, apart from the documents of that name', async ({ store, opened }) => {
      let inside = 0;
      let most = 0;
      const other = await opened.openAnother();
      const holder = (s: Store) =>
        s.lockNamed('intents', async () => {
          most = Math.max(most, ++inside);
          // A document of the same name is another lock: this does not wait for ourselves.
          await s.lockDocument('intents', async () => undefined);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        });
      await Promise.all([holder(store), holder(other), holder(store), holder(other)]);
      // SQLite has one process: its callers take turns themselves (the server's intents queue).
      expect(most).toBe(store.bus === null ? 4 : 1);
      await expect(store.lockNamed('intents', async () => Promise.reject(new Error('failed inside')))).rejects.toThrow('failed inside');
      expect(await other.lockNamed('intents', async () => 'free again')).toBe('free again');
    });

    it('lets one holder at a time lock a document, and its appends are durable when they return', async ({ store, opened }) => {
      const reader = await opened.openAnother();
      let inside = 0;
      let most = 0;
      const inTurn: number[] = [];
      const holder = (n: number) =>
        store.lockDocument('exp-locked', async (log) => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 5));
          const seq = await log.append(bytes(n));
          inTurn.push(seq);
          // Another store on the same data sees it at once: it is stored, not buffered.
          expect((await reader.loadUpdates('exp-locked')).updates).toContainEqual(bytes(n));
          inside--;
          return seq;
        });
      const seqs = await Promise.all([holder(1), holder(2), holder(3)]);
      expect(most).toBe(1);
      // Who waits first need not hold first, but each holder's numbers follow the one before.
      expect(inTurn).toEqual([...seqs].sort((a, b) => a - b));
      await expect(store.lockDocument('exp-locked', async () => Promise.reject(new Error('failed inside')))).rejects.toThrow('failed inside');
      expect(await store.lockDocument('exp-locked', async (log) => log.append(bytes(4)))).toBeGreaterThan(Math.max(...seqs));
    });
  });
});
