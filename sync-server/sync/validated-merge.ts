import * as Y from 'yjs';
import { ErrorCode } from '../../shared/codes.ts';
import { contentFacts, DocKind, ExperimentRoot } from '../../shared/doc-layout.ts';
import type { ClockRange } from '../../shared/protocol/control.ts';
import { CloseCode } from '../../shared/protocol/message-types.ts';
import { checkContentWrite } from '../../shared/rules/content.ts';
import { refuse, type Verdict } from '../../shared/rules/verdict.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { ClientRegistry } from './client-registry.ts';
import type { DocRoom, RoomPeer } from './room.ts';
import type { ServerLimits } from '../limits.ts';
import { planRefusedInserts, refuseWholeFields } from './refused-inserts.ts';
import { deletionsOnly, type DeleteRanges } from './update-encoding.ts';
import { inspectUpdate, type InspectedWrite, type InspectionFailure } from './update-inspector.ts';
import { updateMessage } from '../../shared/protocol/sync-messages.ts';

export type MergeOutcome = { accepted: InspectedWrite[]; refused: Array<{ write: InspectedWrite; verdict: Verdict & { ok: false } }> };

/**
 * The validated merge: a client's update is read before it is applied, each
 * field it writes is checked with the shared rules, and then either
 * - every write is allowed: the update is applied as it came; or
 * - some are refused: the refused inserts are replaced by content-free structs of the same clocks
 *   (see refused-inserts.ts), that update is applied and, in the same transaction, the refused
 *   fields are restored, so storage and other readers only ever see the net result, a refused
 *   value costs storage a struct header at most, and the author's stream of structs stays whole
 *   (Yjs cannot skip one update of a client and take the next).
 * The author is told which ranges were refused, then acknowledged. Runs inside `room.run`.
 */
export type MergeDeps = { registry: ClientRegistry; limits: ServerLimits };

/** The roots a client may write under in an experiment document; inserts elsewhere become placeholders. */
const EXPERIMENT_ROOTS: ReadonlySet<string> = new Set(Object.values(ExperimentRoot));

/** New client ids each socket has claimed so far (ServerLimits.clientIdsPerSocket). */
const claimedBySocket = new WeakMap<RoomPeer, number>();

