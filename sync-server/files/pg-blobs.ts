import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type pg from 'pg';
import type { BlobEntry, Blobs } from './blobs.ts';

/**
 * Bytes per stored chunk. A `bytea` value is read and written whole, so a file is many rows of
 * this size: memory per transfer stays at a chunk or two, whatever the file's size.
 */
export const BLOB_CHUNK_BYTES = 256 * 1024;

/**
 * FCS files in PostgreSQL (the default with `--database`): one `blobs` row per file, its bytes
 * in `blob_chunks`, written in one transaction so no reader sees half a file. Uploads still
 * arrive in a local temporary file first (the FCS check reads it back), in `scratchDir`.
 * Removal is one atomic statement (`DELETE … WHERE touched_at < …`), so a blob put again while
 * a collection runs is never lost.
 */
export class PgBlobs implements Blobs {
  constructor(
    private readonly pool: pg.Pool,
    private readonly scratchDir: string,
  ) {
    mkdirSync(scratchDir, { recursive: true });
  }

  tempPath(): string {
    return join(this.scratchDir, `.tmp-${randomBytes(8).toString('hex')}`);
  }

  async adopt(temp: string, sha256: string): Promise<void> {
    try {
      await this.store(sha256, statSync(temp).size, createReadStream(temp, { highWaterMark: BLOB_CHUNK_BYTES }));
    } finally {
      rmSync(temp, { force: true });
    }
  }

  async put(bytes: Uint8Array): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const chunks = function* () {
      for (let at = 0; at < bytes.length; at += BLOB_CHUNK_BYTES) yield bytes.subarray(at, at + BLOB_CHUNK_BYTES);
    };
    await this.store(sha256, bytes.length, chunks());
    return sha256;
  }

  /**
   * Stores the bytes of `source` as the blob `sha256` unless it is there already (then it is
   * touched). Two servers storing the same bytes at once: the second waits on the first's row
   * and then only touches it.
   */
  private async store(sha256: string, size: number, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const client = await this.pool.connect();
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      const fresh = await client.query('INSERT INTO blobs (sha256, size, touched_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING', [sha256, size, Date.now()]);
      if (fresh.rowCount === 0) {
        await client.query('UPDATE blobs SET touched_at = $2 WHERE sha256 = $1', [sha256, Date.now()]);
      } else {
        let n = 0;
        let pending = Buffer.alloc(0);
        const flush = async (chunk: Buffer) => {
          await client.query('INSERT INTO blob_chunks (sha256, n, data) VALUES ($1, $2, $3)', [sha256, n++, chunk]);
        };
        // Whatever sizes the source yields, rows are BLOB_CHUNK_BYTES each (the last one shorter).
        for await (const piece of source) {
          pending = pending.length === 0 ? Buffer.from(piece) : Buffer.concat([pending, piece]);
          while (pending.length >= BLOB_CHUNK_BYTES) {
            await flush(pending.subarray(0, BLOB_CHUNK_BYTES));
            pending = pending.subarray(BLOB_CHUNK_BYTES);
          }
        }
        if (pending.length > 0 || n === 0) await flush(pending);
      }
      await client.query('COMMIT');
    } catch (error) {
      failed = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(failed);
    }
  }

  async touch(sha256: string): Promise<boolean> {
    return ((await this.pool.query('UPDATE blobs SET touched_at = $2 WHERE sha256 = $1', [sha256, Date.now()])).rowCount ?? 0) === 1;
  }

  async size(sha256: string): Promise<number | null> {
    return (await this.pool.query<{ size: number }>('SELECT size FROM blobs WHERE sha256 = $1', [sha256])).rows[0]?.size ?? null;
  }

  /** One chunk per query, fetched only when the reader wants more: a slow client holds no connection. */
  stream(sha256: string): Readable {
    const pool = this.pool;
    return Readable.from(
      (async function* () {
        for (let n = 0; ; n++) {
          const row = (await pool.query<{ data: Buffer }>('SELECT data FROM blob_chunks WHERE sha256 = $1 AND n = $2', [sha256, n])).rows[0];
          if (!row) return;
          if (row.data.length > 0) yield row.data;
        }
      })(),
      { objectMode: false },
    );
  }

  async read(sha256: string): Promise<Uint8Array> {
    const parts: Buffer[] = [];
    for await (const chunk of this.stream(sha256)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  async withFile<T>(sha256: string, use: (path: string) => Promise<T>): Promise<T> {
    const path = this.tempPath();
    try {
      await pipeline(this.stream(sha256), createWriteStream(path, { flags: 'wx' }));
      return await use(path);
    } finally {
      rmSync(path, { force: true });
    }
  }

  async entries(): Promise<BlobEntry[]> {
    const rows = (await this.pool.query<{ sha256: string; size: number; touched_at: number }>('SELECT sha256, size, touched_at FROM blobs')).rows;
    return rows.map((r) => ({ sha256: r.sha256, size: r.size, mtimeMs: r.touched_at }));
  }

  async removeIfStale(sha256: string, staleBefore: number): Promise<number> {
    const r = await this.pool.query<{ size: number }>('DELETE FROM blobs WHERE sha256 = $1 AND touched_at < $2 RETURNING size', [sha256, staleBefore]);
    return r.rows[0]?.size ?? 0;
  }

  /** Nothing is ever half-removed here; only temporary uploads a crash left behind go. */
  async recoverInterrupted(staleBefore: number): Promise<void> {
    for (const name of readdirSync(this.scratchDir)) {
      if (!name.startsWith('.tmp-')) continue;
      const path = join(this.scratchDir, name);
      try {
        if (statSync(path).mtimeMs < staleBefore) rmSync(path, { force: true });
      } catch {
        // Removed meanwhile.
      }
    }
  }

  async removeTempUploads(): Promise<number> {
    let removed = 0;
    for (const name of readdirSync(this.scratchDir)) {
      if (!name.startsWith('.tmp-')) continue;
      rmSync(join(this.scratchDir, name), { force: true });
      removed++;
    }
    return removed;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
