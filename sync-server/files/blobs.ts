import type { Readable } from 'node:stream';

/** A stored blob as a collection sees it: `mtimeMs` is when it was last written or put again. */
export type BlobEntry = { sha256: string; size: number; mtimeMs: number };

/**
 * Where FCS files live, named by their SHA-256 (the same bytes are stored once): files in a
 * folder (`BlobStore`, the data folder's `blobs/` or `--blobs DIR`), or chunked rows in
 * PostgreSQL (`PgBlobs`). Bytes stream in and out; nothing here holds a whole file in memory
 * but `read` (whose callers parse the whole file anyway).
 *
 * A collection (`blob-gc.ts`) may remove a blob nobody lists while the server runs, so whatever
 * makes a new record of a stored blob (`put`/`adopt` of the same bytes, a clone copying file
 * records) touches it, and `removeIfStale` keeps a blob touched since `staleBefore`.
 */
export interface Blobs {
  /** A new temporary file for an upload streamed in (see upload-body.ts), later given to `adopt`. */
  tempPath(): string;
  /** Makes a fully written temporary file (hashed by its writer) the blob `sha256`; the temporary file is gone afterwards. */
  adopt(temp: string, sha256: string): Promise<void>;
  put(bytes: Uint8Array): Promise<string>;
  /** Marks the blob as just used; false when there is no such blob (or it cannot be marked). */
  touch(sha256: string): Promise<boolean>;
  /** The blob's size, or null when there is none. */
  size(sha256: string): Promise<number | null>;
  stream(sha256: string): Readable;
  read(sha256: string): Promise<Uint8Array>;
  /** Runs `use` on a file holding the blob's bytes, for readers that seek (density plots); a copy when the blob is not a file. */
  withFile<T>(sha256: string, use: (path: string) => Promise<T>): Promise<T>;
  entries(): Promise<BlobEntry[]>;
  /** Removes the blob unless it was touched at or after `staleBefore`; the bytes freed (0: kept or gone). */
  removeIfStale(sha256: string, staleBefore: number): Promise<number>;
  /** After a crash: undoes what an interrupted collection left half-done, drops temporary uploads older than `staleBefore`. */
  recoverInterrupted(staleBefore: number): Promise<void>;
  /** At server start: every temporary upload (none is being written any more); how many. */
  removeTempUploads(): Promise<number>;
  close(): Promise<void>;
}
