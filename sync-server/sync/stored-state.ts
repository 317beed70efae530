import * as Y from 'yjs';
import type { UpdateLog } from '../store/store.ts';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { MessageType } from '../../shared/protocol/message-types.ts';
import { DEFAULT_LIMITS, type ServerLimits } from '../limits.ts';
import { StoredUpdateSummaries } from './stored-update-summaries.ts';

/** One per process: stored updates are the same bytes whichever socket asks. */
let summaries: StoredUpdateSummaries | undefined;
function summariesFor(maxBytes: number): StoredUpdateSummaries {
  if (summaries?.maxBytes !== maxBytes) summaries = new StoredUpdateSummaries(maxBytes);
  return summaries;
}

/**
 * A sync step 2 for `stateVector`, read from what storage holds of the document (its snapshot
 * and the updates appended since) without building a Y.Doc.
 *
 * A client coming back usually held the document's snapshot when it left: the room compacts
 * when its last reader goes and then keeps that snapshot while little is appended after it
 * (compaction.ts). The snapshot's stored summary says so without reading it, and the answer is
 * its deletions plus a diff of the updates after it. Otherwise each stored update is diffed
 * against the client's state vector (`Y.diffUpdate`) and the diffs merged (`Y.mergeUpdates`):
 * diffing first matters, since what is merged is then small (merging the whole stored updates
 * first costs several times a Y.Doc's load). A stored update whose structs the client all holds
 * (known from its cached summary) is not diffed at all: its diff would be its delete set alone,
 * which the summary keeps. Diffs are remembered too, keyed by the update and the state vector:
 * clients that left at the same state ask for the same one.
 *
 * Every accepted change is stored before anyone is told of it (room.ts), so this is never
 * behind what a loaded copy would answer; with several server nodes it also holds what the
 * others stored. A stored update may keep deleted content a loaded document has dropped
 * (garbage collection), so a fresh client's answer may be somewhat larger than a loaded
 * document's; the state is the same.
 */
export async function storedStep2(
  log: Pick<UpdateLog, 'loadUpdates' | 'catchUpRows'>,
  doc: string,
  stateVector: Uint8Array,
  limits: Pick<ServerLimits, 'storedSummaryCacheBytes'> = DEFAULT_LIMITS,
): Promise<Uint8Array> {
  const held = Y.decodeStateVector(stateVector);
  const cache = summariesFor(limits.storedSummaryCacheBytes);
  const rows = await log.catchUpRows(doc);
  const parts = rows.every((row) => row.summary === null || holdsAll(held, row.summary.clocks))
    ? rows.flatMap((row) => (row.summary ? (row.summary.deletes ? [row.summary.deletes] : []) : diffed(cache, row.data, held, stateVector)))
    : (await log.loadUpdates(doc)).updates.flatMap((update) => diffed(cache, update, held, stateVector));
  const answer = parts.length === 0 ? emptyUpdate : parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint8Array(encoder, answer);
  return encoding.toUint8Array(encoder);
}

/** Whether a client holding `held` has every struct up to `clocks` (an encoded state vector). */
function holdsAll(held: Map<number, number>, clocks: Uint8Array): boolean {
  for (const [client, clock] of Y.decodeStateVector(clocks)) if ((held.get(client) ?? 0) < clock) return false;
  return true;
}

/** What of `update` a client holding `held` lacks: nothing, its delete set alone, or its diff. */
function diffed(cache: StoredUpdateSummaries, update: Uint8Array, held: Map<number, number>, stateVector: Uint8Array): Uint8Array[] {
  const summary = cache.of(update);
  if (!summary.structsWithin(held)) return [cache.diff(update, summary, stateVector)];
  return summary.deleteSet ? [summary.deleteSet] : [];
}

/** The encoding of an empty document: no structs, no deletions. */
const emptyUpdate = Uint8Array.of(0, 0);
