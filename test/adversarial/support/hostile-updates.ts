import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { tagKey } from '../../../shared/doc-layout.ts';

/**
 * Updates no honest client writes, built from a replica's state. Each returns the bytes of a
 * Yjs update (v1) meant for the sync `update` message; none is applied to the replica.
 */

/** Marker of a value only a refused write carries: it must never be stored or reach a reader. */
export const HOSTILE = 'HOSTILE';
/** Marker of the hidden (not last) values of a multi-value write. */
export const HIDDEN = 'HIDDEN';

/** A copy of `replica` writing under `clientId` (the replica's own id when omitted). */
function forkOf(replica: Y.Doc, clientId = replica.clientID): Y.Doc {
  const fork = new Y.Doc();
  Y.applyUpdate(fork, Y.encodeStateAsUpdate(replica));
  // Set after the copy: Yjs picks a new id when a remote update brings structs of its own.
  fork.clientID = clientId;
  return fork;
}

/** What `write` adds to a fork of `replica` under `clientId`. */
export function forkedWrite(replica: Y.Doc, write: (doc: Y.Doc) => void, clientId?: number): Uint8Array {
  const fork = forkOf(replica, clientId);
  const before = Y.encodeStateVector(fork);
  write(fork);
  const update = Y.encodeStateAsUpdate(fork, before);
  fork.destroy();
  return update;
}

/**
 * One map item whose ContentAny holds several values: the map shows only the last (valid) one,
 * the others ride along in storage and in every relay unless the server refuses them.
 */
export function multiValueWrite(replica: Y.Doc, root: string, key: string, hidden: unknown, valid: unknown): Uint8Array {
  const fork = forkOf(replica);
  const before = Y.encodeStateVector(fork);
  fork.getMap(root).set(key, valid);
  const structs = fork.store.clients.get(fork.clientID) ?? [];
  const item = structs[structs.length - 1];
  if (!(item instanceof Y.Item) || !(item.content instanceof Y.ContentAny)) throw new Error('no item to widen');
  (item.content as unknown as { arr: unknown[] }).arr = [hidden, valid];
  item.length = 2;
  const update = Y.encodeStateAsUpdate(fork, before);
  fork.destroy();
  return update;
}

/** A hand-encoded update holding one GC struct (or Skip) of `length` under a fresh client id. */
export function placeholderStruct(kind: 'gc' | 'skip', clientId: number, clock: number, length: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // clients
  encoding.writeVarUint(e, 1); // structs of this client
  encoding.writeVarUint(e, clientId);
  encoding.writeVarUint(e, clock);
  encoding.writeUint8(e, kind === 'gc' ? 0 : 10);
  encoding.writeVarUint(e, length);
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

/**
 * A delete set naming the same already-deleted range `count` times (the small version of a
 * delete-set flood): nothing new to delete, only work for the server.
 */
export function deleteFlood(replica: Y.Doc, count: number): Uint8Array | null {
  let target: { client: number; clock: number } | null = null;
  replica.store.clients.forEach((structs, client) => {
    for (const s of structs) if (target === null && s.deleted) target = { client, clock: s.id.clock };
  });
  if (target === null) return null;
  const { client, clock } = target as { client: number; clock: number };
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0); // no structs
  encoding.writeVarUint(e, 1); // one client in the delete set
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, count);
  for (let i = 0; i < count; i++) {
    encoding.writeVarUint(e, clock);
    encoding.writeVarUint(e, 1);
  }
  return encoding.toUint8Array(e);
}

/** The client id that wrote the replica's sharing map: the server's own id on this document. */
export function serverClientId(replica: Y.Doc): { client: number; clock: number } | null {
  let found: Y.Item | null = null;
  replica.getMap('sharing')._map.forEach((item) => {
    if (found === null || item.id.clock > found.id.clock) found = item;
  });
  if (found === null) return null;
  const id = (found as Y.Item).id.client;
  return { client: id, clock: Y.getState(replica.store, id) };
}

/** An awareness message whose body is not an awareness update at all. */
export function awarenessGarbage(bytes: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, bytes);
  return encoding.toUint8Array(e);
}

export { tagKey };
