import { broken, chainCheck, HistoryEntry, type ChainVerdict } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import type { Store } from '../store/store.ts';

/** One answer's entries: those after `after`, with the entry `after` itself (null: entry 1 comes first, or `after` is missing). */
export type HistoryPage = { after: number; anchor: HistoryEntry | null; entries: HistoryEntry[] };

/**
 * The server's check of an experiment's history for one answer, at the cost of the answer
 * rather than of the whole history (which an attacker paging a long one would make the server
 * re-hash on every request):
 *  - the answer's entries, each against the one before it, the first against the entry `after`
 *    (whose own link the answer before checked);
 *  - the entries appended since the last check, from the stored checkpoint (the newest entry
 *    found chained to entry 1), which then moves on to the newest one; each entry is hashed
 *    there once, whichever node reads it;
 *  - that the checkpoint's entry is still stored with the hash it was checked with, so a chain
 *    rewritten (or cut off) up to it shows in every answer.
 * The first broken entry found is reported; otherwise the whole chain's count and head. An edit
 * before the checkpoint that kept the later hashes shows in the answer carrying the edited entry
 * (or the one after it): a client that joins every page (the CLI, the manager's Verify) sees it.
 */
export async function checkHistory(store: Store, experimentId: string, page: HistoryPage, chunk: number): Promise<ChainVerdict> {
  const sinceCheckpoint = await checkSinceCheckpoint(store, experimentId, chunk);
  const ofPage = checkPage(experimentId, page);
  if (ofPage && (sinceCheckpoint.intact || ofPage.seq < sinceCheckpoint.seq)) return ofPage;
  return sinceCheckpoint;
}

/** The page's own links; null when they hold. */
function checkPage(experimentId: string, { after, anchor, entries }: HistoryPage): (ChainVerdict & { intact: false }) | null {
  const first = entries[0];
  if (first === undefined) return null;
  // Entry 1 chains from the genesis hash; without its anchor a later page starts at a gap.
  const from = after === 0 ? null : anchor && anchor.seq === after ? anchor : { seq: after - 1, hash: '' };
  const check = chainCheck(sha256Hex, experimentId, from);
  for (const e of entries) if (!check.add(e)) break;
  const verdict = check.verdict();
  return verdict.intact ? null : verdict;
}

async function checkSinceCheckpoint(store: Store, experimentId: string, chunk: number): Promise<ChainVerdict> {
  const checkpoint = await store.historyCheckpoint(experimentId);
  if (checkpoint) {
    const [stored] = await store.experimentHistoryPage(experimentId, checkpoint.seq - 1, 1);
    if (stored?.seq !== checkpoint.seq) return broken(checkpoint.seq, 'sequence-gap', `entry ${checkpoint.seq} is missing: the server checked it before`);
    if (stored.hash !== checkpoint.hash) return broken(checkpoint.seq, 'hash-mismatch', `entry ${checkpoint.seq} is not the one the server checked before: it was changed, or an entry before it was`);
  }
  const check = chainCheck(sha256Hex, experimentId, checkpoint);
  for (let reached = checkpoint?.seq ?? 0; ; ) {
    const entries = await store.experimentHistoryPage(experimentId, reached, chunk);
    let intact = true;
    for (const e of entries) if (!(intact = check.add(HistoryEntry.parse(e)))) break;
    // Moved on even when broken further on: the next check starts at the break, not before it.
    const head = check.head();
    if (head && head.seq > reached) await store.advanceHistoryCheckpoint(experimentId, head);
    if (!intact || entries.length < chunk || head === null) return check.verdict();
    reached = head.seq;
  }
}
