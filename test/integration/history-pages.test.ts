import { describe, expect, it } from 'vitest';
import { HistoryAnswer } from '../../shared/audit/history-chain.ts';
import type { Store } from '../../sync-server/store/store.ts';
import { useHarnessPerTest } from './support/use-harness.ts';


/**
 * The history route answers a page of a long history, and checks the whole chain, reading the
 * store a page at a time: no request holds the whole history, however long it grew.
 */
const PER_ANSWER = 2;
const h = useHarnessPerTest();

/** Records the size of every history read the server makes, and refuses a read of the whole chain. */
function watchReads(store: Store): number[] {
  const sizes: number[] = [];
  const page = store.experimentHistoryPage.bind(store);
  store.experimentHistoryPage = async (id, after, limit) => {
    const entries = await page(id, after, limit);
    sizes.push(entries.length);
    return entries;
  };
  store.experimentHistory = async () => {
    throw new Error('the whole history was read');
  };
  return sizes;
}

describe('the history route on a long history', () => {
  it('answers pages and the check of the whole chain while reading at most a page and one entry at a time', async () => {
    await h.start({ limits: { historyEntriesPerAnswer: PER_ANSWER } });
    const alice = await h.user('alice');
    await h.user('bob');
    const id = await alice.createExperiment('Long history');
    for (const type of ['share', 'unshare', 'share', 'unshare'] as const) expect(await alice.intent({ type, experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    for (const type of ['publish', 'unpublish'] as const) expect(await alice.intent({ type, experimentId: id })).toMatchObject({ ok: true });
    const sizes = watchReads(h.server.store);

    const seen: number[] = [];
    let query = '?verify=1';
    for (;;) {
      const res = await fetch(`${h.server.url}/api/experiments/${id}/audit${query}`, { headers: { authorization: `Bearer ${alice.token}` } });
      expect(res.status).toBe(200);
      const answer = HistoryAnswer.parse(await res.json());
      expect(answer.verification).toMatchObject({ intact: true, entries: 7 });
      seen.push(...answer.entries.map((e) => e.seq));
      if (answer.next === null || answer.next === undefined) break;
      query = `?after=${answer.next}`;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PER_ANSWER + 1);
  });
});
