import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { ArchiveSource, FcsSink, Hasher } from '../../shared/archive/index.ts';

/** The Node side of experiment archives: a file as an ArchiveSource, Node's SHA-256, file sinks. */
const READ_CHUNK = 1024 * 1024;

export const nodeHasher = (): Hasher => {
  const hash = createHash('sha256');
  return { update: (bytes) => void hash.update(bytes), digestHex: () => hash.digest('hex') };
};

export async function fileArchiveSource(handle: FileHandle): Promise<ArchiveSource> {
  const { size } = await handle.stat();
  const read = async (offset: number, length: number) => {
    const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
    let got = 0;
    while (got < out.length) {
      const { bytesRead } = await handle.read(out, got, out.length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return out.subarray(0, got);
  };
  return {
    size,
    read,
    async *stream(offset, length) {
      for (let at = 0; at < length; at += READ_CHUNK) {
        const chunk = await read(offset + at, Math.min(READ_CHUNK, length - at));
        if (chunk.length === 0) return;
        yield chunk;
      }
    },
  };
}

/** A sink that appends to a new file; each chunk is written before the next is taken. */
export async function fileSink(path: string): Promise<FcsSink> {
  const handle = await open(path, 'wx', 0o600);
  return {
    write: (chunk) => writeAll(handle, chunk),
    close: () => handle.close(),
  };
}

/** The file writer for an export: appends every piece, in order, to an open file. */
export function fileWriter(handle: FileHandle): (chunk: Uint8Array) => Promise<void> {
  return (chunk) => writeAll(handle, chunk);
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let done = 0; done < chunk.length; ) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
}

export function appVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
    return typeof version === 'string' && version.length > 0 && version.length <= 64 ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
