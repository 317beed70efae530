import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * Writes a Yjs update (version 1) from decoded structs and a delete set: how the server stores
 * and relays a client's update in a form it chose rather than the bytes the client sent (a
 * delete set sorted and merged, structs the server already has left out, refused structs in an
 * unknown root replaced by content-free placeholders). The byte grammar is Yjs' own: each
 * struct writes itself (`Item.write`, `GC.write`), as `Y.mergeUpdates` does.
 */
export type StructRun = { client: number; structs: Array<Y.Item | Y.GC> };
export type DeleteRanges = Map<number, Array<{ clock: number; len: number }>>;

export function encodeUpdate(runs: StructRun[], deletes: DeleteRanges): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  const rest = encoder.restEncoder;
  const nonEmpty = runs.filter((r) => r.structs.length > 0);
  encoding.writeVarUint(rest, nonEmpty.length);
  for (const { client, structs } of nonEmpty) {
    encoding.writeVarUint(rest, structs.length);
    encoder.writeClient(client);
    encoding.writeVarUint(rest, structs[0]!.id.clock);
    for (const struct of structs) struct.write(encoder, 0);
  }
  encodeDeletes(rest, deletes);
  return encoder.toUint8Array();
}

/** An update with no structs, only deletions: what tells an author its refused structs are gone. */
export function deletionsOnly(deletes: DeleteRanges): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encodeDeletes(encoder, deletes);
  return encoding.toUint8Array(encoder);
}

function encodeDeletes(encoder: encoding.Encoder, deletes: DeleteRanges): void {
  const clients = [...deletes].filter(([, ranges]) => ranges.length > 0);
  encoding.writeVarUint(encoder, clients.length);
  for (const [client, ranges] of clients) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, ranges.length);
    for (const { clock, len } of ranges) {
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarUint(encoder, len);
    }
  }
}
