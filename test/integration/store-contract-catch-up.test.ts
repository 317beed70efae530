import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { expect } from 'vitest';
import { compactStored } from '../../sync-server/sync/compaction.ts';
import { storedStep2 } from '../../sync-server/sync/stored-state.ts';
import { snapshotSummary } from '../../sync-server/sync/stored-update-summaries.ts';
import { eachStore } from './support/store-contract.ts';

/**
 * The store contract for catch-up from stored state: compaction snapshots kept with their
 * summary, read without their bytes, and compactions that keep the snapshot, on every adapter.
 */
const bytes = (...values: number[]) => Uint8Array.from(values);
const summary = { clocks: bytes(1, 5, 3), deletes: bytes(0, 1, 5, 1, 0, 1) };

/** The update a sync step 2 message carries. */
function updateOf(message: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(message);
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
  return decoding.readVarUint8Array(decoder);
}

/** A document's author: every update it makes, as a client would send it. */
function author(): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { doc, updates };
}

eachStore({ area: 'catch-up rows' }, (it) => {
  it('keeps a snapshot with its summary and hands catch-up the summary instead of its bytes', async ({ store }) => {
    await store.appendUpdate('exp-s', bytes(1));
    const upto = await store.appendUpdate('exp-s', bytes(2));
    await store.compact('exp-s', bytes(7, 7, 7), upto, summary);
    const after = await store.appendUpdate('exp-s', bytes(3, 3));
    const rows = await store.catchUpRows('exp-s');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ bytes: 3, data: null, summary });
    expect(rows[1]).toEqual({ seq: after, bytes: 2, data: bytes(3, 3), summary: null });
    // Everything else reads the snapshot as an update like any other.
    expect((await store.loadUpdates('exp-s')).updates).toEqual([bytes(7, 7, 7), bytes(3, 3)]);
    // A compaction without a summary stores none; no deletions is kept as null.
    await store.compact('exp-s', bytes(8), after);
    expect(await store.catchUpRows('exp-s')).toEqual([expect.objectContaining({ bytes: 1, data: bytes(8), summary: null })]);
    await store.appendUpdate('exp-n', bytes(1));
    await store.compact('exp-n', bytes(9), await store.appendUpdate('exp-n', bytes(2)), { clocks: bytes(0), deletes: null });
    expect((await store.catchUpRows('exp-n'))[0]?.summary).toEqual({ clocks: bytes(0), deletes: null });
  });

  it('merges the updates after a snapshot without touching it, and never brings a deleted document back', async ({ store }) => {
    await store.appendUpdate('exp-t', bytes(1));
    await store.compact('exp-t', bytes(7, 7), await store.appendUpdate('exp-t', bytes(2)), summary);
    const [snapshot] = await store.catchUpRows('exp-t');
    await store.appendUpdate('exp-t', bytes(3));
    const upto = await store.appendUpdate('exp-t', bytes(4));
    const later = await store.appendUpdate('exp-t', bytes(5));
    await store.compactTail('exp-t', snapshot!.seq, bytes(34), upto);
    const rows = await store.catchUpRows('exp-t');
    expect(rows.map((r) => r.data ?? 'snapshot')).toEqual(['snapshot', bytes(5), bytes(34)]);
    expect(rows[0]).toEqual(snapshot);
    expect(rows[2]!.seq).toBeGreaterThan(later);
    // Nothing left to merge (another node did, or the document went): nothing is written.
    await store.compactTail('exp-t', snapshot!.seq, bytes(99), upto);
    expect((await store.loadUpdates('exp-t')).updates).toEqual([bytes(7, 7), bytes(5), bytes(34)]);
    await store.deleteDocument('exp-t');
    await store.compactTail('exp-t', snapshot!.seq, bytes(99), later + 10);
    expect(await store.catchUpRows('exp-t')).toEqual([]);
  });

  it('keeps the snapshot a returning reader held while little is added after it, and answers that reader from its summary', async ({ store }) => {
    const owner = author();
    owner.doc.transact(() => {
      for (let i = 0; i < 200; i++) owner.doc.getMap('tags').set(`cell ${i}`, `value ${i} `.padEnd(60, 'x'));
    });
    for (const update of owner.updates.splice(0)) await store.appendUpdate('exp-c', update);
    owner.doc.getMap('tags').delete('cell 0');
    let lastSeq = await store.appendUpdate('exp-c', owner.updates.splice(0)[0]!);
    // The room unloads with everyone current: the whole document, summarised.
    expect(await compactStored(store, 'exp-c', owner.doc, lastSeq, 2)).toBe(1);
    const reader = new Y.Doc();
    Y.applyUpdate(reader, Y.encodeStateAsUpdate(owner.doc));
    const [snapshot] = await store.catchUpRows('exp-c');
    expect(snapshot!.summary).not.toBeNull();

    // The owner edits while the reader is away; the next unload merges only those edits.
    for (let i = 0; i < 5; i++) {
      owner.doc.getMap('meta').set('purpose', `edit ${i}`);
      lastSeq = await store.appendUpdate('exp-c', owner.updates.splice(0)[0]!);
    }
    expect(await compactStored(store, 'exp-c', owner.doc, lastSeq, 6)).toBe(2);
    const rows = await store.catchUpRows('exp-c');
    expect(rows[0]).toEqual(snapshot);
    expect(rows).toHaveLength(2);

    // The reader's answer holds the new edits only, and the deletion it already had.
    const reads: string[] = [];
    const counting = { catchUpRows: (doc: string) => store.catchUpRows(doc), loadUpdates: (doc: string) => (reads.push(doc), store.loadUpdates(doc)) };
    const message = await storedStep2(counting, 'exp-c', Y.encodeStateVector(reader));
    expect(reads).toEqual([]);
    expect(message.byteLength).toBeLessThan(200);
    Y.applyUpdate(reader, updateOf(message));
    expect(reader.getMap('meta').get('purpose')).toBe('edit 4');
    expect(reader.getMap('tags').toJSON()).toEqual(owner.doc.getMap('tags').toJSON());

    // A fresh client (nothing held) is answered from the whole stored document.
    const fresh = new Y.Doc();
    const whole = await storedStep2(counting, 'exp-c', Y.encodeStateVector(fresh));
    expect(reads).toEqual(['exp-c']);
    expect(whole.byteLength).toBeGreaterThan(snapshot!.bytes);

    // Once what follows the snapshot weighs half of it, the whole document is written again.
    owner.doc.transact(() => {
      for (let i = 0; i < 120; i++) owner.doc.getMap('tags').set(`cell ${i}`, `rewritten ${i} `.padEnd(60, 'y'));
    });
    lastSeq = await store.appendUpdate('exp-c', owner.updates.splice(0)[0]!);
    expect(await compactStored(store, 'exp-c', owner.doc, lastSeq, 3)).toBe(1);
    const [rewritten] = await store.catchUpRows('exp-c');
    expect(rewritten!.summary!.clocks).toEqual(Y.encodeStateVector(owner.doc));
    expect(rewritten!.summary).toEqual(snapshotSummary(owner.doc));
  });
});