export async function mergeClientUpdate(
  room: DocRoom,
  peer: RoomPeer,
  received: Uint8Array,
  deps: MergeDeps,
  /** The author's whole `update` frame, when the update came as one: relayed as it is if accepted whole. */
  receivedFrame: Uint8Array | null = null,
): Promise<MergeOutcome | null> {
  const { registry, limits } = deps;
  const experiment = room.ref.kind === DocKind.experiment;
  const inspection = inspectUpdate(room.doc, received, {
    budget: limits.updateWorkBudget,
    serverOwned: !experiment,
    roots: experiment ? EXPERIMENT_ROOTS : null,
  });
  if (!inspection.ok) {
    refuseWhole(peer, inspection.reason);
    return null;
  }
  // What is applied, stored and relayed: the server's form of the update when it differs.
  const update = inspection.update;
  const frame = receivedFrame === null ? null : inspection.rewritten ? updateMessage(update) : receivedFrame;
  // The usual case, an author writing again under ids it claimed before, needs no wait.
  if (!registry.ownsAll(inspection.newClients, peer.actor.username)) {
    const claimedSoFar = claimedBySocket.get(peer) ?? 0;
    const claim = await registry.claim(inspection.newClients, peer.actor.username, {
      socketAllowance: limits.clientIdsPerSocket - claimedSoFar,
      perAccountPerDay: limits.clientIdsPerAccountPerDay,
    });
    if (!claim.ok) {
      if (claim.code === ErrorCode.FOREIGN_CLIENT_ID) {
        // Applying structs under another account's id would eat that account's own later structs.
        reset(peer, ErrorCode.FOREIGN_CLIENT_ID, 'the update writes under a client id of another account');
      } else {
        reset(peer, ErrorCode.TOO_MANY_CLIENT_IDS, 'too many new client ids; reload and write under one');
      }
      return null;
    }
    claimedBySocket.set(peer, claimedSoFar + claim.claimed.length);
  }
  const judged: MergeOutcome = { accepted: [], refused: [] };
  for (const write of inspection.writes) {
    const verdict = judge(room, peer.actor, write);
    if (verdict.ok) judged.accepted.push(write);
    else judged.refused.push({ write, verdict });
  }
  const outcome = refuseWholeFields(judged.accepted, judged.refused);
  const plan = planRefusedInserts(room.doc, outcome.refused, inspection.placeholders);
  const replaced = [...inspection.placeholders, ...plan.placeholders];
  let clocks: Record<string, number>;
  if (outcome.refused.length === 0 && frame !== null) {
    // Known before the update is applied, which commitAccepted defers: the update is complete.
    clocks = clocksAfter(room.doc, inspection.ends);
    await room.commitAccepted(update, frame, peer);
  } else {
    if (outcome.refused.length === 0) Y.applyUpdate(room.doc, update, peer);
    else {
      // Restoring a refused map value writes under the server's id: registered first.
      await room.ensureServerId();
      const emptied = inspection.encodeWith(plan.placeholders, plan.emptied);
      applyWithRevert(room.doc, emptied, outcome.refused.map((r) => r.write), peer);
    }
    await room.flush(outcome.refused.length === 0 ? peer : null);
    clocks = clocksAfter(room.doc, inspection.ends);
  }
  if (replaced.length > 0 || plan.emptied.length > 0) {
    // The author still holds what became placeholders here: it deletes them, and converges.
    peer.send(updateMessage(deletionsOnly(rangesOf([...replaced, ...plan.emptied]))));
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
  if (plan.resetAuthor) {
    const message = 'a refused change left this copy ordered differently from the server; reload it';
    peer.control({ t: 'closing', code: ErrorCode.RESET_REQUIRED, message });
    peer.close(CloseCode.resetRequired, ErrorCode.RESET_REQUIRED);
  }
  return outcome;
}

/** An update taken in no part: told why, and (but for one that cannot be decoded) told to reset. */
function refuseWhole(peer: RoomPeer, reason: InspectionFailure): void {
  switch (reason) {
    case 'malformed':
      peer.control({ t: 'refused', code: ErrorCode.UPDATE_MALFORMED, message: 'the update could not be decoded', ranges: [] });
      return;
    case 'invalid':
      // The author's replica holds what was refused, so none of its later updates would fit.
      return reset(peer, ErrorCode.UPDATE_MALFORMED, 'the update holds structs no Yjs encoder writes');
    case 'incomplete':
      return reset(peer, ErrorCode.UPDATE_INCOMPLETE, 'the update depends on changes the server does not have');
    case 'too-costly':
      return reset(peer, ErrorCode.UPDATE_TOO_COSTLY, 'the update would cost the server more work than one message may');
    case 'server-owned':
      return reset(peer, ErrorCode.SERVER_OWNED_FIELD, 'this document is written by the server only');
    case 'placeholder':
      return reset(peer, ErrorCode.UPDATE_MALFORMED, 'the update carries placeholders (GC structs) for content the server never had');
    default: {
      const exhaustive: never = reason;
      return exhaustive;
    }
  }
}

function rangesOf(ranges: ClockRange[]): DeleteRanges {
  const out: DeleteRanges = new Map();
  for (const { client, clock, length } of [...ranges].sort((x, y) => x.clock - y.clock)) {
    const list = out.get(client) ?? [];
    list.push({ clock, len: length });
    out.set(client, list);
  }
  return out;
}

function judge(room: DocRoom, actor: Actor, write: InspectedWrite): Verdict {
  if (write.place.kind === 'void') return { ok: true };
  if (room.ref.kind !== DocKind.experiment) {
    return refuse(ErrorCode.SERVER_OWNED_FIELD, 'this document is written by the server only');
  }
  if (room.sharing === null) return refuse(ErrorCode.NOT_A_READER, 'no such experiment');
  if (write.place.kind === 'nested') return refuse(ErrorCode.UNKNOWN_FIELD, 'fields hold plain values, not nested documents');
  if (write.place.kind === 'placeholder') return refuse(ErrorCode.UPDATE_INCOMPLETE, 'the change builds on an edit the server did not take');
  return checkContentWrite(room.sharing, actor, write.write, room.project, contentFacts(room.doc));
}

/**
 * Applies the update (its refused inserts already content-free) and undoes the refused writes in
 * one transaction: a refused insert still present is deleted, and a map key whose value was
 * replaced or removed gets its previous value back (a new struct of the server's, anchored
 * after the author's emptied one). A key whose value is still the same item is left alone:
 * a refused write that the placeholders kept out of the key costs no restore.
 */
function applyWithRevert(doc: Y.Doc, update: Uint8Array, refused: InspectedWrite[], origin: unknown): void {
  const previous = new Map<string, { map: Y.Map<unknown>; key: string; had: boolean; value: unknown; item: Y.Item | null }>();
  for (const { place } of refused) {
    if (place.kind !== 'field' || place.key === null) continue;
    const type = doc.share.get(place.root);
    if (!(type instanceof Y.Map)) continue;
    const id = JSON.stringify([place.root, place.key]);
    if (!previous.has(id)) {
      previous.set(id, { map: type, key: place.key, had: type.has(place.key), value: type.get(place.key), item: type._map.get(place.key) ?? null });
    }
  }
  doc.transact((tr) => {
    Y.applyUpdate(doc, update);
    for (const { op, range } of refused) {
      if (op !== 'insert') continue;
      const struct = Y.getItem(doc.store, Y.createID(range.client, range.clock));
      if (struct instanceof Y.Item && !struct.deleted) struct.delete(tr);
    }
    for (const { map, key, had, value, item } of previous.values()) {
      const now = map._map.get(key) ?? null;
      if (had && (now !== item || now === null || now.deleted)) map.set(key, value);
      else if (!had && map.has(key)) map.delete(key);
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
