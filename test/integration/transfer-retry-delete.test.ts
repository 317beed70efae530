import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestUser } from './support/harness.ts';
import { outboxMails, recipient, waitForMail } from './support/outbox.ts';

/**
 * Two gaps of transfers of ownership (README "Giving an experiment away"), through the real
 * server on both stores: an offer sent again while it waits (a retry after a lost answer, the
 * command run twice) gets the waiting offer back, stored and mailed once, while a different offer
 * stays refused; and deleting the experiment for good withdraws its offer, so it leaves both
 * sides' lists and answering it says the experiment is gone.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Answer = { status: number; body: any };
const offer = (giver: TestUser, body: Record<string, unknown>) => giver.post('/api/transfers', body) as Promise<Answer>;
const answer = (user: TestUser, id: string, what: 'accept' | 'decline' | 'cancel') => user.post(`/api/transfers/${id}/${what}`, {}) as Promise<Answer>;
async function get(user: TestUser, path: string): Promise<any> {
  const res = await fetch(`${(h as Harness).server.url}${path}`, { headers: { authorization: `Bearer ${user.token}` } });
  return res.json();
}
const list = (user: TestUser): Promise<{ incoming: Array<{ id: string }>; outgoing: Array<{ id: string }> }> => get(user, '/api/transfers');
const offerMailsTo = async (user: string) => (await outboxMails((h as Harness).dataDir)).filter((m) => recipient(m) === `${user}@lab.test` && /offers you ownership/.test(m.subject ?? ''));

const backends = [
  ['SQLite', 'sqlite'],
  ['PostgreSQL', 'postgres'],
] as const;

describe.each(backends)('transfers on %s', (_name, backend) => {
  const onBackend = it.skipIf(backend === 'postgres' && !process.env['CYTOSHARE_TEST_PG']);

  onBackend('the same offer sent again answers the waiting one, stored and mailed once; a different one is TRANSFER_PENDING', async () => {
    h = await startHarness({ backend });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await h.user('carol');
    const id = await alice.createExperiment('Retried');

    const first = await offer(alice, { experimentId: id, user: 'bob' });
    expect(first.status).toBe(200);
    const again = await offer(alice, { experimentId: id, user: 'bob' });
    expect(again).toEqual(first);
    // Named by address, resolved to the same account: the same offer.
    expect(await offer(alice, { experimentId: id, user: 'bob@lab.test' })).toEqual(first);
    expect(await h.server.store.pendingTransfers({ giver: 'alice' })).toHaveLength(1);

    // Anything else while it waits: another receiver, other options.
    for (const other of [{ user: 'carol' }, { user: 'bob', leave: true }, { user: 'bob', family: true }]) {
      expect(await offer(alice, { experimentId: id, ...other }), JSON.stringify(other)).toMatchObject({ status: 409, body: { code: 'TRANSFER_PENDING' } });
    }
    expect((await h.server.store.pendingTransfers({ giver: 'alice' })).map((t) => t.id)).toEqual([first.body.transfer.id]);

    // Mail goes out oldest first: once the marker offer's mail is there, any second one to bob would be.
    const marker = await alice.createExperiment('Marker');
    expect((await offer(alice, { experimentId: marker, user: 'carol' })).status).toBe(200);
    await waitForMail(h.dataDir, 'carol@lab.test', /offers you ownership/);
    expect(await offerMailsTo('bob')).toHaveLength(1);
    const history = (await get(alice, `/api/experiments/${id}/audit`)) as { entries: Array<{ action: string; verdict: string }> };
    expect(history.entries.filter((e) => e.action === 'transfer' && e.verdict === 'accepted')).toHaveLength(1);

    // The one offer is what bob answers.
    expect(await answer(bob, first.body.transfer.id, 'accept')).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect((await h.server.store.getExperiment(id))?.owner).toBe('bob');
    // Accepted: a resend is no longer a resend, it is a new offer by someone who no longer owns it.
    expect((await offer(alice, { experimentId: id, user: 'bob' })).body.code).toBe('OWNER_ONLY');
  });

  onBackend('deleting the experiment withdraws its offer: gone from both lists, answering it says UNKNOWN_EXPERIMENT', async () => {
    h = await startHarness({ backend });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('Doomed');
    const t = (await offer(alice, { experimentId: id, user: 'bob' })).body.transfer.id as string;

    // In the trash the offer keeps waiting (a restore makes it good again), but cannot be accepted.
    expect((await alice.intent({ type: 'trash', experimentId: id })).ok).toBe(true);
    expect(await answer(bob, t, 'accept')).toMatchObject({ status: 403, body: { code: 'EXPERIMENT_TRASHED' } });
    expect((await list(bob)).incoming.map((x) => x.id)).toEqual([t]);

    expect((await alice.intent({ type: 'delete', experimentId: id })).ok).toBe(true);
    expect(await h.server.store.getTransfer(t)).toMatchObject({ status: 'withdrawn' });
    expect(await h.server.store.pendingTransfers({ receiver: 'bob' })).toEqual([]);
    expect(await list(bob)).toEqual({ incoming: [], outgoing: [] });
    expect(await list(alice)).toEqual({ incoming: [], outgoing: [] });
    expect(await answer(bob, t, 'accept')).toMatchObject({ status: 404, body: { code: 'UNKNOWN_EXPERIMENT' } });
    expect(await answer(bob, t, 'decline')).toMatchObject({ status: 404, body: { code: 'UNKNOWN_EXPERIMENT' } });
    expect(await answer(alice, t, 'cancel')).toMatchObject({ status: 404, body: { code: 'UNKNOWN_EXPERIMENT' } });
    expect(await h.server.store.getTransfer(t)).toMatchObject({ status: 'withdrawn' });
  });

  onBackend('deleting a family member that was to move keeps the offer: the rest still moves', async () => {
    h = await startHarness({ backend });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const parent = await alice.createExperiment('Parent');
    const child = await alice.createExperiment('Child');
    expect((await alice.intent({ type: 'link', experimentId: child, parentId: parent })).ok).toBe(true);
    const t = (await offer(alice, { experimentId: parent, user: 'bob', family: true })).body.transfer.id as string;

    expect((await alice.intent({ type: 'trash', experimentId: child })).ok).toBe(true);
    expect((await alice.intent({ type: 'delete', experimentId: child })).ok).toBe(true);
    expect(await h.server.store.getTransfer(t)).toMatchObject({ status: 'pending' });
    expect((await list(bob)).incoming).toMatchObject([{ id: t, experiments: [{ id: parent, name: 'Parent' }] }]);
    expect(await answer(bob, t, 'accept')).toMatchObject({ status: 200, body: { status: 'accepted', experiments: [{ id: parent }] } });
    expect((await h.server.store.getExperiment(parent))?.owner).toBe('bob');
  });
});
