import * as Y from 'yjs';
import type { CatchUpRow, UpdateLog } from '../store/store.ts';
import { snapshotSummary } from './stored-update-summaries.ts';

/**
 * What a compaction does with a document's stored rows: nothing, merge the updates stored after
 * its snapshot into one (the snapshot stays), or write the whole document again as a new
 * snapshot with its summary.
 */
export type CompactionPlan =
  | { t: 'none' }
  | { t: 'tail'; keepSeq: number; tail: Uint8Array[]; uptoSeq: number }
  | { t: 'whole' };

/**
 * The updates after a snapshot are merged, rather than the whole document written again, while
 * they weigh at most this share of the snapshot: they may keep content the document has since
 * dropped, which this bounds.
 */
const TAIL_SHARE = 0.5;

/**
 * Keeping the snapshot is what lets a client that held it when it left come back cheaply: the
 * snapshot's summary answers for it, and only the updates after it are read and diffed
 * (stored-state.ts). Writing the whole document again would make that client's state older than
 * every row, so its catch-up would read and diff the whole document. Rows after `lastSeq` are
 * another node's fresh appends: they are left to the next compaction.
 */
export function compactionPlan(rows: readonly CatchUpRow[], lastSeq: number): CompactionPlan {
  const settled = rows.filter((row) => row.seq <= lastSeq);
  const snapshots = settled.filter((row) => row.summary !== null);
  const tail = settled.flatMap((row) => (row.data ? [row] : []));
  if (snapshots.length !== 1) return settled.length > 1 || tail.length > 0 ? { t: 'whole' } : { t: 'none' };
  const tailBytes = tail.reduce((sum, row) => sum + row.bytes, 0);
  if (tailBytes > snapshots[0]!.bytes * TAIL_SHARE) return { t: 'whole' };
  if (tail.length < 2) return { t: 'none' };
  return { t: 'tail', keepSeq: snapshots[0]!.seq, tail: tail.map((row) => row.data), uptoSeq: tail.at(-1)!.seq };
}

/**
 * Compacts the stored rows of `name`, whose loaded copy `doc` holds everything stored up to
 * `lastSeq`. Returns how many rows the document keeps.
 */
export async function compactStored(store: Pick<UpdateLog, 'catchUpRows' | 'compact' | 'compactTail'>, name: string, doc: Y.Doc, lastSeq: number, rowsNow: number): Promise<number> {
  const plan = compactionPlan(await store.catchUpRows(name), lastSeq);
  if (plan.t === 'none') return rowsNow;
  if (plan.t === 'tail') {
    await store.compactTail(name, plan.keepSeq, Y.mergeUpdates(plan.tail), plan.uptoSeq);
    return 2;
  }
  // Encoded and summarised together: the summary describes exactly the bytes stored.
  await store.compact(name, Y.encodeStateAsUpdate(doc), lastSeq, snapshotSummary(doc));
  return 1;
}
