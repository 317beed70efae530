import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { BlobStore } from '../files/blob-store.ts';
import { openBlobs } from './open-store.ts';
import { openPgStore, pgPool } from './pg-store.ts';
import { DATABASE_FILE, openSqliteStore } from './sqlite-store.ts';

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const BATCH_ROWS = 200;

/** Tables the PostgreSQL adapter keeps for itself (its migrations, FCS bytes) and not copied as rows. */
const NOT_COPIED = new Set(['schema_migrations', 'blobs', 'blob_chunks']);

export type MigrationReport = {
  tables: Record<string, number>;
  blobs: { files: number; bytes: number; into: 'database' | 'folder' };
};

export class MigrationError extends Error {}

type Column = { name: string; type: string };

/**
 * `cytoshare admin --data DIR migrate-to URL [--blobs DIR]`: moves a stopped server's SQLite
 * data folder into an empty PostgreSQL database. The journal is drained into SQLite first (as a
 * starting server would); the FCS files go into the database (or `--blobs DIR`), each checked
 * against its SHA-256 on the way; then every table the PostgreSQL schema has is copied row by
 * row, in an order that satisfies its foreign keys, in one transaction, so a failure leaves no
 * record behind; serial counters continue after the copied rows. The data folder is
 * only read, so the old server can be started again if anything is wrong.
 */
export async function migrateToPostgres(dataDir: string, url: string, options: { blobsDir?: string } = {}): Promise<MigrationReport> {
  // Opening as the server drains the update journal into SQLite; closing leaves it empty.
  await (await openSqliteStore(dataDir, { journal: true })).close();
  // The schema is created (migrated) by the adapter itself, so both always agree.
  await (await openPgStore(url)).close();
  const source = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  const pool = pgPool(url);
  try {
    // Files first: content-addressed, one left behind by a failure later is harmless (and
    // collected by gc-blobs), while the records that name them commit together or not at all.
    const blobs = await copyBlobs(dataDir, url, options.blobsDir);
    const tables = await copyTables(source, pool);
    return { tables, blobs };
  } finally {
    source.close();
    await pool.end();
  }
}

async function copyTables(source: Database.Database, pool: pg.Pool): Promise<Record<string, number>> {
  const client = await pool.connect();
  try {
    const order = await tablesInKeyOrder(client);
    await client.query('BEGIN');
    const counts: Record<string, number> = {};
    for (const table of order) {
      const existing = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(table)}`);
      // The schema's own rows (the meta table's defaults) aside, the target must be empty.
      if (table !== 'meta' && Number(existing.rows[0]?.n ?? 0) > 0) throw new MigrationError(`the database is not empty: table ${table} has rows; migrate into a new database`);
    }
    for (const table of order) counts[table] = await copyTable(source, client, table, await columnsOf(client, table));
    await resetCounters(client);
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The tables to copy, each after every table its foreign keys point to. */
async function tablesInKeyOrder(client: pg.PoolClient): Promise<string[]> {
  const tables = (await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")).rows
    .map((r) => r.name)
    .filter((name) => !NOT_COPIED.has(name));
  const keys = await client.query<{ child: string; parent: string }>(
    "SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c WHERE c.contype = 'f'",
  );
  const after = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of keys.rows) if (child !== parent) after.get(child)?.add(parent);
  const order: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (order.includes(table) || path.has(table)) return;
    path.add(table);
    for (const parent of after.get(table) ?? []) visit(parent, path);
    order.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return order;
}

async function columnsOf(client: pg.PoolClient, table: string): Promise<Column[]> {
  const r = await client.query<Column>(
    "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
    [table],
  );
  return r.rows;
}

async function copyTable(source: Database.Database, client: pg.PoolClient, table: string, columns: Column[]): Promise<number> {
  const present = new Set((source.prepare(`PRAGMA table_info(${ident(table)})`).all() as { name: string }[]).map((c) => c.name));
  if (present.size === 0) throw new MigrationError(`the data folder has no table ${table}: start the server on it once to bring it up to date, then migrate`);
  const missing = columns.filter((c) => !present.has(c.name));
  if (missing.length > 0) throw new MigrationError(`table ${table} lacks ${missing.map((c) => c.name).join(', ')} in the data folder: start the server on it once, then migrate`);
  const list = columns.map((c) => ident(c.name)).join(', ');
  // The meta table's defaults, written by the adapter, give way to the data folder's values.
  const conflict = table === 'meta' ? ' ON CONFLICT (key) DO UPDATE SET value = excluded.value' : '';
  let copied = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
    await client.query(`INSERT INTO ${ident(table)} (${list}) VALUES ${values}${conflict}`, batch.flat());
    copied += batch.length;
    batch = [];
  };
  // Rows are read one at a time: a large table never sits in memory whole.
  for (const row of source.prepare(`SELECT ${list} FROM ${ident(table)}`).iterate() as IterableIterator<Record<string, unknown>>) {
    batch.push(columns.map((c) => convert(row[c.name], c.type)));
    if (batch.length === BATCH_ROWS) await flush();
  }
  await flush();
  return copied;
}

/** SQLite keeps booleans as 0/1 and bytes as Buffers; PostgreSQL wants booleans and bytea. */
function convert(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value === 1 || value === true;
  if (type === 'bigint' && typeof value === 'bigint') return value.toString();
  return value;
}

/** Serial columns (sequence numbers, mail ids) go on after the largest copied value. */
async function resetCounters(client: pg.PoolClient): Promise<void> {
  const serial = await client.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'",
  );
  for (const { table_name: table, column_name: column } of serial.rows) {
    if (NOT_COPIED.has(table)) continue;
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(${ident(column)}) FROM ${ident(table)}), 0) + 1, false)`,
      [table, column],
    );
  }
}

async function copyBlobs(dataDir: string, url: string, blobsDir: string | undefined): Promise<MigrationReport['blobs']> {
  const from = new BlobStore(dataDir);
  const to = openBlobs({ database: url, ...(blobsDir ? { blobsDir } : {}) });
  let files = 0;
  let bytes = 0;
  try {
    for (const entry of await from.entries()) {
      // A copy is adopted, never the original (the folder stays as it was), and only once its
      // bytes hash to the name they are stored under.
      const temp = to.tempPath();
      const hash = createHash('sha256');
      await pipeline(from.stream(entry.sha256), new Transform({ transform: (chunk: Buffer, _enc, done) => done(null, hash.update(chunk) && chunk) }), createWriteStream(temp));
      if (hash.digest('hex') !== entry.sha256) {
        await rm(temp, { force: true });
        throw new MigrationError(`the FCS file stored as ${entry.sha256} does not match its SHA-256: the data folder is damaged; no records were migrated`);
      }
      await to.adopt(temp, entry.sha256);
      files += 1;
      bytes += entry.size;
    }
  } finally {
    await to.close();
  }
  return { files, bytes, into: blobsDir ? 'folder' : 'database' };
}

/** A table or column name, quoted; they come from the catalogue, never from input. */
function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
