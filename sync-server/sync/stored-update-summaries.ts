import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import type { SnapshotSummary } from '../store/store.ts';

/**
 * What a stored update holds, as far as a catch-up needs it: the clock each of its clients'
 * structs reach and its delete set alone (an update with no structs), or null when it deletes
 * nothing.
 */
export class StoredUpdateSummary {
  constructor(
    readonly key: string,
    private readonly clocks: Map<number, number>,
    readonly deleteSet: Uint8Array | null,
  ) {}

  /** Whether a client holding `held` already has every struct of the update. */
  structsWithin(held: Map<number, number>): boolean {
    for (const [client, clock] of this.clocks) if ((held.get(client) ?? 0) < clock) return false;
    return true;
  }

  get bytes(): number {
    return 64 + this.key.length + this.clocks.size * 32 + (this.deleteSet?.byteLength ?? 0);
  }
}

/** A diff already computed: clients that left at the same state (all readers of an experiment, current when its owner started editing) come back asking for the same one. */
class CachedDiff {
  constructor(readonly diff: Uint8Array, private readonly keyLength: number) {}
  get bytes(): number {
    return 64 + this.keyLength + this.diff.byteLength;
  }
}

/**
 * Summaries of stored updates and recent diffs of them, keyed by a SHA-256 of their bytes (so a
 * compaction, a deleted and re-created document or another node's write can never find a wrong
 * one), the least recently used dropped past `maxBytes`. Hashing 30 kB costs a fraction of
 * diffing it.
 */
export class StoredUpdateSummaries {
  private readonly entries = new Map<string, StoredUpdateSummary | CachedDiff>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  of(update: Uint8Array): StoredUpdateSummary {
    const key = createHash('sha256').update(update).digest('base64');
    const found = this.get(key);
    if (found instanceof StoredUpdateSummary) return found;
    return this.put(key, summarize(key, update));
  }

  /** `Y.diffUpdate(update, stateVector)`, remembered. */
  diff(update: Uint8Array, summary: StoredUpdateSummary, stateVector: Uint8Array): Uint8Array {
    const key = `${summary.key}:${Buffer.from(stateVector).toString('base64')}`;
    const found = this.get(key);
    if (found instanceof CachedDiff) return found.diff;
    return this.put(key, new CachedDiff(Y.diffUpdate(update, stateVector), key.length)).diff;
  }

  private get(key: string): StoredUpdateSummary | CachedDiff | undefined {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  private put<T extends StoredUpdateSummary | CachedDiff>(key: string, value: T): T {
    this.entries.set(key, value);
    this.total += value.bytes;
    for (const [oldKey, old] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.total -= old.bytes;
    }
    return value;
  }
}

function summarize(key: string, update: Uint8Array): StoredUpdateSummary {
  // Not Y.encodeStateVectorFromUpdate: it leaves out a client whose structs here do not start
  // at clock 0 (a state vector only counts what is held without gaps), which is every update
  // after a client's first; `to` is where each client's structs end.
  const { to } = Y.parseUpdateMeta(update);
  // Diffed against where its structs end, an update keeps its delete set and no struct.
  const deleteSet = Y.diffUpdate(update, Y.encodeStateVector(to));
  return new StoredUpdateSummary(key, to, deletesAnything(deleteSet) ? deleteSet : null);
}

/** Whether an update with no structs (a delete set alone) deletes anything. */
function deletesAnything(deleteSet: Uint8Array): boolean {
  return Y.decodeUpdate(deleteSet).ds.clients.size > 0;
}

/** The summary a compaction keeps beside the snapshot `Y.encodeStateAsUpdate(doc)` it writes. */
export function snapshotSummary(doc: Y.Doc): SnapshotSummary {
  const clocks = Y.encodeStateVector(doc);
  // Against the document's own state vector an update carries no struct, only every deletion.
  const deletes = Y.encodeStateAsUpdate(doc, clocks);
  return { clocks, deletes: deletesAnything(deletes) ? deletes : null };
}
