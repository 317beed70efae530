import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import pg from 'pg';
import { BUS_APPLICATION } from '../../sync-server/store/pg-node-bus.ts';
import { openPgStore } from '../../sync-server/store/pg-store.ts';
import { Rooms } from '../../sync-server/sync/rooms.ts';
import { startServer } from '../../sync-server/server.ts';
import { openBlobs, openStore } from '../../sync-server/store/open-store.ts';
import { PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { nextId } from './support/harness.ts';
import { startNodes, type Nodes } from './support/nodes.ts';

/**
 * Several `cytoshare server` nodes on one PostgreSQL database (in this process, each on its own
 * port): a client may use any of them, and they behave as one server.
 */
describe.skipIf(TEST_PG === null)(`several server nodes on one database${PG_SKIP_REASON}`, () => {
  let cluster: Nodes | null = null;
  afterEach(async () => {
    await cluster?.stop();
    cluster = null;
  });

  it('passes live edits between readers on three nodes, in the order they were made, both ways', async () => {
    cluster = await startNodes(3);
    const [n0, n1, n2] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const alice = await cluster.user('alice');
    const bob = await cluster.user('bob');
    const carol = await cluster.user('carol');
    const id = await alice.createExperiment(n0, 'Across nodes');
    for (const who of ['bob', 'carol']) expect(await alice.intent(n0, { type: 'share', experimentId: id, user: who })).toMatchObject({ ok: true });
    const a = alice.open(n0, docName.experiment(id));
    const b = bob.open(n1, docName.experiment(id));
    const c = carol.open(n2, docName.experiment(id));
    await a.waitFor(() => a.provider.synced && b.provider.synced && c.provider.synced, 'all synced');

    const seenAtBob: number[] = [];
    b.doc.getMap('tags').observe((event) => {
      for (const key of event.keysChanged) seenAtBob.push(Number(String(b.doc.getMap('tags').get(key)).slice(1)));
    });
    for (let i = 0; i < 40; i++) {
      a.doc.getMap('tags').set(tagKey('s1.fcs', `Donor ${i}`), `D${i}`);
      if (i % 8 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await b.waitFor(() => b.doc.getMap('tags').size === 40 && c.doc.getMap('tags').size === 40, 'alice’s edits on the other nodes', 10_000);
    expect(seenAtBob).toEqual(Array.from({ length: 40 }, (_, i) => i));

    b.doc.getMap('meta').set('name', 'Renamed on node 1');
    c.doc.getMap('tags').set(tagKey('s1.fcs', 'Carol'), 'from node 2');
    await a.waitFor(
      () => [a, b, c].every((d) => d.doc.getMap('meta').get('name') === 'Renamed on node 1' && d.doc.getMap('tags').get(tagKey('s1.fcs', 'Carol')) === 'from node 2'),
      'edits from nodes 1 and 2 everywhere',
    );
    // A reader who opens it afresh on any node gets it all.
    const late = carol.open(n0, docName.experiment(id));
    await late.waitFor(() => late.doc.getMap('tags').size === 41 && late.doc.getMap('meta').get('name') === 'Renamed on node 1', 'a late reader');
  });

  it('decides conflicting intents on two nodes one after the other: exactly one of each pair wins', async () => {
    cluster = await startNodes(2);
    const [n0, n1] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const alice = await cluster.user('alice');
    const bob = await cluster.user('bob');
    const ids = Array.from({ length: 12 }, () => nextId('exp'));
    const results = await Promise.all(
      ids.map(async (experimentId) => {
        const [mine, theirs] = await Promise.all([
          alice.intent(n0, { type: 'create', experimentId, name: 'alice’s' }),
          bob.intent(n1, { type: 'create', experimentId, name: 'bob’s' }),
        ]);
        return { experimentId, mine, theirs };
      }),
    );
    for (const { experimentId, mine, theirs } of results) {
      expect([mine.ok, theirs.ok].filter(Boolean)).toHaveLength(1);
      const loser = mine.ok ? theirs : mine;
      expect(loser).toMatchObject({ ok: false, code: 'EXPERIMENT_EXISTS' });
      expect((await n0.store.getExperiment(experimentId))?.owner).toBe(mine.ok ? 'alice' : 'bob');
    }
    // A draft resent to the other node gets the verdict it got the first time.
    const draft = nextId('draft');
    const first = await alice.intent(n0, { id: draft, type: 'create', experimentId: nextId('exp'), name: 'once' });
    expect(await alice.intent(n1, { id: draft, type: 'create', experimentId: nextId('exp'), name: 'once' })).toEqual({ ...first, resent: true });
  });

  it('lets a reader in on one node when access is given on another, and closes their socket there when it is taken away', async () => {
    cluster = await startNodes(2);
    const [n0, n1] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const alice = await cluster.user('alice');
    const bob = await cluster.user('bob');
    const id = await alice.createExperiment(n0, 'Revoked');
    // The document is loaded on node 1 before bob is given access (through node 0).
    const own = alice.open(n1, docName.experiment(id));
    await own.waitFor(() => own.provider.synced, 'alice on node 1');
    expect(await alice.intent(n0, { type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    const b = bob.open(n1, docName.experiment(id));
    await b.waitFor(() => b.doc.getMap('meta').get('name') === 'Revoked', 'bob reads on node 1');
    expect(await alice.intent(n0, { type: 'unshare', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    expect(await b.closed).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    // Deleted through node 0: the owner's socket on node 1 closes too.
    expect(await alice.intent(n0, { type: 'trash', experimentId: id })).toMatchObject({ ok: true });
    expect(await alice.intent(n0, { type: 'delete', experimentId: id })).toMatchObject({ ok: true });
    expect((await own.closed).reason).toBe('ACCESS_REVOKED');
  });

  it('catches up what was stored while a node had lost its connection for notices', async () => {
    cluster = await startNodes(2);
    const [n0, n1] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const alice = await cluster.user('alice');
    const id = await alice.createExperiment(n0, 'Reconnected');
    const a = alice.open(n0, docName.experiment(id));
    const b = alice.open(n1, docName.experiment(id));
    await a.waitFor(() => a.provider.synced && b.provider.synced, 'both synced');
    const admin = new pg.Client({ connectionString: cluster.database });
    await admin.connect();
    try {
      // Every node's listening connection dies (a restart of PostgreSQL, a network cut).
      const cut = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [BUS_APPLICATION]);
      expect(cut.rowCount).toBe(2);
      a.doc.getMap('meta').set('name', 'while nobody listened');
      await b.waitFor(() => b.doc.getMap('meta').get('name') === 'while nobody listened', 'the edit on the other node after reconnecting');
    } finally {
      await admin.end();
    }
  });

  it('takes an upload ticket issued by one node at another, once', async () => {
    cluster = await startNodes(2);
    const [n0, n1] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const alice = await cluster.user('alice');
    const id = await alice.createExperiment(n0, 'Tickets');
    const issued = await alice.post(n0, `/api/experiments/${id}/upload-ticket`, {});
    const { ticket } = issued.body as { ticket: string };
    const fcs = writeFcs({ channels: [{ name: 'FSC-A' }], events: new Float64Array([1, 2, 3]), dataType: 'F' }) as Uint8Array<ArrayBuffer>;
    const put = (node: typeof n0) => fetch(`${node.url}/api/experiments/${id}/files?name=a.fcs&ticket=${ticket}`, { method: 'PUT', body: fcs });
    expect((await put(n1)).status).toBe(201);
    expect((await put(n0)).status).toBe(401);
  });

  it('ends a session on every node when it is ended on one', async () => {
    cluster = await startNodes(2);
    const [n0, n1] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const bob = await cluster.user('bob');
    const index = bob.open(n1, docName.index('bob'));
    await index.waitFor(() => index.provider.synced, 'bob on node 1');
    expect((await bob.post(n0, '/api/logout', {})).status).toBe(204);
    expect((await index.closed).reason).toBe('NOT_SIGNED_IN');
    expect((await bob.post(n1, '/api/intents', { id: nextId('draft'), type: 'create', experimentId: nextId('exp'), name: 'x' })).status).toBe(401);
  });

  it('refuses to start a node whose totp.key differs from the one the database’s secrets are sealed with', async () => {
    cluster = await startNodes(1);
    const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-node-stray-'));
    try {
      const choice = { dataDir, database: cluster.database };
      const start = async () => startServer({ dataDir, host: '127.0.0.1', port: 0, mode: 'premium', store: await openStore(choice, 'server'), blobs: openBlobs(choice) });
      await expect(start()).rejects.toThrow(/totp\.key is not the key/);
      copyFileSync(join(cluster.dataDirs[0]!, 'totp.key'), join(dataDir, 'totp.key'));
      await (await start()).close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('has a node take in what others stored before it changes a document, even with no notice heard yet', async () => {
    cluster = await startNodes(1);
    // Two rooms on stores of their own, following nobody: only the document lock brings news.
    const stores = [await openPgStore(cluster.database), await openPgStore(cluster.database)];
    const [here, there] = stores.map((store) => new Rooms(store, 60_000)) as [Rooms, Rooms];
    try {
      const name = docName.experiment(nextId('exp'));
      const a = await here.hold(name);
      const b = await there.hold(name);
      await a.serverWrite((doc) => doc.getMap('meta').set('name', 'from here'));
      expect(b.doc.getMap('meta').get('name')).toBeUndefined();
      await b.serverWrite((doc) => doc.getMap('meta').set('purpose', 'from there'));
      expect(b.doc.getMap('meta').toJSON()).toEqual({ name: 'from here', purpose: 'from there' });
      here.release(a);
      there.release(b);
    } finally {
      await here.closeAll();
      await there.closeAll();
      for (const store of stores) await store.close();
    }
  });

  it('sends each queued mail once while two nodes poll the queue', async () => {
    cluster = await startNodes(2, { mailPollMs: 20 });
    const store = cluster.nodes[0]!.store;
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await store.enqueueMail({ to: `r${i}@lab.test`, subject: `Mail ${i}`, text: 'hello', html: null, at: Date.now() }));
    const deadline = Date.now() + 10_000;
    while ((await store.pendingMailCount()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await store.pendingMailCount()).toBe(0);
    const sent = cluster.dataDirs.flatMap((dir) => {
      try {
        return readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.eml'));
      } catch {
        return [];
      }
    });
    const sentIds = sent.map((f) => Number(/-(\d+)\.eml$/.exec(f)?.[1]));
    expect(sentIds.sort((x, y) => x - y)).toEqual(ids);
  });
});
