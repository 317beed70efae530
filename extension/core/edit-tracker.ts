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
 */
export const removalCodes: ReadonlySet<string> = new Set([ErrorCode.NOT_A_READER, ErrorCode.ACCESS_REVOKED]);

export type TrackerEvent =
  | { type: 'settled'; draft: EditDraft }
  | { type: 'removed'; code: string }
  | { type: 'reset'; code: string };

export class EditTracker {
  private pending = new Map<string, EditDraft>();

  constructor(
    drafts: Iterable<EditDraft> = [],
    private readonly now: () => number = Date.now,
  ) {
    for (const draft of drafts) this.add(draft);
  }

  add(draft: EditDraft): void {
    if (draft.state === 'pending') this.pending.set(draft.id, { ...draft });
  }

  get size(): number {
    return this.pending.size;
  }

  pendingDrafts(): EditDraft[] {
    return [...this.pending.values()];
  }

  /** Accepts the drafts a known server clock already covers (delivered before a restart). */
  acceptCovered(clocks: ReadonlyMap<number, number>): TrackerEvent[] {
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
        const events: TrackerEvent[] = [];
        for (const draft of [...this.pending.values()]) {
          const hit = message.ranges.some(
            (r) => r.client === draft.client && r.clock < draft.clockEnd && r.clock + r.length > draft.clockStart,
          );
          if (hit) events.push(this.settle(draft, 'rejected', message.code, message.message));
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
    const settled: EditDraft = { ...draft, state, settledAt: this.now() };
    if (code !== undefined) settled.code = code;
    if (message !== undefined) settled.message = message;
    return { type: 'settled', draft: settled };
  }
}

/** Decodes one socket frame as a control message; null if it is another type or malformed. */
export function decodeControlFrame(frame: Uint8Array): ControlMessage | null {
  const decoder = decoding.createDecoder(frame);
  if (decoding.readVarUint(decoder) !== MessageType.control) return null;
  return readControl(decoder);
}
