import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * FCS bytes on disk, named by their SHA-256: the same file uploaded twice, or copied by a clone,
 * is stored once. A blob is written to a temporary name and renamed into place, so a reader
 * never sees half a file and a crash leaves at most a temporary file behind.
 */
export class BlobStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'blobs');
    mkdirSync(this.dir, { recursive: true });
  }

  static hash(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  private path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a blob name');
    return join(this.dir, sha256);
  }

  put(bytes: Uint8Array): string {
    const sha256 = BlobStore.hash(bytes);
    const target = this.path(sha256);
    if (existsSync(target)) return sha256;
    const temp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      writeFileSync(temp, bytes);
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
    return sha256;
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  size(sha256: string): number {
    return statSync(this.path(sha256)).size;
  }

  read(sha256: string): Promise<Uint8Array> {
    return readFile(this.path(sha256));
  }

  stream(sha256: string): Readable {
    return createReadStream(this.path(sha256));
  }
}
