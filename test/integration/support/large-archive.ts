import { open } from 'node:fs/promises';
import { writeArchive, type ExportFile } from '../../../shared/archive/index.ts';
import { writeFcsHead } from '../../../shared/fcs/index.ts';
import { fileWriter, nodeHasher } from '../../../extension/cli/archive-node.ts';

/**
 * Large FCS files and experiment archives of them, written as streams (no file is ever whole
 * in memory, here or in writeArchive): float32 files on channels CH1..CH8 whose values are
 * pseudo-random, so nothing compresses. For tests and benches of what moving big files costs.
 */
export const LARGE_ARCHIVE_CHANNELS = Array.from({ length: 8 }, (_, c) => `CH${c + 1}`);
const CHUNK_EVENTS = 32 * 1024;

/** One such FCS file of about `bytes` bytes at `path`. */
export async function writeLargeFcs(path: string, bytes: number, seed = 1): Promise<void> {
  const channels = LARGE_ARCHIVE_CHANNELS.map((name) => ({ name }));
  const events = Math.floor(bytes / (4 * channels.length));
  const { head } = writeFcsHead({ channels, events, dataType: 'F' });
  const handle = await open(path, 'wx');
  try {
    const write = fileWriter(handle);
    for await (const chunk of fcsStream(head, events, channels.length, seed)) await write(chunk);
  } finally {
    await handle.close();
  }
}

/** An archive of `files` such files of about `bytesPerFile` bytes each, as `owner` exported it. */
export async function writeLargeArchive(path: string, { files, bytesPerFile, owner }: { files: number; bytesPerFile: number; owner: string }): Promise<{ names: string[] }> {
  const channels = LARGE_ARCHIVE_CHANNELS.map((name) => ({ name }));
  const events = Math.floor(bytesPerFile / (4 * channels.length));
  const exportFiles: ExportFile[] = Array.from({ length: files }, (_, i) => {
    const { head, dataLength } = writeFcsHead({ channels, events, dataType: 'F' });
    return {
      name: `tube-${i + 1}.fcs`,
      events,
      channels: LARGE_ARCHIVE_CHANNELS,
      size: head.length + dataLength,
      open: async () => fcsStream(head, events, channels.length, i + 1),
    };
  });
  const handle = await open(path, 'wx');
  try {
    await writeArchive(
      {
        appVersion: '0.0.0-test', server: 'http://127.0.0.1:9', exportedBy: owner, experimentId: 'large-archive-0001', name: 'Large archive', purpose: '',
        files: exportFiles, tags: [], gates: [], sharing: { owner, access: [], public: false, curated: false, projectId: null },
      },
      fileWriter(handle),
      nodeHasher,
    );
  } finally {
    await handle.close();
  }
  return { names: exportFiles.map((f) => f.name) };
}

async function* fcsStream(head: Uint8Array, events: number, channels: number, seed: number): AsyncIterable<Uint8Array> {
  yield head;
  let x = seed;
  for (let done = 0; done < events; done += CHUNK_EVENTS) {
    const values = new Float32Array(Math.min(CHUNK_EVENTS, events - done) * channels);
    for (let i = 0; i < values.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      values[i] = (x >>> 0) / 4096;
    }
    yield new Uint8Array(values.buffer);
  }
}
