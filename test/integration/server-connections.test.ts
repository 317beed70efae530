/**
 * Connections against the real server on 127.0.0.1 (README, "Connections and mail"): requests by
 * email, the per-user `conn-<username>` documents, accept/reject, asking back, auto-connection
 * of everyone on a shared experiment, the removal guard, requests to addresses with no account,
 * privacy of the documents, enterprise mode, and the move from enterprise to premium.
 * Users start unconnected (`connectAll: false`). Every wait is bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionsRoot, docName, readConnectionEntries } from '../../shared/doc-layout.ts';
import type { ConnectionEntry } from '../../shared/schemas/connection-entry.ts';
import type { Session } from '../../shared/schemas/api.ts';
import type { IntentResult } from '../../shared/schemas/intents.ts';
import { createAccount, setMode } from '../../sync-server/admin.ts';
import { startServer } from '../../sync-server/server.ts';
import { nextId, openDoc, waitUntil, type Harness, type TestDoc, type TestUser } from './support/harness.ts';
import { useHarnessPerTest, type HarnessOptions } from './support/use-harness.ts';

const h = useHarnessPerTest();
const extraDocs: TestDoc[] = [];
afterEach(async () => {
  for (const d of extraDocs.splice(0)) d.destroy();
});

async function harness(options: HarnessOptions = {}): Promise<Harness> {
  await h.start({ connectAll: false, ...options });
  return h;
}

/** The entries of a connections document, keyed as the server keys them. */
function entries(d: TestDoc): Record<string, ConnectionEntry> {
  return d.doc.getMap(ConnectionsRoot.connections).toJSON() as Record<string, ConnectionEntry>;
}

/** A user's connections document, synced. */
async function connDoc(user: TestUser): Promise<TestDoc> {
  const d = await user.open(docName.connections(user.username));
  await d.waitFor(() => d.provider.synced, `conn-${user.username} synced`);
  return d;
}

/** Waits until the document shows exactly `expected` (keys and values, `since` ignored). */
async function expectShows(d: TestDoc, expected: Record<string, Omit<ConnectionEntry, 'since'>>, what: string): Promise<void> {
  const strip = (all: Record<string, ConnectionEntry>) =>
    Object.fromEntries(Object.entries(all).map(([k, { since: _since, ...rest }]) => [k, rest]));
  try {
    await d.waitFor(() => JSON.stringify(sorted(strip(entries(d)))) === JSON.stringify(sorted(expected)), what, 5_000);
  } finally {
    expect(strip(entries(d)), what).toEqual(expected);
  }
  // Every entry is a valid ConnectionEntry.
  expect(readConnectionEntries(d.doc)).toHaveLength(Object.keys(expected).length);
}
const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

const entry = (
  user: string | null,
  email: string,
  status: ConnectionEntry['status'],
  direction: ConnectionEntry['direction'] = null,
  sharedExperiments = 0,
): Omit<ConnectionEntry, 'since'> => ({ user, email, status, direction, sharedExperiments, sharedProjects: 0 });
const mail = (u: string) => `${u}@lab.test`;

function refused(result: IntentResult, code: string, path?: string[]): void {
  expect(result.ok, JSON.stringify(result)).toBe(false);
  expect(result).toMatchObject({ code, ...(path ? { path } : {}) });
}

