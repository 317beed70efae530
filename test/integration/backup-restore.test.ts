import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { docName, readSharing } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import { startServer, type RunningServer } from '../../sync-server/server.ts';
import { openBlobs, openStore } from '../../sync-server/store/open-store.ts';
import { createTestDatabase, dropTestDatabase, PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { storedDoc } from './support/stored-doc.ts';

const run = promisify(execFile);
const OPS = join(import.meta.dirname, '../../sync-server/ops');

/**
 * The README's backup and restore for a server on PostgreSQL (`sync-server/ops/backup.sh`,
 * `restore.sh`): a backup taken while the server runs, restored into a new database, gives a
 * server with the same accounts, sharing, live document and FCS files.
 */
describe.skipIf(TEST_PG === null)(`backup and restore on PostgreSQL${PG_SKIP_REASON}`, () => {
  let h: Harness | null = null;
  let restored: RunningServer | null = null;
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await restored?.close();
    restored = null;
    await h?.stop();
    h = null;
    for (const step of cleanup.splice(0)) await step();
  });

  it('restores a backup taken from a running server into a new database, files and live edits included', { timeout: 60_000 }, async () => {
    h = await startHarness({ backend: 'postgres' });
    const alice = await h.user('alice');
    await h.user('bob');
    const id = await alice.createExperiment('Backed up');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    const live = await alice.open(docName.experiment(id));
    await live.waitFor(() => live.provider.synced, 'synced');
    live.doc.getMap('meta').set('purpose', 'kept by the backup');
    const bytes = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array(2_000).map((_, i) => i % 700) });
    const put = await fetch(`${h.server.url}/api/experiments/${id}/files?name=tube.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: bytes as Uint8Array<ArrayBuffer> });
    expect(put.status).toBe(201);
    const { fileId } = (await put.json()) as { fileId: string };
    await expect.poll(async () => (await storedDoc(h!.server, id)).getMap('meta').get('purpose')).toBe('kept by the backup');

    const dir = mkdtempSync(join(tmpdir(), 'cytoshare-backup-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const backup = await run('bash', [join(OPS, 'backup.sh'), h.database!, dir]);
    expect(backup.stdout + backup.stderr).not.toContain(h.database!);

    const url = await createTestDatabase();
    cleanup.push(() => dropTestDatabase(url));
    await run('bash', [join(OPS, 'restore.sh'), dir, url]);
    const choice = { dataDir: h.dataDir, database: url };
    restored = await startServer({ dataDir: h.dataDir, host: '127.0.0.1', port: 0, mode: 'premium', store: await openStore(choice, 'server'), blobs: openBlobs(choice) });
    const got = await fetch(`${restored.url}/api/experiments/${id}/files/${fileId}`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    const doc = await storedDoc(restored, id);
    expect(doc.getMap('meta').get('purpose')).toBe('kept by the backup');
    expect(readSharing(doc, id)?.grants).toHaveProperty('bob');
  });

  it('refuses to restore into a database that is not empty, leaving it as it was', { timeout: 60_000 }, async () => {
    h = await startHarness({ backend: 'postgres' });
    await h.user('alice');
    const dir = mkdtempSync(join(tmpdir(), 'cytoshare-backup-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    await run('bash', [join(OPS, 'backup.sh'), h.database!, dir]);
    await expect(run('bash', [join(OPS, 'restore.sh'), dir, h.database!])).rejects.toMatchObject({ code: 1 });
    expect(await h.server.store.countUsers()).toBe(1);
  });
});
