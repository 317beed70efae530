import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { conflict, idle, shown, step, type DraftEvent, type DraftState } from './draft-field.ts';

/**
 * One field of a live document that a collaborator may change while this person types (a
 * sample-tag cell, the experiment's name and purpose, a gate's name). The typed draft stays
 * here: a remote change never rewrites the input or remounts it (callers key rows by what they
 * are, never by their value), so focus and typed text survive. A change underneath a draft is
 * shown with the other person's value and "Keep mine" / "Take theirs"; committing (Enter, or
 * leaving the field) with such a change pending asks for that choice instead of writing.
 * Escape drops the draft. The state machine is draft-field.ts.
 */
type Props = {
  /** The value as synced now. */
  value: string;
  /** Accessible name of the input (also names the notice's buttons). */
  label: string;
  /** Writes a value the person committed; a rejection puts the synced value back. */
  onCommit: (value: string) => Promise<unknown> | void;
  /** Whether a draft may be written (e.g. a name must not be empty); an invalid one is dropped. */
  valid?: (draft: string) => boolean;
  /** A textarea: Enter adds a line, Ctrl+Enter commits. */
  multiline?: boolean;
  id?: string;
  maxLength?: number;
};

export function DraftInput({ value, label, onCommit, valid, multiline = false, id, maxLength }: Props) {
  // The state lives in a ref so each event steps from the latest state and synced value, however
  // quickly events follow one another; the counter only asks for a render.
  const state = useRef<DraftState>(idle);
  const latest = useRef({ value, valid, onCommit });
  latest.current = { value, valid, onCommit };
  const [, rendered] = useState(0);
  const input = useRef<HTMLInputElement & HTMLTextAreaElement>(null);

  const send = (event: DraftEvent): void => {
    const { value: current, valid: isValid, onCommit: write } = latest.current;
    const next = step(state.current, event, current, isValid);
    if (next.state === state.current) return;
    state.current = next.state;
    rendered((n) => n + 1);
    if (next.write === null) return;
    void Promise.resolve(write(next.write)).then(
      (answer) => answer === null && send({ type: 'failed' }),
      () => send({ type: 'failed' }),
    );
  };

  // A new synced value ends the "written, waiting for it to come back" state.
  useLayoutEffect(() => {
    if (state.current.kind === 'sent') send({ type: 'observe' });
  }, [value]);

  const now = state.current;
  const theirs = conflict(now, value);
  const asking = now.kind === 'editing' && now.asking && theirs !== null;
  const choose = (event: DraftEvent) => {
    send(event);
    input.current?.focus();
  };
  const common = {
    ref: input,
    id,
    maxLength,
    value: shown(now, value),
    'aria-label': label,
    'aria-invalid': asking ? true : undefined,
    onInput: (e: Event) => send({ type: 'input', text: (e.currentTarget as HTMLInputElement).value }),
    onBlur: () => send({ type: 'commit' }),
    onKeyDown: (e: KeyboardEvent) => {
      if (e.key === 'Escape' && state.current.kind === 'editing') {
        e.preventDefault();
        send({ type: 'escape' });
      } else if (e.key === 'Enter' && (!multiline || e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        send({ type: 'commit' });
      }
    },
  };
  return (
    <span class="draft-field">
      {multiline ? <textarea {...common} rows={2} /> : <input {...common} />}
      {theirs !== null && (
        <span class={`draft-conflict${asking ? ' asking' : ''}`} role={asking ? 'alert' : 'status'} data-testid="draft-conflict">
          {asking ? 'Choose before saving. ' : ''}Changed by someone else: <q>{theirs}</q> —{' '}
          <button type="button" class="link" aria-label={`Keep mine: ${label}`} onMouseDown={(e) => e.preventDefault()} onClick={() => choose({ type: 'keepMine' })}>Keep mine</button>{' '}
          <button type="button" class="link" aria-label={`Take theirs: ${label}`} onMouseDown={(e) => e.preventDefault()} onClick={() => choose({ type: 'takeTheirs' })}>Take theirs</button>
        </span>
      )}
    </span>
  );
}
