import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { pgAccounts } from './pg-accounts.ts';
import { appendAndNotifySql, PgNodeBus } from './pg-node-bus.ts';
import type { PgSchema } from './pg-schema.ts';
import { migrate } from './pg-migrations.ts';
import { pgSharing } from './pg-sharing.ts';
import { pgSocial } from './pg-social.ts';
import { pgFileTickets } from './pg-file-tickets.ts';
import { pgThrottle } from './pg-throttle.ts';
import { pgCatalog } from './pg-catalog.ts';
import { pgReviewLinks } from './pg-review-links.ts';
import { pgExpiry } from './pg-expiry.ts';
import { pgHistory } from './pg-history.ts';
import { pgTotp } from './pg-totp.ts';
import { pgGroups } from './pg-groups.ts';
import { pgWaitingShares } from './pg-waiting-shares.ts';
import { pgTransfers } from './pg-transfers.ts';
import type { CatchUpRow, DocumentLog, SnapshotSummary, Store, StoreTx, UpdateLog } from './store.ts';

/** Connections one server keeps open: units of work and locked documents each hold one while they run. */
const POOL_SIZE = 10;

/**
 * `bigint` columns (times in ms, sequence numbers) come back as numbers: every value the store
 * keeps stays far below 2^53.
 */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** A pool on `url` for this adapter (and its blob store): int8 as numbers, at most POOL_SIZE connections. */
export function pgPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, types });
  // An idle connection the server dropped (a restart of PostgreSQL) is replaced on next use; its
  // error must not bring the process down.
  pool.on('error', () => undefined);
  return pool;
}

/** Every relational method over `db`: the pool, or one unit of work's transaction. */
function records(db: Kysely<PgSchema>): StoreTx {
  const sharing = pgSharing(db);
  return { ...pgAccounts(db), ...sharing, ...pgSocial(db), ...pgReviewLinks(db), ...pgWaitingShares(db), ...pgHistory(db), ...pgTotp(db), ...pgFileTickets(db), ...pgThrottle(db), ...pgCatalog(db), ...pgExpiry(db), ...pgGroups(db, sharing), ...pgTransfers(db) };
}

/**
 * The update log on PostgreSQL, on plain `pg` queries (the hot path needs no query builder).
 * Sequence numbers come from the database (`bigserial`); appends of one document are serialised
 * across servers by an advisory lock on the document's name, so its numbers increase in the
 * order its updates were committed.
 */
class PgUpdateLog implements UpdateLog {
  constructor(
    private readonly pool: pg.Pool,
    /**
     * Connections that hold document locks, a pool of their own: work under a lock reads and
     * writes records (client ids, say) through `pool`, and if both drew from one pool, as many
     * locked documents as connections would each wait for a connection none of them gives back.
     */
    private readonly lockPool: pg.Pool,
    /** This node's id in the commit notices of its appends (see pg-node-bus.ts). */
    private readonly node: string,
  ) {}

  loadUpdates(doc: string): Promise<{ updates: Uint8Array[]; lastSeq: number }> {
    return this.updatesSince(doc, 0);
  }

  async updatesSince(doc: string, seq: number): Promise<{ updates: Uint8Array[]; lastSeq: number }> {
    const r = await this.pool.query<{ seq: number; data: Buffer }>('SELECT seq, data FROM doc_updates WHERE doc = $1 AND seq > $2 ORDER BY seq', [doc, seq]);
    return { updates: r.rows.map((row) => new Uint8Array(row.data)), lastSeq: r.rows.at(-1)?.seq ?? seq };
  }

  async storedDocNames(prefix: string): Promise<string[]> {
    const r = await this.pool.query<{ doc: string }>('SELECT DISTINCT doc FROM doc_updates WHERE starts_with(doc, $1) ORDER BY doc', [prefix]);
    return r.rows.map((row) => row.doc);
  }

  appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    return this.lockDocument(doc, (log) => log.append(update));
  }

  async compact(doc: string, state: Uint8Array, uptoSeq: number, summary?: SnapshotSummary): Promise<void> {
    await this.inTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [doc]);
      const replaced = await client.query('DELETE FROM doc_updates WHERE doc = $1 AND seq <= $2', [doc, uptoSeq]);
      // Nothing to replace: another node deleted the document, or compacted past `uptoSeq`
      // already (its merged state holds everything this one would store).
      if (replaced.rowCount === 0) return;
      await client.query('INSERT INTO doc_updates (doc, data, clocks, deletes) VALUES ($1, $2, $3, $4)', [
        doc,
        Buffer.from(state),
        summary ? Buffer.from(summary.clocks) : null,
        summary?.deletes ? Buffer.from(summary.deletes) : null,
      ]);
    });
  }

  async compactTail(doc: string, keepSeq: number, state: Uint8Array, uptoSeq: number): Promise<void> {
    await this.inTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [doc]);
      const replaced = await client.query('DELETE FROM doc_updates WHERE doc = $1 AND seq <= $2 AND seq <> $3', [doc, uptoSeq, keepSeq]);
      if (replaced.rowCount === 0) return;
      await client.query('INSERT INTO doc_updates (doc, data) VALUES ($1, $2)', [doc, Buffer.from(state)]);
    });
  }

  async catchUpRows(doc: string): Promise<CatchUpRow[]> {
    const r = await this.pool.query<{ seq: number; bytes: number; data: Buffer | null; clocks: Buffer | null; deletes: Buffer | null }>(
      'SELECT seq, octet_length(data) AS bytes, CASE WHEN clocks IS NULL THEN data END AS data, clocks, deletes FROM doc_updates WHERE doc = $1 ORDER BY seq',
      [doc],
    );
    return r.rows.map(({ seq, bytes, data, clocks, deletes }) =>
      clocks ? { seq, bytes, data: null, summary: { clocks: new Uint8Array(clocks), deletes: deletes && new Uint8Array(deletes) } } : { seq, bytes, data: new Uint8Array(data!), summary: null },
    );
  }

  async deleteDocument(doc: string): Promise<void> {
    await this.pool.query('DELETE FROM doc_updates WHERE doc = $1', [doc]);
  }

  /**
   * A session-level advisory lock on one connection, rather than a transaction's: each append
   * commits on its own, so it is durable before the room relays it, and the lock still spans
   * the check and every append of `work`.
   */
  lockDocument<T>(doc: string, work: (log: DocumentLog) => Promise<T>): Promise<T> {
    return this.holding(doc, 0, (client) =>
      work({
        append: async (update) => {
          // Committed (and its notice sent to the other nodes) when the statement returns.
          const r = await client.query<{ seq: number }>(appendAndNotifySql(), [doc, Buffer.from(update.buffer, update.byteOffset, update.byteLength), this.node]);
          return r.rows[0]!.seq;
        },
      }),
    );
  }

  /** Like `lockDocument`, in another space of keys than documents' (see `Store.lockNamed`). */
  lockNamed<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.holding(name, 1, () => work());
  }

  /** Runs `work` holding the advisory lock on `key` (hashed with `space`); a connection that fails is dropped, which releases its locks. */
  private async holding<T>(key: string, space: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.lockPool.connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, $2))', [key, space]);
      try {
        return await work(client);
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, $2))', [key, space]).catch((error: Error) => (broken = error));
      }
    } catch (error) {
      broken ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async inTransaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(error instanceof Error ? error : undefined);
      throw error;
    }
  }
}

/**
 * The PostgreSQL adapter (`--database postgres://…`): the schema is brought up to date first
 * (see pg-migrations.ts), then every server and tool on the database shares it.
 */
export async function openPgStore(url: string): Promise<Store> {
  const pool = pgPool(url);
  const db = new Kysely<PgSchema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const lockPool = pgPool(url);
  const bus = new PgNodeBus(url, pool);
  try {
    await bus.start();
  } catch (error) {
    await db.destroy();
    await lockPool.end();
    throw error;
  }
  const log = new PgUpdateLog(pool, lockPool, bus.node);
  const store: Store = {
    ...records(db),
    bus,
    lockNamed: (name, work) => log.lockNamed(name, work),
    loadUpdates: (doc) => log.loadUpdates(doc),
    updatesSince: (doc, seq) => log.updatesSince(doc, seq),
    storedDocNames: (prefix) => log.storedDocNames(prefix),
    appendUpdate: (doc, update) => log.appendUpdate(doc, update),
    compact: (doc, state, uptoSeq, summary) => log.compact(doc, state, uptoSeq, summary),
    compactTail: (doc, keepSeq, state, uptoSeq) => log.compactTail(doc, keepSeq, state, uptoSeq),
    catchUpRows: (doc) => log.catchUpRows(doc),
    deleteDocument: (doc) => log.deleteDocument(doc),
    lockDocument: (doc, work) => log.lockDocument(doc, work),
    transaction: (work) => db.transaction().execute((trx: Transaction<PgSchema>) => work(records(trx))),
    close: async () => {
      await bus.close();
      await db.destroy();
      await lockPool.end();
    },
  };
  return store;
}
