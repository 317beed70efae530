import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { MAX_MESSAGE_BYTES, MessageType } from '../../shared/protocol/message-types.ts';
import { deletionsOnly, encodeUpdate, type DeleteRanges } from '../../shared/protocol/update-encoding.ts';

/**
 * The server processes one sync message of at most MAX_MESSAGE_BYTES in one go, and refuses a
 * larger one. A sync step 2 after a long offline spell, or a first sync of a large document the
 * server does not have, can be larger: it is sent as several updates, each under the bound and
 * each complete given the ones before it (every struct comes after the structs it points at:
 * the one before it in its client's run, its left and right neighbours, its parent), then the
 * deletions. The server checks and acknowledges each one as it would any update.
 */

/** Room for the message's own header around a slice. */
const HEADER_BYTES = 16;
/** A delete range costs at most two varints of 53 bits; a client header a varint of 32 bits and a count. */
const RANGE_BYTES = 16;
const CLIENT_BYTES = 16;

/** A sync message (step 2 or update) over MAX_MESSAGE_BYTES as several under it; any other message as it is. */
export function sliceSyncMessage(message: Uint8Array, maxBytes = MAX_MESSAGE_BYTES): Uint8Array[] {
  if (message.byteLength <= maxBytes) return [message];
  let step: number;
  let payload: Uint8Array;
  try {
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) !== MessageType.sync) return [message];
    step = decoding.readVarUint(decoder);
    if (step !== 1 && step !== 2) return [message];
    payload = decoding.readVarUint8Array(decoder);
  } catch {
    return [message];
  }
  return sliceUpdate(payload, maxBytes - HEADER_BYTES).map((slice) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, step);
    encoding.writeVarUint8Array(e, slice);
    return encoding.toUint8Array(e);
  });
}

type Struct = Y.Item | Y.GC;

/**
 * A Yjs update (version 1) as updates of at most `maxBytes` each, to be applied in order. An
 * update no encoder of ours writes (skips, gaps, cycles) comes back whole: the server decides.
 */
export function sliceUpdate(update: Uint8Array, maxBytes: number): Uint8Array[] {
  if (update.byteLength <= maxBytes) return [update];
  const { structs, ds } = Y.decodeUpdate(update);
  const runs = new Map<number, Struct[]>();
  for (const s of structs) {
    if (s instanceof Y.Skip) return [update];
    const list = runs.get(s.id.client) ?? [];
    list.push(s as Struct);
    runs.set(s.id.client, list);
  }
  for (const list of runs.values()) {
    list.sort((a, b) => a.id.clock - b.id.clock);
    for (let i = 1; i < list.length; i++) if (list[i - 1]!.id.clock + list[i - 1]!.length !== list[i]!.id.clock) return [update];
  }
  const order = causalOrder(runs);
  if (order === null) return [update];

  const slices: Uint8Array[] = [];
  let current = new Map<number, Struct[]>();
  let bytes = 0;
  const flush = (): void => {
    if (current.size === 0) return;
    slices.push(encodeUpdate([...current].map(([client, list]) => ({ client, structs: list })), new Map()));
    current = new Map();
    bytes = 0;
  };
  for (const s of order) {
    const size = structBytes(s);
    if (bytes + size + (current.has(s.id.client) ? 0 : CLIENT_BYTES) > maxBytes - CLIENT_BYTES) flush();
    const list = current.get(s.id.client) ?? [];
    if (list.length === 0) bytes += CLIENT_BYTES;
    list.push(s);
    current.set(s.id.client, list);
    bytes += size;
  }
  flush();

  // The deletions last: they may name structs the slices above bring.
  let deletes: DeleteRanges = new Map();
  bytes = 0;
  for (const [client, items] of ds.clients) {
    for (const { clock, len } of items) {
      const size = RANGE_BYTES + (deletes.has(client) ? 0 : CLIENT_BYTES);
      if (bytes + size > maxBytes - CLIENT_BYTES) {
        slices.push(deletionsOnly(deletes));
        deletes = new Map();
        bytes = 0;
      }
      const list = deletes.get(client) ?? [];
      if (list.length === 0) bytes += CLIENT_BYTES;
      list.push({ clock, len });
      deletes.set(client, list);
      bytes += RANGE_BYTES;
    }
  }
  if (deletes.size > 0) slices.push(deletionsOnly(deletes));
  return slices;
}

function structBytes(s: Struct): number {
  const e = new Y.UpdateEncoderV1();
  s.write(e, 0);
  return e.toUint8Array().byteLength;
}

/**
 * Every struct after those it points at that the update brings: its predecessor in its own
 * run, its origin, right origin and parent. Iterative (documents have long chains of origins).
 * Null on a cycle, which no encoder writes.
 */
function causalOrder(runs: Map<number, Struct[]>): Struct[] | null {
  const emitted = new Map<number, number>();
  const at = (id: Y.ID): { client: number; index: number } | null => {
    const list = runs.get(id.client);
    if (!list) return null;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const s = list[mid]!;
      if (id.clock < s.id.clock) high = mid - 1;
      else if (id.clock >= s.id.clock + s.length) low = mid + 1;
      else return { client: id.client, index: mid };
    }
    return null;
  };
  const out: Struct[] = [];
  let total = 0;
  for (const list of runs.values()) total += list.length;
  for (const [client, list] of runs) {
    const stack: Array<{ client: number; index: number }> = [{ client, index: list.length - 1 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = emitted.get(top.client) ?? 0;
      if (next > top.index) {
        stack.pop();
        continue;
      }
      const s = runs.get(top.client)![next]!;
      let blocked: { client: number; index: number } | null = null;
      if (s instanceof Y.Item) {
        for (const id of [s.origin, s.rightOrigin, s.parent instanceof Y.ID ? s.parent : null]) {
          const dep = id === null ? null : at(id);
          if (dep === null || dep.index < (emitted.get(dep.client) ?? 0)) continue;
          if (dep.client === top.client) continue; // earlier in its own run: emitted in order below
          blocked = dep;
          break;
        }
      }
      if (blocked) {
        // Without a cycle the stack never holds more targets than there are structs.
        if (stack.length > total) return null;
        stack.push(blocked);
        continue;
      }
      out.push(s);
      emitted.set(top.client, next + 1);
    }
  }
  return out;
}
