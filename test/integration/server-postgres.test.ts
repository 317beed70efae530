import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docName, ExperimentRoot } from '../../shared/doc-layout.ts';
import { DATABASE_FILE } from '../../sync-server/store/sqlite-store.ts';
import { createTestDatabase, dropTestDatabase, PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { cli, fcsFile, PASSWORD } from './cli-helpers.ts';
import { openDoc, type TestDoc } from './support/harness.ts';
import { spawnServer, type ServerProcess } from './support/server-process.ts';

/**
 * `cytoshare server --database URL` as a lab would run it, in a process of its own on the test
 * cluster: accounts made with `cytoshare admin --database URL`, two people sharing, editing live
 * and passing an FCS file, and nothing of it in the local data folder.
 */
describe.skipIf(TEST_PG === null)(`a server on PostgreSQL${PG_SKIP_REASON}`, () => {
  let url: string;
  let root: string;
  let server: ServerProcess;
  const docs: TestDoc[] = [];
  const as = (user: string, args: string[], input?: string) => cli([...args, '--json', '--server', server.url, '--profile', join(root, `profile-${user}`)], input);

  beforeAll(async () => {
    url = await createTestDatabase();
    root = await mkdtemp(join(tmpdir(), 'cytoshare-pg-it-'));
    server = await spawnServer(join(root, 'data'), ['--database', url, '--mode', 'enterprise']);
  });
  afterAll(async () => {
    for (const d of docs) d.destroy();
    server?.child.kill('SIGTERM');
    await server?.exited;
    if (url) await dropTestDatabase(url);
    await rm(root, { recursive: true, force: true });
  });

  it('takes accounts from `admin --database`, and two people share, edit live and pass an FCS file', async () => {
    for (const user of ['alice', 'bob']) {
      const added = await cli(['admin', '--database', url, 'add-user', user, '--email', `${user}@lab.test`, '--password-stdin', '--verified', '--json'], `${PASSWORD}\n`);
      expect(added.code, added.stderr).toBe(0);
      expect(added.json).toMatchObject({ username: user, emailVerified: true });
      expect((await as(user, ['login', user, '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    }
    const created = await as('alice', ['exp', 'create', 'Shared on PostgreSQL']);
    expect(created.code, created.stderr).toBe(0);
    const exp = created.json.id as string;
    expect((await as('alice', ['share', exp, 'bob'])).code).toBe(0);

    const token = (user: string) => JSON.parse(readFileSync(join(root, `profile-${user}`, 'session.json'), 'utf8')).token as string;
    const alice = openDoc(server.url, docName.experiment(exp), token('alice'));
    const bob = openDoc(server.url, docName.experiment(exp), token('bob'));
    docs.push(alice, bob);
    await alice.waitFor(() => alice.provider.synced, 'alice synced');
    await bob.waitFor(() => bob.provider.synced, 'bob synced');
    alice.doc.getMap(ExperimentRoot.meta).set('name', 'Renamed live');
    await bob.waitFor(() => bob.doc.getMap(ExperimentRoot.meta).get('name') === 'Renamed live', "alice's edit at bob");
    bob.doc.getMap(ExperimentRoot.meta).set('purpose', 'gating study');
    await alice.waitFor(() => alice.doc.getMap(ExperimentRoot.meta).get('purpose') === 'gating study', "bob's edit at alice");

    const file = fcsFile(join(root, 'tube.fcs'), 5_000);
    const added = await as('alice', ['file', 'add', exp, file]);
    expect(added.code, added.stderr).toBe(0);
    const out = join(root, 'bob-copy.fcs');
    const got = await as('bob', ['file', 'get', exp, added.json.fileId, '--out', out]);
    expect(got.code, got.stderr).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(file));

    // Everything is in the database: no SQLite file, no blob on local disk.
    const data = join(root, 'data');
    expect(existsSync(join(data, DATABASE_FILE))).toBe(false);
    expect(existsSync(join(data, 'blobs')) ? readdirSync(join(data, 'blobs')) : []).toEqual([]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const blobs = await client.query<{ sha256: string }>('SELECT sha256 FROM blobs');
      expect(blobs.rows.map((r) => r.sha256)).toEqual([added.json.sha256]);
      const users = await client.query<{ username: string }>('SELECT username FROM users ORDER BY username');
      expect(users.rows.map((r) => r.username)).toEqual(['alice', 'bob']);
    } finally {
      await client.end();
    }
  });
});
