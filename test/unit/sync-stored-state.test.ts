import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { storedStep2 } from '../../sync-server/sync/stored-state.ts';
import { memoryUpdateLog } from './support/memory-update-log.ts';

/**
 * A catch-up answered from stored state (a snapshot and the updates appended after it, no
 * Y.Doc on the server) brings a client that holds any earlier state to the stored state:
 * new structs, overwrites and deletions that wrote nothing new.
 */
function answerOf(message: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(message);
  expect([decoding.readVarUint(decoder), decoding.readVarUint(decoder)]).toEqual([0, 1]);
  return decoding.readVarUint8Array(decoder);
}

const contentOf = (doc: Y.Doc) => ({ tags: doc.getMap('tags').toJSON(), meta: doc.getMap('meta').toJSON() });

describe('sync step 2 from stored updates', () => {
  it('brings a client from any earlier state to the stored state', async () => {
    const author = new Y.Doc();
    const rows: Uint8Array[] = [];
    author.on('update', (update: Uint8Array) => rows.push(update));
    const seen: Uint8Array[] = [];
    author.transact(() => {
      for (let i = 0; i < 50; i++) author.getMap('tags').set(`cell ${i}`, `value ${i}`);
    });
    seen.push(Y.encodeStateAsUpdate(author));
    author.getMap('meta').set('purpose', 'first');
    author.transact(() => author.getMap('tags').delete('cell 3')); // a deletion alone: no new clock
    seen.push(Y.encodeStateAsUpdate(author));
    author.transact(() => {
      author.getMap('tags').set('cell 7', 'changed');
      author.getMap('meta').set('purpose', 'second');
    });
    const stored = [Y.mergeUpdates(rows.slice(0, 1)), ...rows.slice(1)];
    const log = memoryUpdateLog(stored);
    for (const held of [new Uint8Array([0, 0]), ...seen]) {
      const client = new Y.Doc();
      Y.applyUpdate(client, held);
      Y.applyUpdate(client, answerOf(await storedStep2(log, 'exp-x', Y.encodeStateVector(client))));
      expect(contentOf(client)).toEqual(contentOf(author));
      expect(client.getMap('tags').has('cell 3')).toBe(false);
    }
    // A client that holds everything gets no structs back.
    const full = new Y.Doc();
    Y.applyUpdate(full, Y.encodeStateAsUpdate(author));
    expect(Y.decodeUpdate(answerOf(await storedStep2(log, 'exp-x', Y.encodeStateVector(full)))).structs).toEqual([]);
  });

  it('answers an empty document with an empty update', async () => {
    const log = memoryUpdateLog([]);
    const client = new Y.Doc();
    Y.applyUpdate(client, answerOf(await storedStep2(log, 'exp-none', Y.encodeStateVector(client))));
    expect(client.getMap('meta').size).toBe(0);
  });
});
