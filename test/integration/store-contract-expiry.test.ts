import { expect } from 'vitest';
import { nextLink, verifyChain, type ChainHead, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import type { ExperimentRecord } from '../../sync-server/store/store.ts';
import { eachStore, experiment as ownedExperiment } from './support/store-contract.ts';

/**
 * The store contract for access that ends (grant ends, their warnings, embargoes), on every
 * adapter (the set-up is in support/store-contract.ts). Alice owns every experiment here.
 */
const experiment = (id: string, extra: Partial<ExperimentRecord> = {}): ExperimentRecord => ownedExperiment(id, 'alice', extra);
const WARN = 1_000;

eachStore({ area: 'access that ends', accounts: ['alice', 'bob', 'carol'] }, (it) => {
  it('keeps a grant end and an embargo, and clears them when they are taken away', async ({ store }) => {
    await store.saveExperiments([experiment('e1', { grants: { bob: { by: 'alice', at: 1, until: 5_000 }, carol: { by: 'alice', at: 1 } }, publishAt: 9_000 })]);
    const stored = await store.getExperiment('e1');
    expect(stored?.grants).toEqual({ bob: { by: 'alice', at: 1, until: 5_000 }, carol: { by: 'alice', at: 1 } });
    expect(stored?.publishAt).toBe(9_000);
    expect((await store.grantsOf('e1')).bob).toEqual({ by: 'alice', at: 1, until: 5_000, viewed: false });
    await store.saveExperiments([experiment('e1', { grants: { bob: { by: 'alice', at: 1 } }, publishAt: null })]);
    const after = await store.getExperiment('e1');
    expect(after?.grants).toEqual({ bob: { by: 'alice', at: 1 } });
    expect(after?.publishAt ?? null).toBeNull();
  });

  it('keeps a viewer role and an end on one grant, and a role change keeps the warning of the same end', async ({ store }) => {
    await store.saveExperiments([experiment('e1', { grants: { bob: { by: 'alice', at: 1, role: 'viewer', until: 5_000 } } })]);
    expect((await store.getExperiment('e1'))?.grants).toEqual({ bob: { by: 'alice', at: 1, role: 'viewer', until: 5_000 } });
    expect((await store.grantsOf('e1')).bob).toEqual({ by: 'alice', at: 1, role: 'viewer', until: 5_000, viewed: false });
    const [warned] = await store.grantsToWarn(0, 5_000, 10);
    expect(warned && (await store.markGrantWarned(warned, 2))).toBe(true);
    await store.saveExperiments([experiment('e1', { grants: { bob: { by: 'alice', at: 1, until: 5_000 } } })]);
    expect((await store.getExperiment('e1'))?.grants).toEqual({ bob: { by: 'alice', at: 1, until: 5_000 } });
    expect(await store.grantsToWarn(0, 5_000, 10)).toEqual([]);
  });

  it('names the next deadline and the experiments due, earliest first and bounded', async ({ store }) => {
    expect(await store.nextSharingDeadline(WARN)).toBeNull();
    await store.saveExperiments([
      experiment('e1', { grants: { bob: { by: 'alice', at: 1, until: 5_000 } } }),
      experiment('e2', { publishAt: 3_000 }),
      experiment('e3', { grants: { carol: { by: 'alice', at: 1, until: 8_000 } } }),
    ]);
    // Bob's warning (5_000 less WARN) comes before any end.
    expect(await store.nextSharingDeadline(WARN)).toBe(3_000);
    expect(await store.nextSharingDeadline(3_000)).toBe(2_000);
    expect(await store.dueSharing(2_999, 10)).toEqual([]);
    expect(await store.dueSharing(5_000, 10)).toEqual(['e2', 'e1']);
    expect(await store.dueSharing(9_000, 2)).toEqual(['e2', 'e1']);
  });

  it('appends the server\'s own history entries to the experiment\'s chain', async ({ store }) => {
    const link = (head: ChainHead | null, fields: HistoryFields) => nextLink(sha256Hex, head, fields);
    const entry = (action: string): HistoryFields => ({ experimentId: 'e1', at: 7, actor: '(server)', action, verdict: 'accepted', code: null, detail: { user: 'bob' } });
    await store.appendHistory({ entries: [entry('access-ended')], link });
    await store.appendHistory({ entries: [entry('embargo-lifted')], link });
    const chain = await store.experimentHistory('e1');
    expect(chain.map((e) => [e.seq, e.action])).toEqual([[1, 'access-ended'], [2, 'embargo-lifted']]);
    expect(verifyChain(sha256Hex, 'e1', chain)).toMatchObject({ intact: true, entries: 2 });
  });

  it('keeps the end of a share waiting for a connection', async ({ store }) => {
    const waiting = { id: 'draft-0001', experimentId: 'e1', sharer: 'alice', user: 'bob', namedByAddress: false, notify: true, message: null, status: 'waiting' as const, code: null, createdAt: 1, decidedAt: null };
    await store.saveWaitingShare({ ...waiting, until: 5_000 });
    await store.saveWaitingShare({ ...waiting, id: 'draft-0002', user: 'carol' });
    const stored = await store.waitingShares({ sharer: 'alice' });
    expect(stored.find((w) => w.user === 'bob')?.until).toBe(5_000);
    expect(stored.find((w) => w.user === 'carol')?.until ?? null).toBeNull();
  });

  it('warns once per end: a new end is warned about again', async ({ store }) => {
    await store.saveExperiments([experiment('e1', { grants: { bob: { by: 'alice', at: 1, until: 5_000 } } })]);
    expect(await store.grantsToWarn(5_000, 9_000, 10)).toEqual([]);
    const due = await store.grantsToWarn(3_000, 5_000, 10);
    expect(due).toEqual([{ experimentId: 'e1', username: 'bob', until: 5_000 }]);
    expect(await store.markGrantWarned(due[0]!, 3_100)).toBe(true);
    expect(await store.markGrantWarned(due[0]!, 3_200)).toBe(false);
    expect(await store.grantsToWarn(3_000, 5_000, 10)).toEqual([]);
    expect(await store.nextSharingDeadline(WARN)).toBe(5_000);
    // Saved again with the same end: still warned. With another end: warned again.
    await store.saveExperiments([experiment('e1', { grants: { bob: { by: 'alice', at: 1, until: 5_000 } } })]);
    expect(await store.grantsToWarn(3_000, 5_000, 10)).toEqual([]);
    await store.saveExperiments([experiment('e1', { grants: { bob: { by: 'alice', at: 1, until: 7_000 } } })]);
    expect(await store.grantsToWarn(3_000, 7_000, 10)).toEqual([{ experimentId: 'e1', username: 'bob', until: 7_000 }]);
  });
});
