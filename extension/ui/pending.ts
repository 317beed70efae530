import type { PendingUpload } from '../core/upload-queue.ts';
import type { Draft, State } from '../messages.ts';
import { describe } from './describe.ts';

/**
 * What waits to reach the server, as the pages show it: one entry per draft (sharing change or
 * content edit) and per kept FCS upload, each with its state in words and, once refused, the
 * reason from its code. (The fields a waiting edit wrote come with the experiment's view.)
 */
export type PendingState = 'waiting' | 'sending' | 'refused';
export type PendingEntry = {
  id: string;
  kind: 'draft' | 'upload';
  /** What it is, as a person says it: "rename to …", "upload a.fcs". */
  what: string;
  experimentId: string;
  state: PendingState;
  /** The refusal in words; only when refused. */
  reason?: string;
  /** A sharing change can be made again; an edit or upload cannot. */
  retry: boolean;
};

export const stateWords: Record<PendingState, string> = {
  waiting: 'waiting',
  sending: 'sending…',
  refused: 'refused',
};

function draftEntry(draft: Draft, sending: ReadonlySet<string>): PendingEntry | null {
  if (draft.state === 'accepted') return null;
  const state: PendingState = draft.state === 'rejected' ? 'refused' : sending.has(draft.id) ? 'sending' : 'waiting';
  return {
    id: draft.id, kind: 'draft', what: draft.description, experimentId: draft.experimentId, state,
    ...(state === 'refused' ? { reason: describe(draft.code) } : {}),
    retry: draft.kind === 'intent',
  };
}

function uploadEntry(upload: PendingUpload): PendingEntry {
  return {
    id: upload.id, kind: 'upload', what: `upload ${upload.name}`, experimentId: upload.experimentId, state: upload.state,
    ...(upload.state === 'refused' ? { reason: upload.words ?? describe(upload.code) } : {}),
    retry: false,
  };
}

/** Every change not yet accepted, drafts first in the order they were made, then uploads. */
export function pendingEntries(state: Pick<State, 'drafts' | 'sending' | 'uploads'>): PendingEntry[] {
  const sending = new Set(state.sending);
  const drafts = state.drafts.flatMap((d) => draftEntry(d, sending) ?? []);
  return [...drafts, ...state.uploads.map(uploadEntry)];
}
