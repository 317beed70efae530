import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test cluster's URL (see pg-global-setup.ts), or null when PostgreSQL is not installed here. */
export const TEST_PG = process.env['CYTOSHARE_TEST_PG'] ?? null;

/** Why PostgreSQL tests are skipped on this machine; put in their names so a skip says so. */
export const PG_SKIP_REASON = TEST_PG ? '' : ' (skipped: no PostgreSQL binaries here; apt-get install postgresql)';

async function onCluster<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG ?? undefined });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test cluster (so test files can run side by side); its URL. */
export async function createTestDatabase(): Promise<string> {
  if (!TEST_PG) throw new Error('no PostgreSQL cluster for the tests');
  const name = `t_${randomBytes(6).toString('hex')}`;
  await onCluster((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_PG);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by `createTestDatabase`, closing whatever connections are left on it. */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^t_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await onCluster((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
