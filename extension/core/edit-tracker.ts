import * as decoding from 'lib0/decoding';
import { ErrorCode } from '../../shared/codes.ts';
import { readControl, type ControlMessage } from '../../shared/protocol/control.ts';
import { MessageType } from '../../shared/protocol/message-types.ts';
import type { EditDraft } from './contract.ts';

/**
 * Settles the edit drafts of one document from the server's control messages.
 *
 * An edit draft is the clock range [clockStart, clockEnd) of one Yjs client. The server answers
 * each update with `refused` for the parts it reverted (before the ack) and then `ack` with its
 * clock for each client id in the update. So: a refused range that overlaps a draft rejects it;
 * an ack reaching clockEnd accepts every draft not already rejected. `closing` for a lost read
 * right rejects everything still pending on the document.
 *
 * The provider sends a local transaction the moment it happens, before the draft naming it is
 * stored, so an answer may come before `add`. The tracker therefore remembers the highest
 * acknowledged clock per client id and the recent refused ranges, and `add` settles a draft they
 * already decide. Refusals are checked first, as the server sends them first.
 */
export const removalCodes: ReadonlySet<string> = new Set([ErrorCode.NOT_A_READER, ErrorCode.ACCESS_REVOKED]);

export type TrackerEvent =
  | { type: 'settled'; draft: EditDraft }
  | { type: 'removed'; code: string }
  | { type: 'reset'; code: string };

type RefusedRange = { client: number; clock: number; length: number; code: string; message: string };

/** Refused ranges kept for drafts not yet added; they are added within moments, so few suffice. */
const MAX_REFUSED = 256;
/** Ids of drafts settled here, so a stale copy re-added from the store is not settled twice. */
const MAX_SETTLED_IDS = 4_096;

export class EditTracker {
  private pending = new Map<string, EditDraft>();
  private acked = new Map<number, number>();
  private refused: RefusedRange[] = [];
  private settledIds = new Set<string>();

  constructor(
    drafts: Iterable<EditDraft> = [],
    private readonly now: () => number = Date.now,
  ) {
    for (const draft of drafts) this.add(draft);
  }

  /** Tracks a pending draft, or settles it at once if a remembered answer already decides it. */
  add(draft: EditDraft): TrackerEvent[] {
    if (draft.state !== 'pending' || this.pending.has(draft.id) || this.settledIds.has(draft.id)) return [];
    const copy = { ...draft };
    const refusal = this.refused.find((r) => overlaps(r, copy));
    if (refusal) return [this.settle(copy, 'rejected', refusal.code, refusal.message)];
    if ((this.acked.get(copy.client) ?? 0) >= copy.clockEnd) return [this.settle(copy, 'accepted')];
    this.pending.set(copy.id, copy);
    return [];
  }

  get size(): number {
    return this.pending.size;
  }

  pendingDrafts(): EditDraft[] {
    return [...this.pending.values()];
  }

  /** Accepts the drafts a known server clock already covers (delivered before a restart). */
  acceptCovered(clocks: ReadonlyMap<number, number>): TrackerEvent[] {
    for (const [client, clock] of clocks) if (clock > (this.acked.get(client) ?? 0)) this.acked.set(client, clock);
    const events: TrackerEvent[] = [];
    for (const draft of [...this.pending.values()]) {
      if ((clocks.get(draft.client) ?? 0) >= draft.clockEnd) events.push(this.settle(draft, 'accepted'));
    }
    return events;
  }

  handle(message: ControlMessage): TrackerEvent[] {
    switch (message.t) {
      case 'welcome':
        return [];
      case 'refused': {
        for (const r of message.ranges) this.refused.push({ ...r, code: message.code, message: message.message });
        if (this.refused.length > MAX_REFUSED) this.refused.splice(0, this.refused.length - MAX_REFUSED);
        const events: TrackerEvent[] = [];
        for (const draft of [...this.pending.values()]) {
          if (message.ranges.some((r) => overlaps(r, draft))) events.push(this.settle(draft, 'rejected', message.code, message.message));
        }
        return events;
      }
      case 'ack': {
        const clocks = new Map<number, number>();
        for (const [client, clock] of Object.entries(message.clients)) clocks.set(Number(client), clock);
        return this.acceptCovered(clocks);
      }
      case 'closing': {
        const events: TrackerEvent[] = [...this.pending.values()].map((d) => this.settle(d, 'rejected', message.code, message.message));
        events.push(removalCodes.has(message.code) ? { type: 'removed', code: message.code } : { type: 'reset', code: message.code });
        return events;
      }
      default: {
        const exhaustive: never = message;
        return exhaustive;
      }
    }
  }

  /** Rejects every pending draft, e.g. when the socket closed with 4403 and no `closing` came first. */
  rejectAll(code: string, message: string): TrackerEvent[] {
    return [...this.pending.values()].map((d) => this.settle(d, 'rejected', code, message));
  }

  private settle(draft: EditDraft, state: 'accepted' | 'rejected', code?: string, message?: string): TrackerEvent {
    this.pending.delete(draft.id);
    this.settledIds.add(draft.id);
    if (this.settledIds.size > MAX_SETTLED_IDS) this.settledIds.delete(this.settledIds.values().next().value as string);
    const settled: EditDraft = { ...draft, state, settledAt: this.now() };
    if (code !== undefined) settled.code = code;
    if (message !== undefined) settled.message = message;
    return { type: 'settled', draft: settled };
  }
}

function overlaps(range: { client: number; clock: number; length: number }, draft: EditDraft): boolean {
  return range.client === draft.client && range.clock < draft.clockEnd && range.clock + range.length > draft.clockStart;
}

/** Decodes one socket frame as a control message; null if it is another type or malformed. */
export function decodeControlFrame(frame: Uint8Array): ControlMessage | null {
  const decoder = decoding.createDecoder(frame);
  if (decoding.readVarUint(decoder) !== MessageType.control) return null;
  return readControl(decoder);
}
