import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { docName, readSharing } from '../../shared/doc-layout.ts';
import type { TestUser } from './support/harness.ts';
import { outboxMails, recipient as to, waitForMail } from './support/outbox.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

/**
 * Ownership moves with consent (issue 14 item 6), through the real server: an offer is invisible
 * to its receiver until accepted, acceptance makes them the owner and leaves the giver full
 * access (or, with `leave`, none, cutting their live socket), declining and cancelling change
 * nothing, only the receiver answers, one offer waits per experiment, a family moves together,
 * the receiver is mailed once, and every step is in the experiment's history.
 */
const h = useHarnessPerTest();

async function get(user: TestUser, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${h.server.url}${path}`, { headers: { authorization: `Bearer ${user.token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}
const offer = (giver: TestUser, body: Record<string, unknown>) => giver.post('/api/transfers', body) as Promise<{ status: number; body: any }>;
const answer = (user: TestUser, id: string, what: 'accept' | 'decline' | 'cancel') => user.post(`/api/transfers/${id}/${what}`, {}) as Promise<{ status: number; body: any }>;

const outbox = () => outboxMails(h.dataDir);

async function indexHas(user: TestUser, id: string): Promise<boolean> {
  const index = await user.open(docName.index(user.username));
  await index.waitFor(() => index.provider.synced, `${user.username} index synced`);
  const has = index.doc.getMap('experiments').has(id);
  index.destroy();
  return has;
}

const backends = [
  ['SQLite', 'sqlite'],
  ['PostgreSQL', 'postgres'],
] as const;

describe.each(backends)('a transfer on %s', (_name, backend) => {
  it.skipIf(backend === 'postgres' && !process.env['CYTOSHARE_TEST_PG'])(
    'is invisible until accepted, then the receiver owns it and the giver keeps full access; mailed once; in the history',
    async () => {
      await h.start({ backend });
      const alice = await h.user('alice');
      const bob = await h.user('bob');
      const carol = await h.user('carol');
      const id = await alice.createExperiment('Donor 7');

      const offered = await offer(alice, { experimentId: id, user: 'bob' });
      expect(offered.status).toBe(200);
      const transfer = offered.body.transfer;
      expect(offered.body).toMatchObject({ transfer: { experimentId: id, giver: 'alice', receiver: 'bob', status: 'pending', leave: false, experiments: [{ id, name: 'Donor 7' }] }, staying: [] });

      // Pending: bob sees the offer, not the experiment.
      expect((await get(bob, '/api/transfers')).body.incoming.map((t: { id: string }) => t.id)).toEqual([transfer.id]);
      expect((await get(alice, '/api/transfers')).body.outgoing.map((t: { id: string }) => t.id)).toEqual([transfer.id]);
      expect(await indexHas(bob, id)).toBe(false);
      const early = await bob.open(docName.experiment(id));
      expect((await early.closed).code).toBe(4403);
      expect(early.doc.getMap('meta').get('name')).toBeUndefined();
      expect((await bob.intent({ type: 'share', experimentId: id, user: 'carol' })).ok).toBe(false);

      // One offer waits per experiment; only bob answers it; a stranger learns nothing.
      expect(await offer(alice, { experimentId: id, user: 'carol' })).toMatchObject({ status: 409, body: { code: 'TRANSFER_PENDING' } });
      expect(await answer(alice, transfer.id, 'accept')).toMatchObject({ status: 403, body: { code: 'NOT_THE_RECEIVER' } });
      expect(await answer(carol, transfer.id, 'accept')).toMatchObject({ status: 404, body: { code: 'UNKNOWN_TRANSFER' } });
      expect(await answer(bob, transfer.id, 'cancel')).toMatchObject({ status: 403, body: { code: 'OWNER_ONLY' } });

      const mail = await waitForMail(h.dataDir, 'bob@lab.test', /offers you ownership of “Donor 7”/);
      expect(mail.text).toContain(`cytoshare accept-transfer ${transfer.id}`);

      // Accepted: bob owns it, alice keeps full access.
      expect(await answer(bob, transfer.id, 'accept')).toMatchObject({ status: 200, body: { status: 'accepted' } });
      expect(await answer(bob, transfer.id, 'accept')).toMatchObject({ status: 409, body: { code: 'TRANSFER_DECIDED' } });
      const bobIndex = await bob.open(docName.index('bob'));
      await bobIndex.waitFor(() => bobIndex.doc.getMap('experiments').has(id), 'bob lists it');
      expect(bobIndex.doc.getMap('experiments').get(id)).toMatchObject({ owner: 'bob', access: 'owner' });
      const live = await bob.open(docName.experiment(id));
      await live.waitFor(() => live.doc.getMap('meta').get('name') === 'Donor 7', 'bob reads it');
      expect(readSharing(live.doc, id)).toMatchObject({ owner: 'bob', grants: { alice: { by: 'bob' } } });
      expect(readSharing(live.doc, id)?.grants.alice?.role).toBeUndefined();
      // The owner's rights are bob's now; alice is a full-access collaborator.
      expect((await bob.intent({ type: 'share', experimentId: id, user: 'carol' })).ok).toBe(true);
      expect(await alice.intent({ type: 'trash', experimentId: id })).toMatchObject({ ok: false, code: 'OWNER_ONLY' });
      expect(await alice.intent({ type: 'share', experimentId: id, user: 'carol', role: 'viewer' })).toMatchObject({ ok: true });
      expect((await offer(alice, { experimentId: id, user: 'carol' })).body.code).toBe('OWNER_ONLY');
      expect(await indexHas(alice, id)).toBe(true);

      const history = await get(bob, `/api/experiments/${id}/audit`);
      expect(history.body.entries.map((e: { action: string; actor: string }) => `${e.actor}:${e.action}`)).toEqual(
        expect.arrayContaining(['alice:transfer', 'bob:accept-transfer']),
      );
      expect(history.body.verification).toMatchObject({ intact: true });
      expect((await outbox()).filter((m) => to(m) === 'bob@lab.test' && /ownership/.test(m.subject ?? ''))).toHaveLength(1);

      // The new owner may give it on, and delete it.
      const onward = await offer(bob, { experimentId: id, user: 'carol' });
      expect(onward.status).toBe(200);
      expect((await answer(bob, onward.body.transfer.id, 'cancel')).status).toBe(200);
      expect((await bob.intent({ type: 'trash', experimentId: id })).ok).toBe(true);
      expect((await bob.intent({ type: 'delete', experimentId: id })).ok).toBe(true);
    },
  );
});

describe('a transfer', () => {
  it('with leave: on acceptance the giver loses access, their open socket closed at once', async () => {
    await h.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('Leaving');
    const aliceDoc = await alice.open(docName.experiment(id));
    await aliceDoc.waitFor(() => aliceDoc.provider.synced, 'alice synced');
    const offered = await offer(alice, { experimentId: id, user: 'bob', leave: true });
    expect(offered.body.transfer.leave).toBe(true);
    // Still alice's while it waits.
    aliceDoc.doc.getMap('meta').set('purpose', 'still mine');
    expect(await answer(bob, offered.body.transfer.id, 'accept')).toMatchObject({ status: 200 });
    expect(await aliceDoc.closed).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    expect(await indexHas(alice, id)).toBe(false);
    const again = await alice.open(docName.experiment(id));
    expect((await again.closed).code).toBe(4403);
    const bobDoc = await bob.open(docName.experiment(id));
    await bobDoc.waitFor(() => bobDoc.doc.getMap('meta').get('purpose') === 'still mine', 'bob has the edit made before');
    expect(readSharing(bobDoc.doc, id)).toMatchObject({ owner: 'bob', grants: {} });
  });

  it('declined or cancelled changes nothing; a decided offer stays decided; the experiment may be offered again', async () => {
    await h.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('Kept');
    const sharingBefore = (await h.server.store.getExperiment(id)) ?? null;

    const first = (await offer(alice, { experimentId: id, user: 'bob' })).body.transfer;
    expect(await answer(bob, first.id, 'decline')).toMatchObject({ status: 200, body: { status: 'declined' } });
    expect(await answer(bob, first.id, 'accept')).toMatchObject({ status: 409, body: { code: 'TRANSFER_DECIDED' } });
    const second = (await offer(alice, { experimentId: id, user: 'bob' })).body.transfer;
    expect(await answer(alice, second.id, 'cancel')).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await answer(bob, second.id, 'accept')).toMatchObject({ status: 409, body: { code: 'TRANSFER_DECIDED' } });

    expect(await h.server.store.getExperiment(id)).toEqual(sharingBefore);
    expect(await indexHas(bob, id)).toBe(false);
    expect((await get(bob, '/api/transfers')).body).toEqual({ outgoing: [], incoming: [] });
    const history = await get(alice, `/api/experiments/${id}/audit`);
    expect(history.body.entries.map((e: { action: string; actor: string }) => `${e.actor}:${e.action}`)).toEqual([
      'alice:create', 'alice:transfer', 'bob:decline-transfer', 'alice:transfer', 'alice:cancel-transfer',
    ]);
    // Malformed or unknown ids, another's experiment, an unknown person, oneself.
    expect((await answer(bob, 'not-an-id', 'accept')).body.code).toBe('UNKNOWN_TRANSFER');
    expect((await offer(bob, { experimentId: id, user: 'alice' })).body.code).toBe('NOT_A_READER');
    expect((await offer(alice, { experimentId: id, user: 'nobody' })).body.code).toBe('UNKNOWN_USER');
    expect((await offer(alice, { experimentId: id, user: 'alice' })).body.code).toBe('CANNOT_TRANSFER_TO_SELF');
  });

  it('on a premium server needs a connection, as a share does', async () => {
    await h.start({ connectAll: false });
    const alice = await h.user('alice');
    await h.user('dave');
    const id = await alice.createExperiment('Premium');
    expect((await offer(alice, { experimentId: id, user: 'dave' })).body.code).toBe('NOT_CONNECTED');
  });

  it('--family moves the linked experiments the giver owns; the others stay, each listed with why', async () => {
    await h.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const parent = await alice.createExperiment('Parent');
    const child = await alice.createExperiment('Child');
    expect((await alice.intent({ type: 'link', experimentId: child, parentId: parent })).ok).toBe(true);
    expect((await alice.intent({ type: 'share', experimentId: child, user: 'carol' })).ok).toBe(true);
    const carols = await carol.createExperiment('Carol’s analysis');
    expect((await carol.intent({ type: 'link', experimentId: carols, parentId: child })).ok).toBe(true);

    // Without --family the script still sees the family: what stays, and why.
    const single = await offer(alice, { experimentId: parent, user: 'bob' });
    expect(single.body.staying).toEqual([
      { experimentId: child, owner: 'alice', reason: 'not-asked' },
      { experimentId: carols, owner: 'carol', reason: 'not-yours' },
    ].sort((a, b) => a.experimentId.localeCompare(b.experimentId)));
    expect((await answer(alice, single.body.transfer.id, 'cancel')).status).toBe(200);

    const whole = await offer(alice, { experimentId: parent, user: 'bob', family: true });
    expect(whole.body.transfer.experiments.map((e: { id: string }) => e.id)).toEqual([parent, child]);
    expect(whole.body.staying).toEqual([{ experimentId: carols, owner: 'carol', reason: 'not-yours' }]);
    // A family member of a pending offer cannot be offered on its own.
    expect((await offer(alice, { experimentId: child, user: 'carol' })).body.code).toBe('TRANSFER_PENDING');
    expect(await answer(bob, whole.body.transfer.id, 'accept')).toMatchObject({ status: 200 });

    for (const id of [parent, child]) expect((await h.server.store.getExperiment(id))?.owner).toBe('bob');
    expect((await h.server.store.getExperiment(carols))?.owner).toBe('carol');
    expect((await h.server.store.getExperiment(child))?.grants).toMatchObject({ alice: { by: 'bob' }, carol: { by: 'alice' } });
    const childHistory = await get(bob, `/api/experiments/${child}/audit`);
    expect(childHistory.body.entries.at(-1)).toMatchObject({ actor: 'bob', action: 'accept-transfer', detail: { via: parent } });
  });
});
