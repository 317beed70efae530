import * as Y from 'yjs';
import { docName, ExperimentRoot, FileRecord } from '../../shared/doc-layout.ts';
import type { Store } from '../store/store.ts';
import type { Blobs } from './blobs.ts';

/** How long an unlisted blob is kept: an upload writes its blob a moment before recording it. */
export const BLOB_GRACE_MS = 60 * 60_000;

export type BlobCollection = {
  /** Blobs some experiment document still lists. */
  referenced: number;
  /** Blobs nothing lists and older than the grace period: removed, or with `dryRun` would be. */
  removed: number;
  freedBytes: number;
  /** Blobs nothing lists but written or put again within the grace period: kept for now. */
  recent: number;
  dryRun: boolean;
};

/**
 * Removes the FCS blobs no experiment lists any more: after a permanent delete, or an upload
 * whose record never made it. A blob is referenced when any stored experiment document (trash
 * included) has a file record with its hash (the store's update log includes what a running
 * server has acknowledged and not yet moved into its tables). The grace period covers what no
 * document shows yet, an upload between writing its blob and recording it.
 */
export async function collectBlobGarbage(options: {
  store: Pick<Store, 'storedDocNames' | 'loadUpdates'>;
  blobs: Blobs;
  now: number;
  graceMs: number;
  dryRun: boolean;
}): Promise<BlobCollection> {
  const { store, blobs, now, graceMs, dryRun } = options;
  const staleBefore = now - graceMs;
  if (!dryRun) await blobs.recoverInterrupted(staleBefore);
  const referenced = await referencedBlobs(store);
  const result: BlobCollection = { referenced: 0, removed: 0, freedBytes: 0, recent: 0, dryRun };
  for (const blob of await blobs.entries()) {
    if (referenced.has(blob.sha256)) result.referenced++;
    else if (blob.mtimeMs >= staleBefore) result.recent++;
    else if (dryRun) {
      result.removed++;
      result.freedBytes += blob.size;
    } else {
      const freed = await blobs.removeIfStale(blob.sha256, staleBefore);
      if (freed > 0) {
        result.removed++;
        result.freedBytes += freed;
      } else result.recent++;
    }
  }
  return result;
}

async function referencedBlobs(store: Pick<Store, 'storedDocNames' | 'loadUpdates'>): Promise<Set<string>> {
  const out = new Set<string>();
  for (const name of await store.storedDocNames(docName.experiment(''))) {
    const doc = new Y.Doc();
    try {
      const { updates } = await store.loadUpdates(name);
      Y.applyUpdate(doc, Y.mergeUpdates(updates));
      for (const raw of doc.getMap(ExperimentRoot.files).values()) {
        const file = FileRecord.safeParse(raw);
        if (file.success) out.add(file.data.sha256);
      }
    } finally {
      doc.destroy();
    }
  }
  return out;
}
