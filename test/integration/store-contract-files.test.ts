import { createHash } from 'node:crypto';
import { open as openFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect } from 'vitest';
import { bytes, eachStore } from './support/store-contract.ts';

/**
 * The store contract for FCS files, in the blob store that goes with each adapter, on every
 * adapter (the set-up is in support/store-contract.ts).
 */

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * The most live memory (heap and buffers, garbage collected first) grew above where it was
 * while `work` ran, sampled as it goes: what the work holds, not what it has let go of.
 */
async function peakGrowth(work: () => Promise<void>): Promise<number> {
  const used = () => {
    collectGarbage();
    return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  };
  const base = used();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, used())), 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, used()) - base;
}

eachStore({}, (it) => {
  describe('FCS files', () => {
    it('stores bytes once by content, touches them when put again, and removes only stale ones', async ({ opened }) => {
      const { blobs } = opened;
      const sha = await blobs.put(bytes(1, 2, 3));
      expect(await blobs.put(bytes(1, 2, 3))).toBe(sha);
      expect(await blobs.size(sha)).toBe(3);
      expect(new Uint8Array(await blobs.read(sha))).toEqual(bytes(1, 2, 3));
      expect(await blobs.size('0'.repeat(64))).toBeNull();
      expect(await blobs.touch('0'.repeat(64))).toBe(false);
      expect((await blobs.entries()).map((e) => e.sha256)).toEqual([sha]);
      expect(await blobs.removeIfStale(sha, Date.now() - 60_000)).toBe(0);
      expect(await blobs.removeIfStale(sha, Date.now() + 60_000)).toBe(3);
      expect(await blobs.size(sha)).toBeNull();
    });

    it('streams a large file in and out in chunks, memory staying flat', async ({ opened }) => {
      const { blobs } = opened;
      const MiB = 1 << 20;
      const total = 64 * MiB;
      const temp = blobs.tempPath();
      const hashIn = createHash('sha256');
      const file = await openFile(temp, 'wx');
      const piece = Buffer.alloc(MiB);
      for (let i = 0; i < total / MiB; i++) {
        piece.fill(i % 251);
        piece.writeUInt32LE(i, 0);
        hashIn.update(piece);
        await file.write(piece);
      }
      await file.close();
      const sha = hashIn.digest('hex');
      const stored = await peakGrowth(() => blobs.adopt(temp, sha));
      expect(await blobs.size(sha)).toBe(total);
      const hashOut = createHash('sha256');
      let received = 0;
      const streamed = await peakGrowth(async () => {
        for await (const chunk of blobs.stream(sha)) {
          hashOut.update(chunk as Buffer);
          received += (chunk as Buffer).length;
        }
      });
      expect(received).toBe(total);
      expect(hashOut.digest('hex')).toBe(sha);
      // Half the file: a copy held whole would be twice that (the rest is buffers of the driver and the pool).
      expect(stored).toBeLessThan(total / 2);
      expect(streamed).toBeLessThan(total / 2);
    }, 90_000);
  });
});
