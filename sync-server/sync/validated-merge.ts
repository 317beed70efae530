import * as Y from 'yjs';
import { ErrorCode } from '../../shared/codes.ts';
import { contentFacts, DocKind } from '../../shared/doc-layout.ts';
import type { ClockRange } from '../../shared/protocol/control.ts';
import { CloseCode } from '../../shared/protocol/message-types.ts';
import { checkContentWrite } from '../../shared/rules/content.ts';
import { refuse, type Verdict } from '../../shared/rules/verdict.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { ClientRegistry } from './client-registry.ts';
import type { DocRoom, RoomPeer } from './room.ts';
import { inspectUpdate, type InspectedWrite } from './update-inspector.ts';

export type MergeOutcome = { accepted: InspectedWrite[]; refused: Array<{ write: InspectedWrite; verdict: Verdict & { ok: false } }> };

/**
 * The validated merge (DESIGN.md §3): a client's update is read before it is applied, each
 * field it writes is checked with the shared rules, and then either
 * - every write is allowed: the update is applied as it came; or
 * - some are refused: the update is applied and, in the same transaction, the refused fields are
 *   restored, so storage and other readers only ever see the net result, and the author's
 *   stream of structs stays whole (Yjs cannot skip one update of a client and take the next).
 * The author is told which ranges were refused, then acknowledged. Runs inside `room.run`.
 */
export async function mergeClientUpdate(
  room: DocRoom,
  peer: RoomPeer,
  update: Uint8Array,
  registry: ClientRegistry,
  /** The author's whole `update` frame, when the update came as one: relayed as it is if accepted whole. */
  frame: Uint8Array | null = null,
): Promise<MergeOutcome | null> {
  const inspection = inspectUpdate(room.doc, update);
  if (!inspection.ok) {
    if (inspection.reason === 'malformed') {
      peer.control({ t: 'refused', code: ErrorCode.UPDATE_MALFORMED, message: 'the update could not be decoded', ranges: [] });
    } else {
      reset(peer, ErrorCode.UPDATE_INCOMPLETE, 'the update depends on changes the server does not have');
    }
    return null;
  }
  // The usual case, an author writing again under ids it claimed before, needs no wait.
  const forged = registry.ownsAll(inspection.newClients, peer.actor.username) ? [] : await registry.claim(inspection.newClients, peer.actor.username);
  if (forged.length > 0) {
    // Applying structs under another account's id would eat that account's own later structs.
    reset(peer, ErrorCode.FOREIGN_CLIENT_ID, 'the update writes under a client id of another account');
    return null;
  }
  const outcome: MergeOutcome = { accepted: [], refused: [] };
  for (const write of inspection.writes) {
    const verdict = judge(room, peer.actor, write);
    if (verdict.ok) outcome.accepted.push(write);
    else outcome.refused.push({ write, verdict });
  }
  let clocks: Record<string, number>;
  if (outcome.refused.length === 0 && frame !== null) {
    // Known before the update is applied, which commitAccepted defers: the update is complete.
    clocks = clocksAfter(room.doc, inspection.ends);
    await room.commitAccepted(update, frame, peer);
  } else {
    if (outcome.refused.length === 0) Y.applyUpdate(room.doc, update, peer);
    else applyWithRevert(room.doc, update, outcome.refused.map((r) => r.write), peer);
    await room.flush(outcome.refused.length === 0 ? peer : null);
    clocks = clocksAfter(room.doc, inspection.ends);
  }
  const first = outcome.refused[0];
  if (first) {
    peer.control({
      t: 'refused',
      code: first.verdict.code,
      message: first.verdict.message,
      ...(first.verdict.path ? { path: first.verdict.path } : {}),
      ranges: outcome.refused.map((r) => r.write.range),
    });
  }
  peer.control({ t: 'ack', clients: clocks });
  return outcome;
}

function judge(room: DocRoom, actor: Actor, write: InspectedWrite): Verdict {
  if (write.place.kind === 'void') return { ok: true };
  if (room.ref.kind !== DocKind.experiment) {
    return refuse(ErrorCode.SERVER_OWNED_FIELD, 'this document is written by the server only');
  }
  if (room.sharing === null) return refuse(ErrorCode.NOT_A_READER, 'no such experiment');
  if (write.place.kind === 'nested') return refuse(ErrorCode.UNKNOWN_FIELD, 'fields hold plain values, not nested documents');
  return checkContentWrite(room.sharing, actor, write.write, room.project, contentFacts(room.doc));
}

/**
 * Applies the update and undoes the refused writes in one transaction: refused inserts are
 * deleted, and a map key whose value was replaced or removed gets its previous value back.
 */
function applyWithRevert(doc: Y.Doc, update: Uint8Array, refused: InspectedWrite[], origin: unknown): void {
  const previous = new Map<string, { map: Y.Map<unknown>; key: string; had: boolean; value: unknown }>();
  for (const { place } of refused) {
    if (place.kind !== 'field' || place.key === null) continue;
    const type = doc.share.get(place.root);
    if (!(type instanceof Y.Map)) continue;
    const id = JSON.stringify([place.root, place.key]);
    if (!previous.has(id)) previous.set(id, { map: type, key: place.key, had: type.has(place.key), value: type.get(place.key) });
  }
  doc.transact((tr) => {
    Y.applyUpdate(doc, update);
    for (const { op, range } of refused) {
      if (op !== 'insert') continue;
      const struct = Y.getItem(doc.store, Y.createID(range.client, range.clock));
      if (struct instanceof Y.Item && !struct.deleted) struct.delete(tr);
    }
    for (const { map, key, had, value } of previous.values()) {
      if (had) map.set(key, value);
      else if (map.has(key)) map.delete(key);
    }
  }, origin);
}

/** Each client's clock once `doc` has every struct up to `ends`: what the author is acknowledged. */
function clocksAfter(doc: Y.Doc, ends: Map<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [client, end] of ends) out[String(client)] = Math.max(Y.getState(doc.store, client), end);
  return out;
}

function reset(peer: RoomPeer, code: ErrorCode, message: string): void {
  peer.control({ t: 'refused', code, message, ranges: [] });
  peer.control({ t: 'closing', code: ErrorCode.RESET_REQUIRED, message });
  peer.close(CloseCode.resetRequired, ErrorCode.RESET_REQUIRED);
}

export type { ClockRange };
