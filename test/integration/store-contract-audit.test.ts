import { expect } from 'vitest';
import { eachStore } from './support/store-contract.ts';

/**
 * The store contract for the history checkpoint (how far the server has found an experiment's
 * history chained to entry 1), on every adapter; one file of the contract's areas.
 */
const hash = (n: number) => n.toString(16).padStart(64, '0');

eachStore({ area: 'the history checkpoint' }, (it) => {
  it('keeps one checkpoint per experiment, none until one is set', async ({ store }) => {
    expect(await store.historyCheckpoint('e1')).toBeNull();
    await store.advanceHistoryCheckpoint('e1', { seq: 3, hash: hash(3) });
    await store.advanceHistoryCheckpoint('e2', { seq: 1, hash: hash(1) });
    expect(await store.historyCheckpoint('e1')).toEqual({ seq: 3, hash: hash(3) });
    expect(await store.historyCheckpoint('e2')).toEqual({ seq: 1, hash: hash(1) });
    expect(await store.historyCheckpoint('e3')).toBeNull();
  });

  it('only moves on: an older or equal checkpoint leaves the newer one in place', async ({ store }) => {
    await store.advanceHistoryCheckpoint('e1', { seq: 5, hash: hash(5) });
    await store.advanceHistoryCheckpoint('e1', { seq: 4, hash: hash(4) });
    await store.advanceHistoryCheckpoint('e1', { seq: 5, hash: hash(55) });
    expect(await store.historyCheckpoint('e1')).toEqual({ seq: 5, hash: hash(5) });
    await store.advanceHistoryCheckpoint('e1', { seq: 9, hash: hash(9) });
    expect(await store.historyCheckpoint('e1')).toEqual({ seq: 9, hash: hash(9) });
  });

  it('two stores on one database moving it at once end at the furthest, whatever the order', async ({ opened, store }) => {
    const other = await opened.openAnother();
    const moves = Array.from({ length: 20 }, (_, i) => i + 1).sort((a, b) => ((a * 7) % 20) - ((b * 7) % 20));
    await Promise.all(moves.map((seq, i) => (i % 2 ? other : store).advanceHistoryCheckpoint('e1', { seq, hash: hash(seq) })));
    expect(await store.historyCheckpoint('e1')).toEqual({ seq: 20, hash: hash(20) });
    expect(await other.historyCheckpoint('e1')).toEqual({ seq: 20, hash: hash(20) });
  });
});
