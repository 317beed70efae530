import { existsSync, mkdtempSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName, ExperimentRoot, type FileRecord } from '../../shared/doc-layout.ts';
import { collectBlobGarbage } from '../../sync-server/files/blob-gc.ts';
import { BlobStore } from '../../sync-server/files/blob-store.ts';

let dir: string;
let blobs: BlobStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cytoshare-blobs-'));
  blobs = new BlobStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
/** Stores `bytes` as a blob last written an hour ago. */
async function oldBlob(bytes: Uint8Array): Promise<string> {
  const sha = await blobs.put(bytes);
  const then = new Date(Date.now() - HOUR);
  utimesSync(join(dir, 'blobs', sha), then, then);
  return sha;
}

function fileUpdate(sha256: string): Uint8Array {
  const doc = new Y.Doc();
  const record: FileRecord = { name: 'a.fcs', sha256, size: 3, events: 1, channels: [{ name: 'FSC-A', label: null }], version: '3.1', uploadedBy: 'alice', uploadedAt: 1 };
  doc.getMap(ExperimentRoot.files).set('f0123456789abcdef', record);
  return Y.encodeStateAsUpdate(doc);
}

/** A store whose update log lists one experiment document holding `update`. */
const storeWith = (update: Uint8Array) => ({
  storedDocNames: async () => [docName.experiment('e1')],
  loadUpdates: async () => ({ updates: [update], lastSeq: 1 }),
});

describe('blob collection', () => {
  it('keeps a blob an experiment document lists and removes the others', async () => {
    const listed = await oldBlob(new Uint8Array([1, 2, 3]));
    const orphan = await oldBlob(new Uint8Array([4, 5, 6]));
    const result = await collectBlobGarbage({ store: storeWith(fileUpdate(listed)), blobs, now: Date.now(), graceMs: 60_000, dryRun: false });
    expect(result).toMatchObject({ referenced: 1, removed: 1 });
    expect(blobs.has(listed)).toBe(true);
    expect(blobs.has(orphan)).toBe(false);
  });

  it('does not remove a blob put again after the collection listed it', async () => {
    const sha = await oldBlob(new Uint8Array([7, 7, 7]));
    const staleBefore = Date.now() - 60_000;
    expect((await blobs.entries())[0]!.mtimeMs).toBeLessThan(staleBefore);
    await blobs.put(new Uint8Array([7, 7, 7])); // an upload of the same bytes, in between
    expect(await blobs.removeIfStale(sha, staleBefore)).toBe(0);
    expect(blobs.has(sha)).toBe(true);
    expect(await blobs.removeIfStale(sha, Date.now() + 1_000)).toBe(3);
    expect(blobs.has(sha)).toBe(false);
  });

  it('puts back a blob an interrupted collection had moved aside', async () => {
    const sha = await oldBlob(new Uint8Array([8, 8]));
    const aside = join(dir, 'blobs', `.gc-${sha}-00000000`);
    renameSync(join(dir, 'blobs', sha), aside);
    const result = await collectBlobGarbage({ store: storeWith(fileUpdate(sha)), blobs, now: Date.now(), graceMs: 0, dryRun: false });
    expect(result).toMatchObject({ referenced: 1, removed: 0 });
    expect(blobs.has(sha)).toBe(true);
    expect(existsSync(aside)).toBe(false);
  });
});
