import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobEntry, Blobs } from './blobs.ts';

/**
 * FCS bytes on disk, named by their SHA-256: the same file uploaded twice, or copied by a clone,
 * is stored once. A blob is written to a temporary name and renamed into place, so a reader
 * never sees half a file and a crash leaves at most a temporary file behind.
 *
 * Blobs nobody references any more are removed by `removeIfStale` (see `blob-gc.ts`), possibly
 * from another process while the server runs. Two rules keep that from removing a blob a new
 * record is about to use: whatever makes a new record of a stored blob (`put` of the same bytes,
 * a clone copying file records) touches it, so it is not stale; and removal first moves the
 * blob aside, then looks again, and puts it back if it was touched.
 */
/** In a shared blob folder, a temporary upload untouched this long belongs to no running upload (uploads write every few seconds). */
const SHARED_TEMP_IDLE_MS = 10 * 60_000;

export class BlobStore implements Blobs {
  private readonly dir: string;

  /**
   * Blobs in `root`/`folder`: the data folder's `blobs/` by default; `--blobs DIR` itself (folder
   * ''), which several server nodes may share: then a start removes only temporary uploads
   * nobody has written to for a while, not another node's upload in flight.
   */
  constructor(
    root: string,
    folder = 'blobs',
    private readonly shared = false,
  ) {
    this.dir = join(root, folder);
    mkdirSync(this.dir, { recursive: true });
  }

  static hash(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  private path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a blob name');
    return join(this.dir, sha256);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const sha256 = BlobStore.hash(bytes);
    const target = this.path(sha256);
    if (existsSync(target) && this.touchNow(sha256)) return sha256;
    const temp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      writeFileSync(temp, bytes);
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
    return sha256;
  }

  /**
   * A new temporary file in the blobs folder, for an upload streamed to disk: on the same file
   * system as the blobs, so `adopt` can rename it into place. The `.tmp-` prefix is what
   * `recoverInterrupted` and `removeTempUploads` clean up after a crash.
   */
  tempPath(): string {
    return join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
  }

  /**
   * Makes a fully written temporary file the blob of `sha256` (its caller hashed it while
   * writing), with `put`'s rules: bytes already stored are touched and the temporary file
   * dropped; otherwise it is renamed into place, in one step a reader never sees half of.
   */
  async adopt(temp: string, sha256: string): Promise<void> {
    const target = this.path(sha256);
    if (!temp.startsWith(join(this.dir, '.tmp-'))) throw new Error('not a temporary upload');
    try {
      if (existsSync(target) && this.touchNow(sha256)) return;
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /**
   * Removes every temporary upload: at server start none of them is being written any more (an
   * upload in flight belongs to a process, and this server owns its data folder). Returns how many.
   */
  async removeTempUploads(): Promise<number> {
    let removed = 0;
    const idleBefore = Date.now() - SHARED_TEMP_IDLE_MS;
    for (const name of readdirSync(this.dir)) {
      if (!name.startsWith('.tmp-')) continue;
      const st = this.shared ? statSync(join(this.dir, name), { throwIfNoEntry: false }) : undefined;
      if (st && st.mtimeMs >= idleBefore) continue;
      rmSync(join(this.dir, name), { force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Marks the blob as just used, so a collection running now keeps it. False when that could
   * not be done: the blob is not there (or was moved aside by a collection in that instant), or
   * it belongs to another user (a restored backup) and cannot take a new time; `put` then
   * writes it anew, as a file of its own.
   */
  async touch(sha256: string): Promise<boolean> {
    return this.touchNow(sha256);
  }

  private touchNow(sha256: string): boolean {
    try {
      const now = new Date();
      utimesSync(this.path(sha256), now, now);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EPERM' || code === 'EACCES') return false;
      throw error;
    }
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  async size(sha256: string): Promise<number | null> {
    try {
      return statSync(this.path(sha256)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  read(sha256: string): Promise<Uint8Array> {
    return readFile(this.path(sha256));
  }

  /** The blob is a file already: `use` reads it where it lies. */
  withFile<T>(sha256: string, use: (path: string) => Promise<T>): Promise<T> {
    return use(this.path(sha256));
  }

  /** Where the blob lies, for readers that seek in it (density plots read chunks of DATA). */
  pathOf(sha256: string): string {
    return this.path(sha256);
  }

  stream(sha256: string): Readable {
    return createReadStream(this.path(sha256));
  }

  /** Every stored blob, with its size and when it was last written or put again. */
  async entries(): Promise<BlobEntry[]> {
    const out: BlobEntry[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      try {
        const st = statSync(join(this.dir, name));
        out.push({ sha256: name, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // Removed meanwhile.
      }
    }
    return out;
  }

  /**
   * Removes the blob unless it was written or put again at or after `staleBefore` (ms since the
   * epoch). Returns the bytes freed: 0 when it was kept or already gone.
   */
  async removeIfStale(sha256: string, staleBefore: number): Promise<number> {
    const target = this.path(sha256);
    const aside = join(this.dir, `.gc-${sha256}-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(target, aside);
    } catch {
      return 0;
    }
    let st;
    try {
      st = statSync(aside);
    } catch {
      return 0; // put back meanwhile by another collection's recovery
    }
    if (st.mtimeMs >= staleBefore) {
      // Put again just before it was moved: it stays (unless `put` has already written it anew).
      if (existsSync(target)) rmSync(aside, { force: true });
      else renameSync(aside, target);
      return 0;
    }
    rmSync(aside, { force: true });
    return st.size;
  }

  /**
   * Puts back the blobs a collection had moved aside when it was interrupted, so the next one
   * decides about them again, and removes temporary uploads a crash left, older than `staleBefore`.
   */
  async recoverInterrupted(staleBefore: number): Promise<void> {
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      try {
        const aside = /^\.gc-([0-9a-f]{64})-/.exec(name);
        if (aside) {
          const target = this.path(aside[1]!);
          if (existsSync(target)) rmSync(path, { force: true });
          else renameSync(path, target);
        } else if (name.startsWith('.tmp-') && statSync(path).mtimeMs < staleBefore) {
          rmSync(path, { force: true });
        }
      } catch {
        // Renamed or removed meanwhile.
      }
    }
  }

  async close(): Promise<void> {}
}
