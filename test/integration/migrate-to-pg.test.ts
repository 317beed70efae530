import { afterEach, describe, expect, it } from 'vitest';
import { docName, readSharing } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import { startServer, type RunningServer } from '../../sync-server/server.ts';
import { openBlobs, openStore } from '../../sync-server/store/open-store.ts';
import { createTestDatabase, dropTestDatabase, PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { cli } from './cli-helpers.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { storedDoc } from './support/stored-doc.ts';

/**
 * Moving a lab's SQLite data folder into PostgreSQL (`admin --data DIR migrate-to URL`): a server
 * started on the database afterwards has the same accounts, sessions, sharing, live documents
 * and FCS files, and goes on numbering after them.
 */
describe.skipIf(TEST_PG === null)(`admin migrate-to${PG_SKIP_REASON}`, () => {
  let h: Harness | null = null;
  let onPg: RunningServer | null = null;
  const databases: string[] = [];
  afterEach(async () => {
    await onPg?.close();
    onPg = null;
    await h?.stop();
    h = null;
    for (const url of databases.splice(0)) await dropTestDatabase(url);
  });

  it('moves a data folder into an empty database, and a server on it carries on where the old one stopped', { timeout: 60_000 }, async () => {
    h = await startHarness();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('Moved panel');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    const live = await alice.open(docName.experiment(id));
    await live.waitFor(() => live.provider.synced, 'synced');
    live.doc.getMap('meta').set('purpose', 'typed before the move');
    const events = new Float64Array(4_000).map((_, i) => (i * 31) % 1024);
    const bytes = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events });
    const put = await fetch(`${h.server.url}/api/experiments/${id}/files?name=tube.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: bytes as Uint8Array<ArrayBuffer> });
    expect(put.status).toBe(201);
    const { fileId } = (await put.json()) as { fileId: string };
    const seen = await bob.open(docName.experiment(id));
    await seen.waitFor(() => seen.doc.getMap('meta').get('purpose') === 'typed before the move', 'the edit stored');
    await h.server.close();

    const url = await createTestDatabase();
    databases.push(url);
    const moved = await cli(['admin', '--data', h.dataDir, 'migrate-to', url, '--json']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.json).toMatchObject({ tables: { users: 2, grants: 1 }, blobs: { files: 1, bytes: bytes.length, into: 'database' } });
    expect(moved.stdout + moved.stderr).not.toContain(url);

    const choice = { dataDir: h.dataDir, database: url };
    onPg = await startServer({ dataDir: h.dataDir, host: '127.0.0.1', port: 0, mode: 'premium', store: await openStore(choice, 'server'), blobs: openBlobs(choice) });
    // The old session token still works: sessions moved too.
    const auth = { authorization: `Bearer ${alice.token}` };
    const got = await fetch(`${onPg.url}/api/experiments/${id}/files/${fileId}`, { headers: auth });
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    const sharing = readSharing(await storedDoc(onPg, id), id);
    expect(sharing?.grants).toHaveProperty('bob');
    expect((await storedDoc(onPg, id)).getMap('meta').get('purpose')).toBe('typed before the move');
    // New rows follow the copied ones: the next audit entry and update get fresh numbers.
    const before = (await onPg.store.auditLog(100)).length;
    const share = await fetch(`${onPg.url}/api/intents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'd-after-move-1', type: 'unshare', experimentId: id, user: 'bob' }),
    });
    expect(share.status).toBe(200);
    expect(await share.json()).toMatchObject({ ok: true });
    expect((await onPg.store.auditLog(100)).length).toBe(before + 1);
  });

  it('refuses a database that already holds data, and changes nothing in it', { timeout: 60_000 }, async () => {
    h = await startHarness();
    await h.user('alice');
    await h.server.close();
    const url = await createTestDatabase();
    databases.push(url);
    expect((await cli(['admin', '--data', h.dataDir, 'migrate-to', url, '--json'])).code).toBe(0);
    const again = await cli(['admin', '--data', h.dataDir, 'migrate-to', url, '--json']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('not empty');
    const store = await openStore({ database: url }, 'tool');
    expect(await store.countUsers()).toBe(1);
    await store.close();
  });
});