describe('a connection request, answered in the app', () => {
  it('is pending on both sides until accepted, then both are connected and can share', async () => {
    const t = await harness();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const aliceConn = await connDoc(alice);
    const bobConn = await connDoc(bob);
    expect(entries(aliceConn)).toEqual({});

    expect(await alice.intent({ type: 'connect', email: 'Bob@Lab.Test' })).toMatchObject({ ok: true, affected: [], skipped: [] });
    await expectShows(aliceConn, { bob: entry('bob', mail('bob'), 'pending', 'outgoing') }, 'alice sees her outgoing request');
    await expectShows(bobConn, { alice: entry('alice', mail('alice'), 'pending', 'incoming') }, 'bob sees the incoming request');

    refused(await alice.intent({ type: 'connect', email: mail('bob') }), 'REQUEST_PENDING', ['email']);
    // The requester cannot answer her own request, nor is she connected yet.
    refused(await alice.intent({ type: 'accept', user: 'bob' }), 'NO_PENDING_REQUEST', ['user']);
    refused(await alice.intent({ type: 'disconnect', user: 'bob' }), 'NOT_CONNECTED', ['user']);

    expect(await bob.intent({ type: 'accept', user: 'alice' })).toMatchObject({ ok: true });
    await expectShows(aliceConn, { bob: entry('bob', mail('bob'), 'connected') }, 'alice connected');
    await expectShows(bobConn, { alice: entry('alice', mail('alice'), 'connected') }, 'bob connected');
    expect(await t.server.store.getConnection('bob', 'alice')).toMatchObject({ status: 'connected' });

    refused(await bob.intent({ type: 'accept', user: 'alice' }), 'NO_PENDING_REQUEST', ['user']);
    refused(await alice.intent({ type: 'connect', email: mail('bob') }), 'ALREADY_CONNECTED', ['email']);
    refused(await bob.intent({ type: 'connect', email: mail('alice') }), 'ALREADY_CONNECTED', ['email']);

    const id = await alice.createExperiment('CD8 panel');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true, affected: [id] });
    await expectShows(aliceConn, { bob: entry('bob', mail('bob'), 'connected', null, 1) }, 'alice counts one shared experiment');
    await expectShows(bobConn, { alice: entry('alice', mail('alice'), 'connected', null, 1) }, 'bob counts one shared experiment');
  });

  it('refuses a share before the two are connected, also while a request waits and after a rejection', async () => {
    const t = await harness();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const id = await alice.createExperiment('Not yet');

    refused(await alice.intent({ type: 'share', experimentId: id, user: 'bob' }), 'NOT_CONNECTED', ['user']);
    refused(await alice.intent({ type: 'share', experimentId: id, user: mail('bob') }), 'NOT_CONNECTED', ['user']);
    expect(await alice.intent({ type: 'connect', email: mail('bob') })).toMatchObject({ ok: true });
    refused(await alice.intent({ type: 'share', experimentId: id, user: 'bob' }), 'NOT_CONNECTED', ['user']);
    expect(await bob.intent({ type: 'reject', user: 'alice' })).toMatchObject({ ok: true });
    refused(await alice.intent({ type: 'share', experimentId: id, user: 'bob' }), 'NOT_CONNECTED', ['user']);

    expect((await t.server.store.getExperiment(id))?.grants).toEqual({});
    expect(await t.server.store.getConnection('alice', 'bob')).toBeNull();
    const bobIndex = await bob.open(docName.index('bob'));
    await bobIndex.waitFor(() => bobIndex.provider.synced, 'bob index synced');
    expect(bobIndex.doc.getMap('experiments').size).toBe(0);
  });

  it('a rejected request disappears from both lists, and a new request may follow', async () => {
    const t = await harness();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const aliceConn = await connDoc(alice);
    const bobConn = await connDoc(bob);
    await alice.intent({ type: 'connect', email: mail('bob') });
    await expectShows(bobConn, { alice: entry('alice', mail('alice'), 'pending', 'incoming') }, 'bob sees the request');

    expect(await bob.intent({ type: 'reject', user: 'alice' })).toMatchObject({ ok: true });
    await expectShows(aliceConn, {}, 'alice list empty after rejection');
    await expectShows(bobConn, {}, 'bob list empty after rejection');
    refused(await bob.intent({ type: 'accept', user: 'alice' }), 'NO_PENDING_REQUEST', ['user']);

    expect(await alice.intent({ type: 'connect', email: mail('bob') })).toMatchObject({ ok: true });
    await expectShows(bobConn, { alice: entry('alice', mail('alice'), 'pending', 'incoming') }, 'bob sees the new request');
  });

  it('asking back when the other already asked connects both', async () => {
    const t = await harness();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const aliceConn = await connDoc(alice);
    const bobConn = await connDoc(bob);

    await alice.intent({ type: 'connect', email: mail('bob') });
    expect(await bob.intent({ type: 'connect', email: mail('alice') })).toMatchObject({ ok: true });
    await expectShows(aliceConn, { bob: entry('bob', mail('bob'), 'connected') }, 'alice connected by asking back');
    await expectShows(bobConn, { alice: entry('alice', mail('alice'), 'connected') }, 'bob connected by asking back');
    expect(await t.server.store.pendingRequests({ fromUser: 'alice' })).toEqual([]);
    expect(await t.server.store.pendingRequests({ fromUser: 'bob' })).toEqual([]);
    refused(await bob.intent({ type: 'accept', user: 'alice' }), 'NO_PENDING_REQUEST', ['user']);

    const id = await bob.createExperiment('Asked back');
    expect(await bob.intent({ type: 'share', experimentId: id, user: 'alice' })).toMatchObject({ ok: true });
  });

  it('refuses a request to oneself, in any case', async () => {
    const t = await harness();
    const alice = await t.user('alice');
    refused(await alice.intent({ type: 'connect', email: mail('alice') }), 'CANNOT_CONNECT_TO_SELF', ['email']);
    refused(await alice.intent({ type: 'connect', email: 'ALICE@LAB.TEST' }), 'CANNOT_CONNECT_TO_SELF', ['email']);
    expect(await t.server.store.pendingRequests({ fromUser: 'alice' })).toEqual([]);
  });
});

