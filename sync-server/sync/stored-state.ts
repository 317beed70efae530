import * as Y from 'yjs';
import type { UpdateLog } from '../store/store.ts';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { MessageType } from '../../shared/protocol/message-types.ts';

/**
 * A sync step 2 for `stateVector`, read from what storage holds of the document (its snapshot
 * and the updates appended since) without building a Y.Doc: the stored updates are merged
 * (`Y.mergeUpdates`) and diffed against the client's state vector (`Y.diffUpdate`). Every
 * accepted change is stored before anyone is told of it (room.ts), so this is never behind
 * what a loaded copy would answer; with several server nodes it also holds what the others
 * stored. A merged update keeps deleted content a compaction would have dropped, so the answer
 * may be somewhat larger than a loaded document's; it is the same state.
 */
export async function storedStep2(log: Pick<UpdateLog, 'loadUpdates'>, doc: string, stateVector: Uint8Array): Promise<Uint8Array> {
  const { updates } = await log.loadUpdates(doc);
  const merged = updates.length === 0 ? emptyUpdate : updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint8Array(encoder, Y.diffUpdate(merged, stateVector));
  return encoding.toUint8Array(encoder);
}

/** The encoding of an empty document: no structs, no deletions. */
const emptyUpdate = Uint8Array.of(0, 0);

