import { existsSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeFcs } from '../../shared/fcs/index.ts';
import { gcBlobs } from '../../sync-server/admin.ts';
import { type TestUser } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

/** `admin gc-blobs` run on the data folder of a server that is up, as an admin would. */
const h = useHarness();
let alice: TestUser;
const kept = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array([1, 2, 3, 4]) });
const dropped = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array([9, 8, 7, 6, 5, 4]) });

beforeEach(async () => {
  alice = await h.user('alice');
});

async function upload(experimentId: string, name: string, bytes: Uint8Array): Promise<{ fileId: string; sha256: string }> {
  const res = await fetch(`${h.server.url}/api/experiments/${experimentId}/files?name=${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${alice.token}` },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { fileId: string; sha256: string };
}

const download = (experimentId: string, fileId: string) =>
  fetch(`${h.server.url}/api/experiments/${experimentId}/files/${fileId}`, { headers: { authorization: `Bearer ${alice.token}` } });
const blobPath = (sha256: string) => join(h.dataDir, 'blobs', sha256);

describe('removing FCS files no experiment lists', () => {
  it('frees the files of a deleted experiment only, and not before the grace period', async () => {
    const keep = await alice.createExperiment('Kept');
    const gone = await alice.createExperiment('Deleted');
    const k = await upload(keep, 'kept.fcs', kept);
    const d = await upload(gone, 'dropped.fcs', dropped);
    // A trashed experiment keeps its files: it can still be restored.
    await alice.intent({ type: 'trash', experimentId: gone });
    expect(await gcBlobs(h.dataDir, { dryRun: false, graceMs: 0 })).toMatchObject({ referenced: 2, removed: 0 });
    await alice.intent({ type: 'delete', experimentId: gone });

    expect(await gcBlobs(h.dataDir, { dryRun: false })).toMatchObject({ referenced: 1, removed: 0, recent: 1 });
    expect(await gcBlobs(h.dataDir, { dryRun: true, graceMs: 0 })).toEqual({ referenced: 1, removed: 1, freedBytes: dropped.length, recent: 0, dryRun: true });
    expect(existsSync(blobPath(d.sha256))).toBe(true);

    expect(await gcBlobs(h.dataDir, { dryRun: false, graceMs: 0 })).toEqual({ referenced: 1, removed: 1, freedBytes: dropped.length, recent: 0, dryRun: false });
    expect(existsSync(blobPath(d.sha256))).toBe(false);
    expect(existsSync(blobPath(k.sha256))).toBe(true);
    const res = await download(keep, k.fileId);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(kept);
  });

  it('keeps a file shared by a clone after its original is deleted, and takes the same bytes again later', async () => {
    const original = await alice.createExperiment('Original');
    const f = await upload(original, 'a.fcs', kept);
    const cloneId = `clone-${Date.now().toString(36)}`;
    // A clone copies file records without writing blobs: it marks them used, or a collection
    // that had listed the documents just before could take the blob from under the clone.
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(blobPath(f.sha256), twoHoursAgo, twoHoursAgo);
    expect(await alice.intent({ type: 'clone', experimentId: original, newId: cloneId, linked: false })).toMatchObject({ ok: true });
    expect(statSync(blobPath(f.sha256)).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    await alice.intent({ type: 'trash', experimentId: original });
    await alice.intent({ type: 'delete', experimentId: original });
    expect(await gcBlobs(h.dataDir, { dryRun: false, graceMs: 0 })).toMatchObject({ referenced: 1, removed: 0 });
    expect(existsSync(blobPath(f.sha256))).toBe(true);

    const other = await alice.createExperiment('Other');
    const d = await upload(other, 'b.fcs', dropped);
    await alice.intent({ type: 'trash', experimentId: other });
    await alice.intent({ type: 'delete', experimentId: other });
    expect(await gcBlobs(h.dataDir, { dryRun: false, graceMs: 0 })).toMatchObject({ removed: 1 });
    const again = await upload(cloneId, 'b-again.fcs', dropped);
    expect(again.sha256).toBe(d.sha256);
    expect(new Uint8Array(await (await download(cloneId, again.fileId)).arrayBuffer())).toEqual(dropped);
  });

  it('puts back, when the server starts, a blob a collection that died had moved aside', async () => {
    const exp = await alice.createExperiment('Kept');
    const f = await upload(exp, 'a.fcs', kept);
    renameSync(blobPath(f.sha256), join(h.dataDir, 'blobs', `.gc-${f.sha256}-deadbeef`));
    await h.restart();
    const res = await download(exp, f.fileId);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(kept);
  });

  it('refuses a folder without a database instead of removing every file in it', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cytoshare-not-data-'));
    try {
      mkdirSync(join(elsewhere, 'blobs'));
      const stray = join(elsewhere, 'blobs', 'cd'.repeat(32));
      writeFileSync(stray, 'somebody else’s file');
      const old = new Date(Date.now() - 2 * 3_600_000);
      utimesSync(stray, old, old);
      await expect(gcBlobs(elsewhere, { dryRun: false, graceMs: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(existsSync(stray)).toBe(true);
      expect(existsSync(join(elsewhere, 'cytoshare.sqlite'))).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
