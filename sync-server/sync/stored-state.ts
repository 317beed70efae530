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
 * and the updates appended since) without building a Y.Doc: each stored update is diffed
 * against the client's state vector (`Y.diffUpdate`) and the diffs merged (`Y.mergeUpdates`).
 * Diffing first matters: a client coming back holds most of the snapshot, so what is merged is
 * small (merging the whole stored updates first costs several times a Y.Doc's load). A stored
 * update whose structs the client all holds (known from its cached summary) is not diffed at
 * all: its diff would be its delete set alone, which the summary keeps, so the answer is the
 * same document without reading the snapshot's structs again on every reconnect. Diffs are
 * remembered too, keyed by the update and the state vector: clients that left at the same
 * state ask for the same one.
 * Every accepted change is stored before anyone is told of it (room.ts), so this is never
 * behind what a loaded copy would answer; with several server nodes it also holds what the
 * others stored. A stored update may keep deleted content a loaded document has dropped
 * (garbage collection), so a fresh client's answer may be somewhat larger than a loaded
 * document's; the state is the same.
 */
export async function storedStep2(
  log: Pick<UpdateLog, 'loadUpdates'>,
  doc: string,
  stateVector: Uint8Array,
  limits: Pick<ServerLimits, 'storedSummaryCacheBytes'> = DEFAULT_LIMITS,
): Promise<Uint8Array> {
  const { updates } = await log.loadUpdates(doc);
  const held = Y.decodeStateVector(stateVector);
  const cache = summariesFor(limits.storedSummaryCacheBytes);
  const parts: Uint8Array[] = [];
  for (const update of updates) {
    const summary = cache.of(update);
    if (!summary.structsWithin(held)) parts.push(cache.diff(update, summary, stateVector));
    else if (summary.deleteSet) parts.push(summary.deleteSet);
  }
  const answer = parts.length === 0 ? emptyUpdate : parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint8Array(encoder, answer);
  return encoding.toUint8Array(encoder);
}

/** The encoding of an empty document: no structs, no deletions. */
const emptyUpdate = Uint8Array.of(0, 0);
