import { createHash } from 'node:crypto';
import { open as openFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord, ExperimentRecord, Store } from '../../sync-server/store/store.ts';
import { nextLink, verifyChain, type ChainHead, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { ADAPTERS, type OpenedStore } from './support/store-adapters.ts';

/**
 * The store contract: what the server relies on from every adapter, run against each (SQLite,
 * and PostgreSQL on the test cluster). A behaviour pinned here holds whichever database a lab
 * chooses; a new Store method gets its test here.
 */
const user = (username: string) => ({ username, email: '', passwordHash: 'scrypt$x', staff: false, createdAt: 1 });
const experiment = (id: string, owner: string, extra: Partial<ExperimentRecord> = {}): ExperimentRecord => ({
  id,
  owner,
  name: id,
  grants: {},
  public: false,
  curated: false,
  parentId: null,
  clonedFrom: null,
  projectId: null,
  trashed: false,
  createdAt: 10,
  ...extra,
});
const audit = (actor: string): AuditRecord => ({ at: 5, actor, action: 'share', experimentId: null, verdict: 'accepted', code: null, detail: { n: 1 } });
const bytes = (...values: number[]) => new Uint8Array(values);

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * The most live memory (heap and buffers, garbage collected first) grew above where it was
 * while `work` ran, sampled as it goes: what the work holds, not what it has let go of.
 */
async function peakGrowth(work: () => Promise<void>): Promise<number> {
  const used = () => {
    collectGarbage();
    return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  };
  const base = used();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, used())), 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, used()) - base;
}

