import * as decoding from 'lib0/decoding';
import fc from 'fast-check';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { storedStep2 } from '../../sync-server/sync/stored-state.ts';
import { snapshotSummary } from '../../sync-server/sync/stored-update-summaries.ts';
import { memoryUpdateLog, type MemoryRow } from './support/memory-update-log.ts';

/**
 * The catch-up skips stored updates whose structs the client already holds (keeping their
 * deletions). Whatever the history and whatever the client holds, its document after the
 * answer is the one it gets from diffing every stored update, and it is the stored state.
 */
function answerOf(message: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(message);
  expect([decoding.readVarUint(decoder), decoding.readVarUint(decoder)]).toEqual([0, 1]);
  return decoding.readVarUint8Array(decoder);
}

const stateOf = (doc: Y.Doc) => ({
  tags: doc.getMap('tags').toJSON(),
  list: doc.getArray('list').toJSON(),
  text: doc.getText('text').toString(),
});

type Op = { writer: number; kind: 'set' | 'delete' | 'insert' | 'cut' | 'type' | 'erase' | 'sync'; a: number; b: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  writer: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('set', 'delete', 'insert', 'cut', 'type', 'erase', 'sync'),
  a: fc.nat(20),
  b: fc.nat(20),
});

/** Plays `ops` on three writers that sync now and then; returns every update the server would store, in order. */
function history(ops: Op[]): { rows: Uint8Array[]; full: Y.Doc } {
  const writers = [0, 1, 2].map((i) => {
    const doc = new Y.Doc();
    doc.clientID = 10 + i;
    return doc;
  });
  const rows: Uint8Array[] = [];
  const full = new Y.Doc();
  for (const doc of writers) {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'relay') return;
      rows.push(update);
      Y.applyUpdate(full, update);
    });
  }
  for (const op of ops) {
    const doc = writers[op.writer]!;
    const list = doc.getArray<number>('list');
    const text = doc.getText('text');
    if (op.kind === 'set') doc.getMap('tags').set(`k${op.a % 6}`, op.b);
    else if (op.kind === 'delete') doc.getMap('tags').delete(`k${op.a % 6}`);
    else if (op.kind === 'insert') list.insert(Math.min(op.a, list.length), [op.b, op.a]);
    else if (op.kind === 'cut' && list.length > 0) list.delete(op.a % list.length, Math.min(1 + (op.b % 3), list.length - (op.a % list.length)));
    else if (op.kind === 'type') text.insert(Math.min(op.a, text.length), `t${op.b}`);
    else if (op.kind === 'erase' && text.length > 0) text.delete(op.a % text.length, 1);
    else if (op.kind === 'sync') {
      const other = writers[op.b % 3]!;
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)), 'relay');
    }
  }
  return { rows, full };
}

/** The snapshot a room's compaction writes of the document `rows` make, with its summary. */
function snapshotOf(rows: Uint8Array[]): { snapshot: Uint8Array; summary?: ReturnType<typeof snapshotSummary> } {
  const doc = new Y.Doc();
  for (const row of rows) Y.applyUpdate(doc, row);
  return { snapshot: Y.encodeStateAsUpdate(doc), summary: snapshotSummary(doc) };
}