describe('auto-connection', () => {
  it('connects the users on a shared experiment even after a rejection, and counts what they share', async () => {
    const t = await harness();
    const a = await t.user('alice');
    const b = await t.user('bob');
    const c = await t.user('carol');
    // Alice and Carol are each connected with Bob.
    await a.intent({ type: 'connect', email: mail('bob') });
    expect(await b.intent({ type: 'accept', user: 'alice' })).toMatchObject({ ok: true });
    await c.intent({ type: 'connect', email: mail('bob') });
    expect(await b.intent({ type: 'accept', user: 'carol' })).toMatchObject({ ok: true });
    // Carol rejects Alice.
    await a.intent({ type: 'connect', email: mail('carol') });
    expect(await c.intent({ type: 'reject', user: 'alice' })).toMatchObject({ ok: true });
    const aConn = await connDoc(a);
    const cConn = await connDoc(c);
    const bConn = await connDoc(b);
    await expectShows(aConn, { bob: entry('bob', mail('bob'), 'connected') }, 'alice: only bob');
    await expectShows(cConn, { bob: entry('bob', mail('bob'), 'connected') }, 'carol: only bob');
    const own = await a.createExperiment('Alice alone');
    refused(await a.intent({ type: 'share', experimentId: own, user: 'carol' }), 'NOT_CONNECTED', ['user']);

    const shared = await b.createExperiment('Bob shares');
    expect(await b.intent({ type: 'share', experimentId: shared, user: 'alice' })).toMatchObject({ ok: true });
    expect(await t.server.store.getConnection('alice', 'carol')).toBeNull();
    expect(await b.intent({ type: 'share', experimentId: shared, user: 'carol' })).toMatchObject({ ok: true });

    await expectShows(
      aConn,
      { bob: entry('bob', mail('bob'), 'connected', null, 1), carol: entry('carol', mail('carol'), 'connected', null, 1) },
      'alice auto-connected with carol',
    );
    await expectShows(
      cConn,
      { alice: entry('alice', mail('alice'), 'connected', null, 1), bob: entry('bob', mail('bob'), 'connected', null, 1) },
      'carol auto-connected with alice',
    );
    await expectShows(
      bConn,
      { alice: entry('alice', mail('alice'), 'connected', null, 1), carol: entry('carol', mail('carol'), 'connected', null, 1) },
      'bob counts one experiment with each',
    );

    // Now connected, Alice may share her own experiment with Carol; the counts follow.
    expect(await a.intent({ type: 'share', experimentId: own, user: 'carol' })).toMatchObject({ ok: true });
    await expectShows(
      cConn,
      { alice: entry('alice', mail('alice'), 'connected', null, 2), bob: entry('bob', mail('bob'), 'connected', null, 1) },
      'carol shares two with alice',
    );
    // The auto-connection is a connection like any other: guarded while they share.
    refused(await c.intent({ type: 'disconnect', user: 'alice' }), 'CONNECTION_IN_USE', ['user']);
  });

  it('connects a newcomer with everyone already on the experiment, grantees included', async () => {
    const t = await harness();
    const a = await t.user('alice');
    const b = await t.user('bob');
    const c = await t.user('carol');
    const d = await t.user('dave');
    for (const other of [b, c]) {
      await a.intent({ type: 'connect', email: mail(other.username) });
      expect(await other.intent({ type: 'accept', user: 'alice' })).toMatchObject({ ok: true });
    }
    // Dave is connected with Carol only; Carol is a full grantee, so she may bring him in.
    await d.intent({ type: 'connect', email: mail('carol') });
    expect(await c.intent({ type: 'accept', user: 'dave' })).toMatchObject({ ok: true });
    const id = await a.createExperiment('Group');
    expect(await a.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    expect(await a.intent({ type: 'share', experimentId: id, user: 'carol' })).toMatchObject({ ok: true });
    expect(await c.intent({ type: 'share', experimentId: id, user: 'dave' })).toMatchObject({ ok: true });

    for (const other of ['alice', 'bob', 'carol']) {
      expect(await t.server.store.getConnection('dave', other), `dave–${other}`).toMatchObject({ status: 'connected' });
    }
    expect(await t.server.store.getConnection('bob', 'carol')).toMatchObject({ status: 'connected' });
  });
});

describe('removing a connection', () => {
  it('is refused while the two share an experiment and allowed once they do not', async () => {
    const t = await harness();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await alice.intent({ type: 'connect', email: mail('bob') });
    await bob.intent({ type: 'accept', user: 'alice' });
    const aliceConn = await connDoc(alice);
    const bobConn = await connDoc(bob);
    const id = await alice.createExperiment('Shared');
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    await expectShows(aliceConn, { bob: entry('bob', mail('bob'), 'connected', null, 1) }, 'alice shares one');

    refused(await alice.intent({ type: 'disconnect', user: 'bob' }), 'CONNECTION_IN_USE', ['user']);
    refused(await bob.intent({ type: 'disconnect', user: 'alice' }), 'CONNECTION_IN_USE', ['user']);
    expect(await t.server.store.getConnection('alice', 'bob')).not.toBeNull();

    expect(await alice.intent({ type: 'unshare', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    await expectShows(aliceConn, { bob: entry('bob', mail('bob'), 'connected', null, 0) }, 'count back to zero');
    expect(await bob.intent({ type: 'disconnect', user: 'alice' })).toMatchObject({ ok: true });
    await expectShows(aliceConn, {}, 'alice list empty');
    await expectShows(bobConn, {}, 'bob list empty');
    expect(await t.server.store.getConnection('alice', 'bob')).toBeNull();

    refused(await alice.intent({ type: 'share', experimentId: id, user: 'bob' }), 'NOT_CONNECTED', ['user']);
    refused(await alice.intent({ type: 'disconnect', user: 'bob' }), 'NOT_CONNECTED', ['user']);
  });
});

describe('a request to an address with no account', () => {
  it('waits, and shows for the account once it is created, which can then accept', async () => {
    const t = await harness();
    const alice = await t.user('alice');
    const aliceConn = await connDoc(alice);

    expect(await alice.intent({ type: 'connect', email: 'NewBie@Elsewhere.test' })).toMatchObject({ ok: true });
    await expectShows(
      aliceConn,
      { 'email:newbie@elsewhere.test': entry(null, 'newbie@elsewhere.test', 'pending', 'outgoing') },
      'alice sees a request to an address',
    );
    refused(await alice.intent({ type: 'connect', email: 'newbie@elsewhere.test' }), 'REQUEST_PENDING', ['email']);

    await createAccount(t.server.store, { username: 'newbie', email: 'newbie@elsewhere.test', password: 'correct horse battery', verified: true });
    const login = await fetch(`${t.server.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'newbie', password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    const session = (await login.json()) as Session;
    const newbieConn = openDoc(t.server.url, docName.connections('newbie'), session.token);
    extraDocs.push(newbieConn);
    await newbieConn.waitFor(() => newbieConn.provider.synced, 'newbie conn synced');
    await expectShows(newbieConn, { alice: entry('alice', mail('alice'), 'pending', 'incoming') }, 'newbie sees the request');

    // Still pending for the requester, now that the address has an account.
    refused(await alice.intent({ type: 'connect', email: 'newbie@elsewhere.test' }), 'REQUEST_PENDING', ['email']);

    const res = await fetch(`${t.server.url}/api/intents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ id: nextId('draft'), type: 'accept', user: 'alice' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
    await expectShows(newbieConn, { alice: entry('alice', mail('alice'), 'connected') }, 'newbie connected');
    await expectShows(aliceConn, { newbie: entry('newbie', 'newbie@elsewhere.test', 'connected') }, 'alice connected, address entry gone');
    const id = await alice.createExperiment('For the newcomer');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'newbie' })).toMatchObject({ ok: true });
  });
});

describe('privacy of connections documents', () => {
  it("closes with 4403 a user who opens another user's conn- document, and sends nothing of it", async () => {
    const t = await harness();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await alice.intent({ type: 'connect', email: mail('bob') });
    await bob.intent({ type: 'connect', email: 'carol@elsewhere.test' });
    const bobConn = await connDoc(bob);
    await bobConn.waitFor(() => Object.keys(entries(bobConn)).length === 2, 'bob has entries worth hiding');

    const spy = await alice.open(docName.connections('bob'));
    const closed = await Promise.race([
      spy.closed,
      new Promise<null>((r) => setTimeout(() => r(null), 5_000)),
    ]);
    expect(closed?.code).toBe(4403);
    expect(spy.doc.getMap(ConnectionsRoot.connections).size).toBe(0);
    // Her own document opens fine.
    const own = await connDoc(alice);
    expect(Object.keys(entries(own))).toEqual(['bob']);
  });
});

describe('enterprise mode', () => {
  it('refuses every connection intent and lets anyone share with anyone, without connecting them', async () => {
    const t = await harness({ mode: 'enterprise' });
    expect(t.server.mode).toBe('enterprise');
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await t.user('carol');
    refused(await alice.intent({ type: 'connect', email: mail('bob') }), 'CONNECTIONS_DISABLED');
    refused(await bob.intent({ type: 'accept', user: 'alice' }), 'CONNECTIONS_DISABLED');
    refused(await bob.intent({ type: 'reject', user: 'alice' }), 'CONNECTIONS_DISABLED');
    refused(await alice.intent({ type: 'disconnect', user: 'bob' }), 'CONNECTIONS_DISABLED');
    expect(await t.server.store.pendingRequests({ fromUser: 'alice' })).toEqual([]);

    const id = await alice.createExperiment('Institution-wide');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true, affected: [id] });
    expect(await alice.intent({ type: 'share', experimentId: id, user: mail('carol') })).toMatchObject({ ok: true });
    expect(Object.keys((await t.server.store.getExperiment(id))?.grants ?? {}).sort()).toEqual(['bob', 'carol']);
    // No auto-connection in enterprise mode, and the lists stay empty.
    expect(await t.server.store.connectionsOf('alice')).toEqual([]);
    expect(await t.server.store.connectionsOf('bob')).toEqual([]);
    const aliceConn = await connDoc(alice);
    expect(entries(aliceConn)).toEqual({});
    const bobIndex = await bob.open(docName.index('bob'));
    await bobIndex.waitFor(() => bobIndex.doc.getMap('experiments').has(id), 'bob index shows the share');
  });

  it('set-mode enterprise → premium gives pre-existing connections to the pairs who share, and the server follows', async () => {
    const t = await harness({ mode: 'enterprise' });
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    await t.user('dave');
    const one = await alice.createExperiment('Shared before connections');
    await alice.intent({ type: 'share', experimentId: one, user: 'bob' });
    await alice.intent({ type: 'share', experimentId: one, user: 'carol' });
    const two = await bob.createExperiment('Bob and Alice');
    await bob.intent({ type: 'share', experimentId: two, user: 'alice' });
    const aliceConn = await connDoc(alice);
    const carolConn = await connDoc(carol);
    expect(entries(aliceConn)).toEqual({});

    expect(await setMode(t.dataDir, 'premium')).toEqual({ mode: 'premium', preExisting: 3 });
    await waitUntil(() => t.server.mode === 'premium', 'the server follows the stored mode', 4_000);

    await expectShows(
      aliceConn,
      { bob: entry('bob', mail('bob'), 'pre-existing', null, 2), carol: entry('carol', mail('carol'), 'pre-existing', null, 1) },
      'alice sees pre-existing connections',
    );
    // Carol and Bob are both grantees of the same experiment: they share too.
    await expectShows(
      carolConn,
      { alice: entry('alice', mail('alice'), 'pre-existing', null, 1), bob: entry('bob', mail('bob'), 'pre-existing', null, 1) },
      'carol sees pre-existing connections',
    );
    expect(await t.server.store.getConnection('alice', 'dave')).toBeNull();

    // Pre-existing connections allow sharing; strangers now need a connection.
    const three = await alice.createExperiment('After the switch');
    expect(await alice.intent({ type: 'share', experimentId: three, user: 'bob' })).toMatchObject({ ok: true });
    refused(await alice.intent({ type: 'share', experimentId: three, user: 'dave' }), 'NOT_CONNECTED', ['user']);
    expect(await alice.intent({ type: 'connect', email: mail('dave') })).toMatchObject({ ok: true });
    refused(await alice.intent({ type: 'disconnect', user: 'carol' }), 'CONNECTION_IN_USE', ['user']);
    refused(await alice.intent({ type: 'connect', email: mail('carol') }), 'ALREADY_CONNECTED', ['email']);

    // A second run finds nothing more to do.
    expect(await setMode(t.dataDir, 'premium')).toEqual({ mode: 'premium', preExisting: 0 });
  });

  it('set-mode premium → enterprise empties the lists and switches connection intents off on the running server', async () => {
    const t = await harness();
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await t.user('carol');
    await alice.intent({ type: 'connect', email: mail('bob') });
    await bob.intent({ type: 'accept', user: 'alice' });
    const aliceConn = await connDoc(alice);
    await expectShows(aliceConn, { bob: entry('bob', mail('bob'), 'connected') }, 'alice connected in premium');
    const id = await alice.createExperiment('Switching');
    refused(await alice.intent({ type: 'share', experimentId: id, user: 'carol' }), 'NOT_CONNECTED', ['user']);

    expect(await setMode(t.dataDir, 'enterprise')).toEqual({ mode: 'enterprise', preExisting: 0 });
    await waitUntil(() => t.server.mode === 'enterprise', 'the server follows the stored mode', 4_000);
    await expectShows(aliceConn, {}, 'the list is empty in enterprise mode');
    refused(await alice.intent({ type: 'connect', email: mail('carol') }), 'CONNECTIONS_DISABLED');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'carol' })).toMatchObject({ ok: true });
  });

  // BUG (pinned): `startServer({ mode: 'premium' })` (the CLI's `server --mode premium`) over an
  // enterprise data folder switches to premium without the pre-existing connections that
  // `setMode` makes, so pairs who already share are left unconnected. Flip to `it` once fixed.
  it('starting the server with mode premium over an enterprise folder gives pre-existing connections too', async () => {
    const t = await harness({ mode: 'enterprise' });
    const alice = await t.user('alice');
    await t.user('bob');
    const id = await alice.createExperiment('Shared in enterprise');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    const port = t.server.port;
    await t.server.close();
    t.server = await startServer({ dataDir: t.dataDir, host: '127.0.0.1', port, mode: 'premium', unloadDelayMs: 200 });
    expect(t.server.mode).toBe('premium');
    expect(await t.server.store.getConnection('alice', 'bob')).toMatchObject({ status: 'pre-existing' });
  });
});