for (const adapter of ADAPTERS) {
  describe.skipIf(adapter.skip)(`the ${adapter.name} store`, () => {
    let opened: OpenedStore;
    let store: Store;
    beforeEach(async () => {
      opened = await adapter.open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.dispose();
    });

    describe('units of work', () => {
      it('commits every write of a unit of work together, and gives back its result', async () => {
        const result = await store.transaction(async (tx) => {
          await tx.addUser(user('alice'));
          await tx.saveExperiments([experiment('e1', 'alice')]);
          await tx.saveIntentResult('alice', 'd1', '{"ok":true}', audit('alice'));
          return (await tx.findUser('alice'))?.username;
        });
        expect(result).toBe('alice');
        expect(await store.getExperiment('e1')).toMatchObject({ owner: 'alice' });
        expect(await store.findIntentResult('alice', 'd1')).toBe('{"ok":true}');
        expect(await store.auditLog(10)).toHaveLength(1);
      });

      it('leaves nothing of a unit of work that fails, and hides its writes from everyone else meanwhile', async () => {
        let outside: Promise<unknown> = Promise.resolve();
        await expect(
          store.transaction(async (tx) => {
            await tx.addUser(user('bob'));
            await tx.saveExperiments([experiment('e2', 'bob')]);
            await tx.saveIntentResult('bob', 'd2', '{}', audit('bob'));
            await tx.enqueueMail({ to: 'x@lab.test', subject: 's', text: 't', html: null, at: 1 });
            expect(await tx.findUser('bob')).not.toBeNull(); // its own writes, it sees
            outside = store.findUser('bob'); // another caller, not awaited here
            throw new Error('refused half-way');
          }),
        ).rejects.toThrow('refused half-way');
        expect(await outside).toBeNull();
        expect(await store.findUser('bob')).toBeNull();
        expect(await store.getExperiment('e2')).toBeNull();
        expect(await store.findIntentResult('bob', 'd2')).toBeNull();
        expect(await store.auditLog(10)).toEqual([]);
        expect(await store.pendingMailCount()).toBe(0);
        // The store goes on working: the next unit of work commits.
        await store.transaction((tx) => tx.addUser(user('bob')));
        expect(await store.findUser('bob')).toMatchObject({ username: 'bob' });
      });

      it('keeps the atomic methods atomic inside a unit of work that fails', async () => {
        await store.addUser(user('carol'));
        await expect(
          store.transaction(async (tx) => {
            await tx.proveEmail('carol', 'carol@lab.test');
            await tx.setDisabled('carol', 7);
            throw new Error('no');
          }),
        ).rejects.toThrow('no');
        expect(await store.findUser('carol')).toMatchObject({ email: '', disabledAt: null });
        expect(await store.lastSessionEnd()).toBe(0);
      });
    });

    describe('the update log', () => {
      it('hands out increasing sequence numbers, also to appends made all at once', async () => {
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

      it('compacts a document into one state, lists documents by prefix, and deletes one for good', async () => {
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

      it('hands a node the updates stored after the last one it holds, a compaction counting as one after those it replaced', async () => {
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

      it('lets one holder at a time hold a named lock, apart from the documents of that name', async () => {
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

      it('lets one holder at a time lock a document, and its appends are durable when they return', async () => {
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

    describe('accounts and sessions', () => {
      it('finds an account by name, or by an address only once proved, and gives an address to one account', async () => {
        await store.addUser(user('alice'));
        await store.addUser(user('bob'));
        expect(await store.findUser('alice')).toMatchObject({ email: '', staff: false, disabledAt: null });
        expect(await store.findUser('alice@lab.test')).toBeNull();
        expect(await store.proveEmail('alice', 'Alice@Lab.test')).toBe(true);
        expect(await store.findUser('ALICE@lab.test')).toMatchObject({ username: 'alice', email: 'alice@lab.test' });
        expect(await store.proveEmail('bob', 'alice@lab.test')).toBe(false);
        expect(await store.countUsers()).toBe(2);
      });

      it('ends sessions and records each end for other servers, in order', async () => {
        await store.addUser(user('alice'));
        for (const t of ['t1', 't2', 't3']) await store.addSession({ tokenHash: t, username: 'alice', publicId: `p${t}`, createdAt: Number(t[1]), expiresAt: 99, lastUsedAt: null });
        await store.touchSession('t1', 42);
        expect((await store.findSession('t1'))?.lastUsedAt).toBe(42);
        expect((await store.sessionsOf('alice')).map((s) => s.tokenHash)).toEqual(['t1', 't2', 't3']);
        expect((await store.deleteSessionsOf('alice', 't2', 50)).sort()).toEqual(['t1', 't3']);
        await store.deleteSession('t2');
        expect(await store.sessionsOf('alice')).toEqual([]);
        expect(await store.setDisabled('alice', 60)).toBe(true);
        expect(await store.setDisabled('nobody', 60)).toBe(false);
        const ends = await store.sessionEndsSince(0, 10);
        expect(ends.map((e) => e.tokenHash)).toEqual(expect.arrayContaining(['t1', 't2', 't3', null]));
        expect(ends.at(-1)).toMatchObject({ tokenHash: null, username: 'alice', at: 60 });
        expect(await store.lastSessionEnd()).toBe(ends.at(-1)!.seq);
        expect(await store.sessionEndsSince(ends.at(-2)!.seq, 10)).toHaveLength(1);
      });

      it('counts code mails in a window, per account and per recipient', async () => {
        await store.addUser(user('alice'));
        expect(await store.takeCodeMail('alice', 1_000, 100, 2)).toBe(true);
        expect(await store.takeCodeMail('alice', 1_010, 100, 2)).toBe(true);
        expect(await store.takeCodeMail('alice', 1_020, 100, 2)).toBe(false);
        expect(await store.takeCodeMail('alice', 1_100, 100, 2)).toBe(true);
        expect(await store.takeMailTo('h1', 1, 100, 1)).toBe(true);
        expect(await store.takeMailTo('h1', 2, 100, 1)).toBe(false);
      });
    });

    describe('sharing records', () => {
      it('pages the public catalog in name order, searched, curated-only on demand, never listing a private or trashed one', async () => {
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

      it('keeps grants, whether each was viewed, families and who sees what', async () => {
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

      it('keeps each grant\'s role, changes it in place, and keeps a waiting share\'s role', async () => {
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

      it('keeps projects with their members, and client ids with their first owner', async () => {
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

    describe('connections and mail', () => {
      it('stores a connection once per pair, requests and their one-time links', async () => {
        for (const u of ['alice', 'bob']) await store.addUser(user(u));
        await store.saveConnection('bob', 'alice', 'connected', 5);
        expect(await store.getConnection('alice', 'bob')).toEqual({ a: 'alice', b: 'bob', status: 'connected', since: 5 });
        expect(await store.connectionsOf('bob')).toHaveLength(1);
        await store.saveRequest({ id: 'r1', fromUser: 'alice', toEmail: 'x@lab.test', status: 'pending', createdAt: 1, decidedAt: null });
        expect((await store.pendingRequests({ toEmail: 'x@lab.test' })).map((r) => r.id)).toEqual(['r1']);
        await store.saveEmailLink({ tokenHash: 'h', requestId: 'r1', action: 'accept', expiresAt: 9, usedAt: null });
        expect(await store.useEmailLink('h', 3)).toBe(true);
        expect(await store.useEmailLink('h', 4)).toBe(false);
        expect(await store.getEmailLink('h')).toMatchObject({ usedAt: 3 });
        await store.saveRequest({ id: 'r1', fromUser: 'alice', toEmail: 'x@lab.test', status: 'accepted', createdAt: 1, decidedAt: 2 });
        expect(await store.pendingRequests({ fromUser: 'alice' })).toEqual([]);
        await store.deleteConnection('alice', 'bob');
        expect(await store.getConnection('bob', 'alice')).toBeNull();
        expect(await store.shareEmailsEnabled('bob')).toBe(true);
        await store.setShareEmails('bob', false);
        expect(await store.shareEmailsEnabled('bob')).toBe(false);
      });

      it('keeps the first secret stored under a name, for every store on the data', async () => {
        const other = await opened.openAnother();
        const [a, b] = await Promise.all([store.sharedSecret('k', 'first'), other.sharedSecret('k', 'second')]);
        expect(a).toBe(b);
        expect(await store.sharedSecret('k', 'third')).toBe(a);
        expect(await store.sharedSecret('other', 'x')).toBe('x');
      });

      it('keeps file tickets once each, for every store on the data, at most so many live per account', async () => {
        const other = await opened.openAnother();
        const ticket = (hash: string, expiresAt = 1_000) => ({ hash, username: 'alice', sessionHash: 's1', purpose: '{"kind":"upload"}', expiresAt });
        expect(await store.issueFileTicket(ticket('t1'), 2, 100)).toBe(true);
        expect(await other.issueFileTicket(ticket('t2'), 2, 100)).toBe(true);
        expect(await store.issueFileTicket(ticket('t3'), 2, 100)).toBe(false);
        expect(await other.redeemFileTicket('t1', 200)).toEqual(ticket('t1'));
        expect(await store.redeemFileTicket('t1', 200)).toBeNull();
        expect(await store.issueFileTicket(ticket('t3', 300), 2, 200)).toBe(true);
        // Expired: not good any more, and no longer counted.
        expect(await store.redeemFileTicket('t3', 300)).toBeNull();
        expect(await other.issueFileTicket(ticket('t4', 5_000), 1, 1_000)).toBe(true);
        expect(await store.redeemFileTicket('unknown', 0)).toBeNull();
      });

      it('counts throttle tries atomically for every store on the data, forgets them when they expire, and bounds each scope', async () => {
        const other = await opened.openAnother();
        const key = { scope: 'login-account', key: 'alice' };
        const addOne = (s: typeof store) =>
          s.updateThrottle([key], 100, 10, ([state]) => {
            const n = state === null ? 0 : Number(state);
            return { rows: [{ state: String(n + 1), expiresAt: 1_000, holdsDelay: n + 1 >= 5 }], result: n };
          });
        // Tries spread over two stores (two nodes) count once each, none lost to a race.
        const seen = await Promise.all(Array.from({ length: 12 }, (_, i) => addOne(i % 2 ? other : store)));
        expect(seen.sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
        const read = (s: typeof store, keys: Array<{ scope: string; key: string }>, now: number) => s.updateThrottle(keys, now, 10, (states) => ({ rows: [], result: states }));
        expect(await read(other, [key], 999)).toEqual(['12']);
        expect(await read(store, [key], 1_000)).toEqual([null]);
        // null deletes, undefined leaves as it is.
        const two = [key, { scope: 'login-account', key: 'bob' }];
        await store.updateThrottle(two, 100, 10, () => ({ rows: [{ state: 'a', expiresAt: 900, holdsDelay: false }, { state: 'b', expiresAt: 900, holdsDelay: false }], result: null }));
        await other.updateThrottle(two, 110, 10, () => ({ rows: [null, undefined], result: null }));
        expect(await read(store, two, 120)).toEqual([null, 'b']);

        // At most 3 rows in a scope: a flood of fresh keys drops the ones holding no delay, oldest first, never one holding a delay.
        const put = (name: string, at: number, holdsDelay: boolean, scope = 'login-address') =>
          other.updateThrottle([{ scope, key: name }], at, 3, () => ({ rows: [{ state: name, expiresAt: 1e9, holdsDelay }], result: null }));
        await put('held', 200, true);
        await put('other-scope', 200, false, 'signup-address');
        for (let i = 0; i < 50; i++) await put(`fresh${i}`, 300 + i, false);
        const scope = (names: string[], s = 'login-address') => read(store, names.map((k) => ({ scope: s, key: k })), 400);
        expect(await scope(['held', 'fresh47', 'fresh48', 'fresh49', 'fresh46'])).toEqual(['held', null, 'fresh48', 'fresh49', null]);
        expect(await scope(['other-scope'], 'signup-address')).toEqual(['other-scope']);
      });

      it('lets one sender take a due mail, and gives it back to the others when that sender is gone', async () => {
        const id = await store.enqueueMail({ to: 'a@lab.test', subject: 'Hi', text: 'once', html: null, at: 100 });
        const other = await opened.openAnother();
        const takes = await Promise.all([store.claimMail(id, 100, 1_000), other.claimMail(id, 100, 1_000), store.claimMail(id, 100, 1_000)]);
        expect(takes.filter(Boolean)).toHaveLength(1);
        expect(await store.dueMail(999, 10)).toEqual([]);
        // Its sender died: due again when the claim runs out, for one sender again.
        expect((await other.dueMail(1_000, 10)).map((m) => m.id)).toEqual([id]);
        expect(await other.claimMail(id, 1_000, 2_000)).toBe(true);
        await other.markMailSent(id, 1_100);
        expect(await store.claimMail(id, 5_000, 6_000)).toBe(false);
      });

      it('queues mail, retries it, gives it up, takes it back, and forgets its body once sent', async () => {
        const id = await store.enqueueMail({ to: 'a@lab.test', subject: 'Hi', text: 'code 123', html: '<p>123</p>', at: 100 });
        expect((await store.dueMail(100, 10)).map((m) => m.id)).toEqual([id]);
        await store.markMailFailed(id, 200, 'busy');
        expect(await store.dueMail(150, 10)).toEqual([]);
        await store.markMailGivenUp(id, 300, 'refused for good');
        expect(await store.pendingMailCount()).toBe(0);
        expect(await store.undeliverableMail(5)).toMatchObject([{ id, attempts: 2, lastError: 'refused for good', givenUpAt: 300, text: 'code 123' }]);
        expect(await store.requeueMail(id, 400)).toBe(true);
        expect(await store.requeueMail(id, 400)).toBe(false);
        await store.markMailSent(id, 410);
        const [sent] = await store.dueMail(1e12, 10).then(async () => store.undeliverableMail(5));
        expect(sent).toBeUndefined();
        expect(await store.pendingMailCount()).toBe(0);
      });
    });

    describe('sharing history', () => {
      it('chains each decision after its experiment’s head, from two stores at once, and gives it back as stored', async () => {
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

      it('reads a history a page at a time after a sequence number, as the whole read gives it', async () => {
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

    describe('two-step sign-in', () => {
      it('replaces only an unconfirmed secret, takes each time step and recovery code once, and forgets it all on delete', async () => {
        await store.addUser(user('alice'));
        expect(await store.totpOf('alice')).toBeNull();
        expect(await store.startTotp('alice', bytes(1, 2), 10)).toBe(true);
        expect(await store.startTotp('alice', bytes(3, 4), 11)).toBe(true);
        expect(await store.useTotpStep('alice', 5)).toBe(false); // not confirmed yet
        expect(await store.confirmTotp('alice', 5, ['r1', 'r2'], 12)).toBe(true);
        expect(await store.confirmTotp('alice', 6, ['r3'], 13)).toBe(false);
        expect(await store.startTotp('alice', bytes(9), 14)).toBe(false);
        expect(await store.totpOf('alice')).toEqual({ username: 'alice', sealedSecret: bytes(3, 4), createdAt: 11, confirmedAt: 12, lastStep: 5, recoveryCodesLeft: 2 });
        expect(await store.useTotpStep('alice', 5)).toBe(false);
        const other = await opened.openAnother();
        expect(await Promise.all([store.useTotpStep('alice', 6), other.useTotpStep('alice', 6)])).toEqual(expect.arrayContaining([true, false]));
        expect(await store.useRecoveryCode('alice', 'r1', 20)).toBe(true);
        expect(await store.useRecoveryCode('alice', 'r1', 21)).toBe(false);
        expect(await store.useRecoveryCode('alice', 'nope', 21)).toBe(false);
        expect(await store.totpOf('alice')).toMatchObject({ lastStep: 6, recoveryCodesLeft: 1 });
        expect(await store.deleteTotp('alice')).toBe(true);
        expect(await store.deleteTotp('alice')).toBe(false);
        expect(await store.totpOf('alice')).toBeNull();
        expect(await store.totpRequired()).toBe(false);
        await store.setTotpRequired(true);
        expect(await other.totpRequired()).toBe(true);
        await store.setTotpRequired(false);
        expect(await store.totpRequired()).toBe(false);
      });
    });

    describe('reviewer links and waiting shares', () => {
      it('keeps reviewer links newest first, finds one by id, and revokes it once', async () => {
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

      it('keeps waiting shares by sharer and by person, replaces one by id, and hides the done ones', async () => {
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

    describe('groups', () => {
      const lab = { id: 'g-00000000000000aa', name: 'lab', owner: 'gina', members: ['mia', 'gina'], createdAt: 4 };

      it('keeps a group with its owner among its members, lists it for each member, and counts what an account owns', async () => {
        await store.createGroup(lab);
        await store.createGroup({ ...lab, id: 'g-00000000000000bb', name: 'course', members: [] });
        expect(await store.getGroup(lab.id)).toEqual({ ...lab, members: ['gina', 'mia'] });
        expect(await store.getGroup('g-0000000000000000')).toBeNull();
        expect((await store.groupsOf('gina')).map((g) => g.name)).toEqual(['course', 'lab']);
        expect((await store.groupsOf('mia')).map((g) => g.id)).toEqual([lab.id]);
        expect(await store.groupsOf('sam')).toEqual([]);
        expect(await store.ownedGroupCount('gina')).toBe(2);
        expect(await store.ownedGroupCount('mia')).toBe(0);
      });

      it('adds and removes members, saying whether anything changed', async () => {
        await store.createGroup(lab);
        expect(await store.setGroupMember(lab.id, 'max', true, 5)).toBe(true);
        expect(await store.setGroupMember(lab.id, 'max', true, 6)).toBe(false);
        expect(await store.setGroupMember(lab.id, 'mia', false, 7)).toBe(true);
        expect(await store.setGroupMember(lab.id, 'mia', false, 8)).toBe(false);
        expect((await store.getGroup(lab.id))?.members).toEqual(['gina', 'max']);
      });

      it('reads a group share back into the sharing state with the members as they are now, and forgets it with the group', async () => {
        await store.createGroup(lab);
        await store.addUser(user('olivia'));
        await store.saveExperiments([experiment('e1', 'olivia'), experiment('e2', 'olivia', { parentId: 'e1' })]);
        await store.saveGroupGrant('e1', lab.id, 'olivia', 9);
        await store.saveGroupGrant('e1', lab.id, 'olivia', 10);
        expect((await store.getExperiment('e1'))?.groups).toEqual({ [lab.id]: { name: 'lab', members: ['gina', 'mia'], by: 'olivia', at: 9 } });
        expect((await store.getExperiment('e2'))?.groups).toBeUndefined();
        await store.setGroupMember(lab.id, 'max', true, 11);
        const family = await store.getFamily('e2');
        expect(family.find((e) => e.id === 'e1')?.groups?.[lab.id]?.members).toEqual(['gina', 'max', 'mia']);
        expect(await store.groupExperiments(lab.id)).toEqual(['e1']);
        // Saving a record read with its groups leaves the group share as it is.
        await store.saveExperiments([(await store.getExperiment('e1')) as ExperimentRecord]);
        expect(await store.groupExperiments(lab.id)).toEqual(['e1']);
        expect(await store.deleteGroupGrant('e1', lab.id)).toBe(true);
        expect(await store.deleteGroupGrant('e1', lab.id)).toBe(false);
        expect((await store.getExperiment('e1'))?.groups).toBeUndefined();
        await store.saveGroupGrant('e1', lab.id, 'olivia', 12);
        await store.deleteGroup(lab.id);
        expect(await store.getGroup(lab.id)).toBeNull();
        expect((await store.getExperiment('e1'))?.groups).toBeUndefined();
        expect(await store.groupsOf('mia')).toEqual([]);
      });

      it('counts an experiment shared through a group as shared between its people, while it is', async () => {
        await store.createGroup(lab);
        await store.addUser(user('olivia'));
        await store.saveExperiments([experiment('e1', 'olivia')]);
        expect(await store.sharedExperimentCount('olivia', 'mia')).toBe(0);
        await store.saveGroupGrant('e1', lab.id, 'olivia', 9);
        expect(await store.sharedExperimentCount('olivia', 'mia')).toBe(1);
        expect(await store.sharedExperimentCount('gina', 'mia')).toBe(1);
        expect(await store.sharingPairs()).toEqual(expect.arrayContaining([['mia', 'olivia']]));
        await store.deleteGroupGrant('e1', lab.id);
        expect(await store.sharedExperimentCount('olivia', 'mia')).toBe(0);
      });

      it('marks each group share reaching a member viewed for that member only, and forgets it with the share', async () => {
        const course = { ...lab, id: 'g-00000000000000cc', name: 'course', members: ['mia', 'max'] };
        await store.createGroup(lab);
        await store.createGroup(course);
        await store.addUser(user('olivia'));
        await store.saveExperiments([experiment('e1', 'olivia')]);
        await store.saveGroupGrant('e1', lab.id, 'olivia', 9);
        await store.saveGroupGrant('e1', course.id, 'olivia', 10);
        expect(await store.groupShareViews('e1')).toEqual({});
        await store.setViewed('e1', 'mia');
        await store.setViewed('e1', 'sam');
        expect(await store.groupShareViews('e1')).toEqual({ [lab.id]: ['mia'], [course.id]: ['mia'] });
        await store.setViewed('e1', 'max');
        expect((await store.groupShareViews('e1'))[course.id]).toEqual(['max', 'mia']);
        await store.deleteGroupGrant('e1', lab.id);
        expect(await store.groupShareViews('e1')).toEqual({ [course.id]: ['max', 'mia'] });
        await store.saveGroupGrant('e1', lab.id, 'olivia', 11);
        expect((await store.groupShareViews('e1'))[lab.id]).toBeUndefined();
      });

      it('drops the group shares of a deleted experiment', async () => {
        await store.createGroup(lab);
        await store.addUser(user('olivia'));
        await store.saveExperiments([experiment('e1', 'olivia')]);
        await store.saveGroupGrant('e1', lab.id, 'olivia', 9);
        await store.deleteExperiment('e1');
        expect(await store.groupExperiments(lab.id)).toEqual([]);
      });
    });

    describe('transfers of ownership', () => {
      const offer = {
        id: 't-00000000000000aa', experimentId: 'exp-transfer1', giver: 'olivia', receiver: 'rob', leave: false, family: true,
        experiments: ['exp-transfer1', 'exp-transfer2'], status: 'pending' as const, createdAt: 5, decidedAt: null,
      };

      it('keeps offers pending by giver and by receiver, one per experiment, and closes each once', async () => {
        await store.saveTransfer(offer);
        await store.saveTransfer({ ...offer, id: 't-00000000000000bb', experimentId: 'exp-transfer3', experiments: ['exp-transfer3'], receiver: 'sam', leave: true, family: false, createdAt: 6 });
        expect(await store.getTransfer(offer.id)).toEqual(offer);
        expect(await store.getTransfer('t-0000000000000000')).toBeNull();
        expect((await store.pendingTransfers({ giver: 'olivia' })).map((t) => t.id)).toEqual([offer.id, 't-00000000000000bb']);
        expect((await store.pendingTransfers({ receiver: 'sam' }))[0]).toMatchObject({ leave: true, family: false, experiments: ['exp-transfer3'] });
        expect(await store.pendingTransfers({ giver: 'olivia', receiver: 'rob' })).toEqual([offer]);
        expect(await store.pendingTransfers({})).toEqual([]);
        // A second pending offer naming the same experiment is refused by the database itself.
        await expect(store.saveTransfer({ ...offer, id: 't-00000000000000cc' })).rejects.toThrow();
        expect(await store.decideTransfer(offer.id, 'accepted', 9)).toBe(true);
        expect(await store.decideTransfer(offer.id, 'declined', 10)).toBe(false);
        expect(await store.getTransfer(offer.id)).toEqual({ ...offer, status: 'accepted', decidedAt: 9 });
        expect((await store.pendingTransfers({ receiver: 'rob' }))).toEqual([]);
        // Decided, the experiment may be offered again.
        await store.saveTransfer({ ...offer, id: 't-00000000000000dd' });
        expect(await store.transaction(async (tx) => tx.decideTransfer('t-00000000000000dd', 'cancelled', 11))).toBe(true);
        expect((await store.getTransfer('t-00000000000000dd'))?.status).toBe('cancelled');
      });

      it('saves a new owner with the rest of the sharing state', async () => {
        for (const u of ['olivia', 'rob']) await store.addUser(user(u));
        await store.saveExperiments([experiment('exp-transfer1', 'olivia', { grants: { rob: { by: 'olivia', at: 3 } } })]);
        await store.saveExperiments([experiment('exp-transfer1', 'rob', { grants: { olivia: { by: 'rob', at: 4 } } })]);
        expect(await store.getExperiment('exp-transfer1')).toMatchObject({ owner: 'rob', grants: { olivia: { by: 'rob', at: 4 } } });
        expect(await store.experimentsOf('rob')).toEqual(['exp-transfer1']);
        expect(await store.experimentsOf('olivia')).toEqual(['exp-transfer1']);
      });
    });

    describe('FCS files', () => {
      it('stores bytes once by content, touches them when put again, and removes only stale ones', async () => {
        const { blobs } = opened;
        const sha = await blobs.put(bytes(1, 2, 3));
        expect(await blobs.put(bytes(1, 2, 3))).toBe(sha);
        expect(await blobs.size(sha)).toBe(3);
        expect(new Uint8Array(await blobs.read(sha))).toEqual(bytes(1, 2, 3));
        expect(await blobs.size('0'.repeat(64))).toBeNull();
        expect(await blobs.touch('0'.repeat(64))).toBe(false);
        expect((await blobs.entries()).map((e) => e.sha256)).toEqual([sha]);
        expect(await blobs.removeIfStale(sha, Date.now() - 60_000)).toBe(0);
        expect(await blobs.removeIfStale(sha, Date.now() + 60_000)).toBe(3);
        expect(await blobs.size(sha)).toBeNull();
      });

      it('streams a large file in and out in chunks, memory staying flat', async () => {
        const { blobs } = opened;
        const MiB = 1 << 20;
        const total = 64 * MiB;
        const temp = blobs.tempPath();
        const hashIn = createHash('sha256');
        const file = await openFile(temp, 'wx');
        const piece = Buffer.alloc(MiB);
        for (let i = 0; i < total / MiB; i++) {
          piece.fill(i % 251);
          piece.writeUInt32LE(i, 0);
          hashIn.update(piece);
          await file.write(piece);
        }
        await file.close();
        const sha = hashIn.digest('hex');
        const stored = await peakGrowth(() => blobs.adopt(temp, sha));
        expect(await blobs.size(sha)).toBe(total);
        const hashOut = createHash('sha256');
        let received = 0;
        const streamed = await peakGrowth(async () => {
          for await (const chunk of blobs.stream(sha)) {
            hashOut.update(chunk as Buffer);
            received += (chunk as Buffer).length;
          }
        });
        expect(received).toBe(total);
        expect(hashOut.digest('hex')).toBe(sha);
        // Half the file: a copy held whole would be twice that (the rest is buffers of the driver and the pool).
        expect(stored).toBeLessThan(total / 2);
        expect(streamed).toBeLessThan(total / 2);
      }, 90_000);
    });
  });
}