describe('catch-up skipping what the client holds', () => {
  it('brings any client to the stored state, as diffing every stored update does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.nat(1000),
        async (ops, compactAt, held, snapshotHeld) => {
          const { rows, full } = history(ops);
          // A compaction merged some first rows into one snapshot.
          const cut = rows.length === 0 ? 0 : compactAt % (rows.length + 1);
          // Every other run, the way a room compacts: the whole document, kept with its summary.
          const summarised = snapshotHeld % 4 >= 2;
          const snapshot = cut === 0 ? null : summarised ? snapshotOf(rows.slice(0, cut)) : { snapshot: Y.mergeUpdates(rows.slice(0, cut)) };
          const storedRows: MemoryRow[] = snapshot ? [snapshot.summary ? { snapshot: snapshot.snapshot, summary: snapshot.summary } : snapshot.snapshot, ...rows.slice(cut)] : rows;
          const stored = storedRows.map((row) => (row instanceof Uint8Array ? row : row.snapshot));
          const log = memoryUpdateLog(storedRows);
          // The client holds an earlier snapshot or not, and any rows (some may be pending on missing ones).
          const client = new Y.Doc();
          if (snapshot && snapshotHeld % 2 === 0) Y.applyUpdate(client, snapshot.snapshot);
          rows.forEach((row, i) => held[i] && Y.applyUpdate(client, row));
          const before = Y.encodeStateAsUpdate(client);
          const vector = Y.encodeStateVector(client);

          // A client holding the other rows asked first: what is remembered for it must not answer this one.
          const other = new Y.Doc();
          rows.forEach((row, i) => held[i] || Y.applyUpdate(other, row));
          await storedStep2(log, 'exp-prop', Y.encodeStateVector(other));
          Y.applyUpdate(client, answerOf(await storedStep2(log, 'exp-prop', vector)));
          const unoptimized = new Y.Doc();
          Y.applyUpdate(unoptimized, before);
          Y.applyUpdate(unoptimized, Y.mergeUpdates(stored.map((update) => Y.diffUpdate(update, vector))));

          expect(stateOf(client)).toEqual(stateOf(full));
          expect(stateOf(client)).toEqual(stateOf(unoptimized));
          expect(Y.encodeStateVector(client)).toEqual(Y.encodeStateVector(full));
          // Asked again (the remembered summaries and diffs answer), the same.
          const again = new Y.Doc();
          Y.applyUpdate(again, before);
          Y.applyUpdate(again, answerOf(await storedStep2(log, 'exp-prop', vector)));
          expect(stateOf(again)).toEqual(stateOf(full));
        },
      ),
      { numRuns: 300, seed: 20261203 },
    );
    // 300 histories take a few seconds on a quiet machine; a loaded one must not fail them.
  }, 60_000);

  it('sends the deletions of an update the client holds all of, but not its structs', async () => {
    const author = new Y.Doc();
    const rows: Uint8Array[] = [];
    author.on('update', (update: Uint8Array) => rows.push(update));
    author.getArray('list').insert(0, [1, 2, 3]);
    const client = new Y.Doc();
    Y.applyUpdate(client, rows[0]!);
    author.getArray('list').delete(1, 1); // a deletion alone: no struct the client lacks
    const log = memoryUpdateLog(rows);
    const answer = answerOf(await storedStep2(log, 'exp-del', Y.encodeStateVector(client)));
    expect(Y.decodeUpdate(answer).structs).toEqual([]);
    Y.applyUpdate(client, answer);
    expect(client.getArray('list').toJSON()).toEqual([1, 3]);
  });

  it('answers a client holding every struct of a summarised snapshot from the summary, deletions included', async () => {
    const author = new Y.Doc();
    author.getArray('list').insert(0, [1, 2, 3]);
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(author));
    author.getArray('list').delete(1, 1); // folded into the snapshot: no struct the client lacks
    const { snapshot, summary } = snapshotOf([Y.encodeStateAsUpdate(author)]);
    let after: Uint8Array = new Uint8Array();
    author.once('update', (update: Uint8Array) => (after = update));
    author.getArray('list').push([4]); // stored as it came, after the snapshot
    const log = memoryUpdateLog([{ snapshot, summary: summary! }, after]);
    const answer = answerOf(await storedStep2(log, 'exp-summary', Y.encodeStateVector(client)));
    // The snapshot's structs are not sent again: only the pushed item is.
    expect(Y.decodeUpdate(answer).structs).toHaveLength(1);
    Y.applyUpdate(client, answer);
    expect(client.getArray('list').toJSON()).toEqual([1, 3, 4]);
  });

  it('keeps a returning reader on the summary path however many state vectors another client cycles through', async () => {
    const author = new Y.Doc();
    author.transact(() => {
      for (let i = 0; i < 100; i++) author.getMap('tags').set(`cell ${i}`, `value ${i}`);
    });
    const reader = new Y.Doc();
    Y.applyUpdate(reader, Y.encodeStateAsUpdate(author));
    const { snapshot, summary } = snapshotOf([Y.encodeStateAsUpdate(author)]);
    let after: Uint8Array = new Uint8Array();
    author.once('update', (update: Uint8Array) => (after = update));
    author.getMap('meta').set('purpose', 'edited while away');
    const memory = memoryUpdateLog([{ snapshot, summary: summary! }, after]);
    let wholeReads = 0;
    const log = { ...memory, loadUpdates: (doc: string) => (wholeReads++, memory.loadUpdates(doc)) };
    // A tiny cache, flooded with answers for state vectors nobody else holds.
    const limits = { storedSummaryCacheBytes: 2_048 };
    for (let i = 0; i < 200; i++) await storedStep2(log, 'exp-flood', Y.encodeStateVector(new Map([[author.clientID, i % 100]])), limits);
    expect(wholeReads).toBe(200);
    const answer = answerOf(await storedStep2(log, 'exp-flood', Y.encodeStateVector(reader), limits));
    expect(wholeReads).toBe(200);
    Y.applyUpdate(reader, answer);
    expect(reader.getMap('meta').get('purpose')).toBe('edited while away');
  });
});
