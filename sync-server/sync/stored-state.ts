import * as Y from 'yjs';
import type { UpdateLog } from '../store/store.ts';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { MessageType } from '../../shared/protocol/message-types.ts';

/**
 * A sync step 2 for `stateVector`, read from what storage holds of the document (its snapshot
 * and the updates appended since) without building a Y.Doc: each stored update is diffed
 * against the client's state vector (`Y.diffUpdate`) and the diffs merged (`Y.mergeUpdates`).
 * Diffing first matters: a client coming back holds most of the snapshot, so what is merged is
 * small (merging the whole stored updates first costs several times a Y.Doc's load). Every
 * accepted change is stored before anyone is told of it (room.ts), so this is never behind what
 * a loaded copy would answer; with several server nodes it also holds what the others stored.
 * A stored update may keep deleted content a loaded document has dropped (garbage collection),
 * so a fresh client's answer may be somewhat larger than a loaded document's; the state is the same.
 */
export async function storedStep2(log: Pick<UpdateLog, 'loadUpdates'>, doc: string, stateVector: Uint8Array): Promise<Uint8Array> {
  const { updates } = await log.loadUpdates(doc);
  const diffs = updates.map((update) => Y.diffUpdate(update, stateVector));
  const answer = diffs.length === 0 ? emptyUpdate : diffs.length === 1 ? diffs[0]! : Y.mergeUpdates(diffs);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint8Array(encoder, answer);
  return encoding.toUint8Array(encoder);
}

/** The encoding of an empty document: no structs, no deletions. */
const emptyUpdate = Uint8Array.of(0, 0);

