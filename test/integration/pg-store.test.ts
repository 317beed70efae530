import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPgStore } from '../../sync-server/store/pg-store.ts';
import { SCHEMA_VERSION } from '../../sync-server/store/pg-migrations.ts';
import type { Store } from '../../sync-server/store/store.ts';
import { createTestDatabase, dropTestDatabase, PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';

/** What only a shared database has: several servers starting and writing at once. */
describe.skipIf(TEST_PG === null)(`PostgreSQL shared by several servers${PG_SKIP_REASON}`, () => {
  let url: string;
  const opened: Store[] = [];
  beforeEach(async () => {
    url = await createTestDatabase();
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await dropTestDatabase(url);
  });
  const open = async () => {
    const s = await openPgStore(url);
    opened.push(s);
    return s;
  };

  it('migrates once when servers start together, and again finds nothing to do', async () => {
    await Promise.all([open(), open(), open()]);
    await open();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows;
    await client.end();
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('gives two servers appending to one document distinct, increasing numbers, one holder at a time', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    let inside = 0;
    let most = 0;
    const append = (node: Store, n: number) =>
      node.lockDocument('exp-shared', async (log) => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 2));
        const seq = await log.append(new Uint8Array([n]));
        inside--;
        return seq;
      });
    const seqs = await Promise.all(Array.from({ length: 20 }, (_, n) => append(n % 2 === 0 ? a : b, n)));
    expect(most).toBe(1);
    expect(new Set(seqs).size).toBe(20);
    const loaded = await a.loadUpdates('exp-shared');
    expect(loaded.updates).toHaveLength(20);
    expect(loaded.lastSeq).toBe(Math.max(...seqs));
  });
});
