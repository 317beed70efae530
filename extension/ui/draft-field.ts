/**
 * What a person is typing into one field of a live document, kept apart from the field's value
 * as synced (`current`, which a collaborator may change at any moment). Pure: the hook in
 * draft-input.tsx feeds it events and writes what `step` says to write.
 *
 * - Typing starts a draft and remembers `base`, the value the draft started from. A remote
 *   change never touches the draft: while there is one, the field shows the draft.
 * - The value "changed underneath" when `current` differs from `base` (and from the draft, and
 *   from the value our own last write replaced, which is no one else's change): that is a
 *   conflict, shown with their value.
 * - Committing (Enter, leaving the field) writes the draft when nothing changed underneath. With
 *   a conflict it writes nothing and asks: keep mine (write the draft) or take theirs (drop it).
 * - Escape drops the draft. After a write the field shows the written value until the synced
 *   value moves off the one it replaced.
 */
export type DraftState =
  | { kind: 'idle' }
  /** `ours`: the value our own write (still arriving) replaced; seeing it again is no conflict. */
  | { kind: 'editing'; base: string; draft: string; asking: boolean; ours: string | null }
  /** Written `value` over `replaced`; shown until the synced value is no longer `replaced`. */
  | { kind: 'sent'; value: string; replaced: string };

export type DraftEvent =
  | { type: 'input'; text: string }
  | { type: 'commit' }
  | { type: 'keepMine' }
  | { type: 'takeTheirs' }
  | { type: 'escape' }
  /** The write was refused at once (the local rules): show the synced value again. */
  | { type: 'failed' }
  /** A render with the synced value: ends a `sent` state once the write (or anything) landed. */
  | { type: 'observe' };

export type DraftStep = { state: DraftState; write: string | null };

export const idle: DraftState = { kind: 'idle' };

/** What the field shows for `current`, the synced value. */
export function shown(state: DraftState, current: string): string {
  if (state.kind === 'editing') return state.draft;
  if (state.kind === 'sent') return current === state.replaced ? state.value : current;
  return current;
}

/** Their value when it changed underneath the draft; null when there is nothing to decide. */
export function conflict(state: DraftState, current: string): string | null {
  if (state.kind !== 'editing') return null;
  if (current === state.base || current === state.draft || current === state.ours) return null;
  return current;
}

/**
 * One event. `valid` says whether a draft may be written at all (a name must not be empty); an
 * invalid draft is dropped on commit, as it was never accepted anyway.
 */
export function step(state: DraftState, event: DraftEvent, current: string, valid: (draft: string) => boolean = () => true): DraftStep {
  const stay = { state, write: null };
  switch (event.type) {
    case 'input': {
      if (state.kind === 'editing') return { state: { ...state, draft: event.text }, write: null };
      if (state.kind === 'sent' && current === state.replaced) {
        // Typing again before our write came back: the base is what the field shows.
        return { state: { kind: 'editing', base: state.value, draft: event.text, asking: false, ours: state.replaced }, write: null };
      }
      return { state: { kind: 'editing', base: current, draft: event.text, asking: false, ours: null }, write: null };
    }
    case 'commit': {
      if (state.kind !== 'editing') return stay;
      const theirs = conflict(state, current);
      if (state.draft === state.base || state.draft === current || !valid(state.draft)) return { state: idle, write: null };
      if (theirs !== null) return { state: { ...state, asking: true }, write: null };
      return { state: { kind: 'sent', value: state.draft, replaced: current }, write: state.draft };
    }
    case 'keepMine': {
      if (state.kind !== 'editing') return stay;
      if (state.draft === current || !valid(state.draft)) return { state: idle, write: null };
      return { state: { kind: 'sent', value: state.draft, replaced: current }, write: state.draft };
    }
    case 'takeTheirs':
    case 'escape':
      return state.kind === 'editing' ? { state: idle, write: null } : stay;
    case 'failed':
      return state.kind === 'sent' ? { state: idle, write: null } : stay;
    case 'observe':
      return state.kind === 'sent' && current !== state.replaced ? { state: idle, write: null } : stay;
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}
