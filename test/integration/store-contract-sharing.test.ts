import { createHash } from 'node:crypto';
import { describe, expect } from 'vitest';
import type { Store } from '../../sync-server/store/store.ts';
import { nextLink, verifyChain, type ChainHead, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { audit, eachStore, experiment, user } from './support/store-contract.ts';

/**
 * The store contract for sharing records: grants, the catalog, projects, reviewer links, waiting
 * shares and the sharing history, on every adapter (the set-up is in support/store-contract.ts).
 */
eachStore({}, (it) => {
  describe('sharing records', () => {
    it('pages the public catalog in name order, searched, curated-only on demand, never listing a private or trashed one', async ({ store }) => {
      for (const u of ['alice', 'bob']) await store.addUser(user(u));
      await store.saveExperiments([
        experiment('e1', 'alice', { name: 'CD8 panel', public: true, curated: true }),
        experiment('e2', 'bob', { name: 'B cells', public: true }),
        experiment('e3', 'alice', { name: 'CD8 panel', public: true }),
        experiment('e4', 'bob', { name: 'Zebra 100%', public: true, curated: true }),
        experiment('e5', 'alice', { name: 'CD8 secret' }),
        experiment('e6', 'alice', { name: 'CD8 binned', public: true, trashed: true }),
      ]);
      const page = (q: Partial<Parameters<Store['publicCatalogPage']>[0]>) =>
        store.publicCatalogPage({ words: [], curated: false, after: null, limit: 10, ...q }).then((rows) => rows.map((r) => r.id));
      expect(await page({})).toEqual(['e2', 'e1', 'e3', 'e4']);
      expect(await page({ limit: 2 })).toEqual(['e2', 'e1']);
      expect(await page({ limit: 2, after: { name: 'CD8 panel', id: 'e1' } })).toEqual(['e3', 'e4']);
      expect(await page({ curated: true })).toEqual(['e1', 'e4']);
      expect(await page({ words: ['cd8'] })).toEqual(['e1', 'e3']);
      expect(await page({ words: ['BOB'] })).toEqual(['e2', 'e4']);
      expect(await page({ words: ['cd8', 'bob'] })).toEqual([]);
      expect(await page({ words: ['%'] })).toEqual(['e4']);
      expect((await store.publicCatalogPage({ words: [], curated: false, after: null, limit: 1 }))[0]).toEqual({
        id: 'e2', name: 'B cells', owner: 'bob', curated: false, projectId: null, parentId: null, createdAt: 10,
      });
    });

    it('keeps grants, whether each was viewed, families and who sees what', async ({ store }) => {
      for (const u of ['alice', 'bob', 'carol']) await store.addUser(user(u));
      await store.saveExperiments([
        experiment('p', 'alice', { grants: { bob: { by: 'alice', at: 3 }, carol: { by: 'alice', at: 4 } }, public: true }),
        experiment('c', 'alice', { parentId: 'p' }),
        experiment('x', 'carol'),
      ]);
      await store.setViewed('p', 'bob');
      await store.saveExperiments([experiment('p', 'alice', { grants: { bob: { by: 'alice', at: 3 } }, public: true })]);
      expect(await store.grantsOf('p')).toEqual({ bob: { by: 'alice', at: 3, viewed: true } });
      expect((await store.getFamily('c')).map((e) => e.id).sort()).toEqual(['c', 'p']);
      expect((await store.experimentsOf('bob')).sort()).toEqual(['p']);
      expect(await store.publicExperiments()).toEqual(['p']);
      expect(await store.sharedExperimentCount('alice', 'bob')).toBe(1);
      expect(await store.sharingPairs()).toEqual([['alice', 'bob']]);
      await store.setName('p', 'Renamed');
      await store.requestCuration('p', 'bob', 8);
      expect(await store.curationQueue()).toEqual([{ experimentId: 'p', name: 'Renamed', owner: 'alice', requestedBy: 'bob', requestedAt: 8 }]);
      await store.deleteExperiment('p');
      expect(await store.getExperiment('p')).toBeNull();
      expect(await store.getExperiment('c')).toMatchObject({ parentId: null });
      expect(await store.curationQueue()).toEqual([]);
    });

    it('keeps each grant\'s role, changes it in place, and keeps a waiting share\'s role', async ({ store }) => {
      for (const u of ['alice', 'bob', 'carol']) await store.addUser(user(u));
      await store.saveExperiments([experiment('r', 'alice', { grants: { bob: { by: 'alice', at: 3, role: 'viewer' }, carol: { by: 'alice', at: 4 } } })]);
      await store.setViewed('r', 'bob');
      expect((await store.getExperiment('r'))?.grants).toEqual({ bob: { by: 'alice', at: 3, role: 'viewer' }, carol: { by: 'alice', at: 4 } });
      await store.saveExperiments([experiment('r', 'alice', { grants: { bob: { by: 'alice', at: 5 }, carol: { by: 'alice', at: 4, role: 'viewer' } } })]);
      expect(await store.grantsOf('r')).toEqual({ bob: { by: 'alice', at: 5, viewed: true }, carol: { by: 'alice', at: 4, role: 'viewer', viewed: false } });
      const share = { id: 'd9', experimentId: 'r', sharer: 'alice', user: 'bob', namedByAddress: false, notify: true, message: null, status: 'waiting' as const, code: null, createdAt: 3, decidedAt: null };
      await store.saveWaitingShare({ ...share, role: 'viewer' });
      await store.saveWaitingShare({ ...share, id: 'd8', createdAt: 4 });
      expect(await store.waitingShares({ sharer: 'alice' })).toEqual([{ ...share, role: 'viewer' }, { ...share, id: 'd8', createdAt: 4 }]);
    });

    it('keeps projects with their members, and client ids with their first owner', async ({ store }) => {
      for (const u of ['alice', 'bob']) await store.addUser(user(u));
      const policy = { access: 'restricted', illustrations: 'create', cloning: 'files-only' } as const;
      await store.saveProject({ id: 'pr', name: 'P', members: { alice: 'manager', bob: 'member' }, policy }, 1);
      await store.saveExperiments([experiment('e', 'alice', { projectId: 'pr' })]);
      expect(await store.getProject('pr')).toEqual({ id: 'pr', name: 'P', members: { alice: 'manager', bob: 'member' }, policy });
      expect((await store.projectsOf('bob')).map((p) => p.id)).toEqual(['pr']);
      expect(await store.projectExperiments('pr')).toEqual(['e']);
      expect(await store.sharedProjectCount('alice', 'bob')).toBe(1);
      expect(await store.experimentsOf('bob')).toEqual(['e']);
      await store.registerClients([11, 12], 'alice');
      await store.registerClients([12, 13], 'bob');
      expect([...(await store.clientOwners([11, 12, 13, 14]))].sort()).toEqual([
        [11, 'alice'],
        [12, 'alice'],
        [13, 'bob'],
      ]);
    });
  });

  describe('reviewer links and waiting shares', () => {
    it('keeps reviewer links newest first, finds one by id, and revokes it once', async ({ store }) => {
      await store.addUser(user('alice'));
      await store.saveExperiments([experiment('e1', 'alice')]);
      const link = { id: 'l1', experimentId: 'e1', secretHash: 'h1', createdBy: 'alice', createdAt: 5, expiresAt: null, download: false, revokedAt: null };
      await store.saveReviewLink(link);
      await store.saveReviewLink({ ...link, id: 'l2', secretHash: 'h2', createdAt: 6, expiresAt: 99, download: true });
      expect(await store.findReviewLink('l2')).toEqual({ ...link, id: 'l2', secretHash: 'h2', createdAt: 6, expiresAt: 99, download: true });
      expect(await store.findReviewLink('nope')).toBeNull();
      expect((await store.reviewLinksOf('e1')).map((l) => l.id)).toEqual(['l2', 'l1']);
      expect(await store.revokeReviewLink('l1', 7)).toBe(true);
      expect(await store.revokeReviewLink('l1', 8)).toBe(false);
      expect(await store.findReviewLink('l1')).toMatchObject({ revokedAt: 7 });
    });

    it('keeps waiting shares by sharer and by person, replaces one by id, and hides the done ones', async ({ store }) => {
      const share = {
        id: 'd1', experimentId: 'e1', sharer: 'alice', user: 'bob', namedByAddress: true, notify: true,
        message: 'the panel', status: 'waiting' as const, code: null, createdAt: 3, decidedAt: null,
      };
      await store.saveWaitingShare(share);
      await store.saveWaitingShare({ ...share, id: 'd2', user: 'carol', namedByAddress: false, notify: false, message: null, createdAt: 4 });
      expect(await store.waitingShares({ sharer: 'alice' })).toEqual([share, { ...share, id: 'd2', user: 'carol', namedByAddress: false, notify: false, message: null, createdAt: 4 }]);
      expect((await store.waitingShares({ user: 'bob' })).map((w) => w.id)).toEqual(['d1']);
      expect((await store.waitingShares({ sharer: 'alice', user: 'carol' })).map((w) => w.id)).toEqual(['d2']);
      expect(await store.waitingShares({})).toEqual([]);
      await store.saveWaitingShare({ ...share, status: 'refused', code: 'NOT_CONNECTED', decidedAt: 9 });
      expect(await store.waitingShares({ user: 'bob' })).toMatchObject([{ id: 'd1', status: 'refused', code: 'NOT_CONNECTED', decidedAt: 9 }]);
      await store.saveWaitingShare({ ...share, status: 'done', decidedAt: 10 });
      expect(await store.waitingShares({ user: 'bob' })).toEqual([]);
    });
  });

  describe('sharing history', () => {
    it('chains each decision after its experiment’s head, from two stores at once, and gives it back as stored', async ({ store, opened }) => {
      const other = await opened.openAnother();
      const fields = (experimentId: string, n: number): HistoryFields => ({ experimentId, at: n, actor: 'alice', action: 'share', verdict: 'accepted', code: null, detail: { n } });
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      const history = (experimentId: string, n: number) => ({ entries: [fields(experimentId, n)], link: (head: ChainHead | null, f: HistoryFields) => nextLink(sha, head, f) });
      await Promise.all(
        [1, 2, 3, 4, 5, 6].map((n) => (n % 2 ? store : other).saveIntentResult('alice', `d${n}`, '{}', audit('alice'), history(n < 5 ? 'e1' : 'e2', n))),
      );
      const chain = await store.experimentHistory('e1');
      expect(chain.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(verifyChain(sha, 'e1', chain)).toMatchObject({ intact: true, entries: 4 });
      expect((await other.experimentHistory('e2')).map((e) => e.detail)).toEqual(expect.arrayContaining([{ n: 5 }, { n: 6 }]));
      expect(await store.experimentHistory('none')).toEqual([]);
    });

    it('reads a history a page at a time after a sequence number, as the whole read gives it', async ({ store }) => {
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      const link = (head: ChainHead | null, f: HistoryFields) => nextLink(sha, head, f);
      for (let n = 1; n <= 5; n++) {
        const entries = [{ experimentId: 'e1', at: n, actor: 'alice', action: 'share', verdict: 'accepted', code: null, detail: { n } }];
        if (n === 3) entries.push({ ...entries[0]!, experimentId: 'e2' });
        await store.appendHistory({ entries, link });
      }
      const whole = await store.experimentHistory('e1');
      expect(await store.experimentHistoryPage('e1', 0, 2)).toEqual(whole.slice(0, 2));
      expect(await store.experimentHistoryPage('e1', 2, 2)).toEqual(whole.slice(2, 4));
      expect(await store.experimentHistoryPage('e1', 4, 2)).toEqual(whole.slice(4));
      expect(await store.experimentHistoryPage('e1', 5, 2)).toEqual([]);
      expect((await store.experimentHistoryPage('e2', 0, 10)).map((e) => e.seq)).toEqual([1]);
      expect(await store.experimentHistoryPage('none', 0, 10)).toEqual([]);
    });
  });
});
