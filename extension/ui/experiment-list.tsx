import type { ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import type { ShownRow } from '../popup-snapshot.ts';
import { RowIcons, RowPendingMark } from './icons.tsx';
import { listboxKey } from './listbox-keys.ts';
import { fixedRows, useWindowed } from './window-list.tsx';

/**
 * A list of experiments that is one tab stop (the listbox pattern with
 * `aria-activedescendant`): the arrows move the active row, Enter or a click opens it, and each
 * row action has a letter (S for Sharing). Rows show the name with its icons (public, curated,
 * shared with others), the owner when it is someone else, `marks` (a row's extra state), and
 * the actions as small click targets. Those are hidden from assistive technology: an option may
 * hold no controls, and the list's description names the keys instead. Windowed
 * (window-list.tsx): only the rows in view are built, whatever the list's length.
 */
export const ROW_HEIGHT = 36;

/**
 * An action on one row: `key` is a single letter, `label` the visible word. Rows are anything
 * with the fields drawn (`ShownRow`): the worker's answers, or the popup's snapshot.
 */
export type RowAction<R extends ShownRow = ShownRow> = { key: string; label: string; run: (row: R) => void };

type ItemProps<R extends ShownRow> = { row: R; me: string; actions: readonly RowAction<R>[]; marks?: ComponentChildren; testId?: string };

export function ExperimentItem<R extends ShownRow>({ row, me, actions, marks, testId = 'experiment-row' }: ItemProps<R>) {
  return (
    <div class="experiment" data-testid={testId} data-id={row.id}>
      <span class="name" title={row.name}>
        {row.name}
        <RowPendingMark row={row} />
        <RowIcons row={row} />
        {marks}
      </span>
      {row.owner !== me && <span class="owner">by {row.owner}</span>}
      <span class="actions" aria-hidden="true">
        {actions.map((action) => (
          <span
            key={action.key}
            class="row-action"
            data-action={action.key}
            title={`${action.label} (${action.key.toUpperCase()})`}
            onClick={(e) => {
              e.stopPropagation();
              action.run(row);
            }}
          >
            {action.label}
          </span>
        ))}
      </span>
    </div>
  );
}

type ListProps<R extends ShownRow> = {
  rows: R[];
  me: string;
  label: string;
  /** Enter or a click on a row. */
  onOpen: (row: R) => void;
  actions: readonly RowAction<R>[];
  empty?: string;
  /** First guess of the visible height; the list then takes the room its container gives it. */
  height: number;
  testId?: string;
  marks?: (row: R) => ComponentChildren;
  /** The rows' test id; the manager's Inbox rows differ from its list's. */
  rowTestId?: string;
  onNearEnd?: () => void;
};

export function ExperimentList<R extends ShownRow>({ rows, me, label, onOpen, actions, empty, height, testId, marks, rowTestId, onNearEnd }: ListProps<R>) {
  const base = useId();
  const [activeId, setActiveId] = useState<string | null>(null);
  const w = useWindowed<HTMLDivElement>(fixedRows(rows.length, ROW_HEIGHT), height, onNearEnd);
  // The active row is kept by id, so a reload that reorders the list does not move the user.
  const found = activeId === null ? -1 : rows.findIndex((row) => row.id === activeId);
  const active = found >= 0 ? found : 0;
  useEffect(() => {
    if (found < 0 && activeId !== null) setActiveId(rows[0]?.id ?? null);
  }, [found, activeId, rows]);
  if (rows.length === 0) return empty ? <p class="empty">{empty}</p> : null;
  const optionId = (index: number) => `${base}-opt-${index}`;
  const hint = `${base}-keys`;
  const activeRow = rows[active] as R;
  const onKeyDown = (e: KeyboardEvent) => {
    const outcome = listboxKey(e, active, rows.length, w.page, actions.map((a) => a.key));
    if (!outcome) return;
    e.preventDefault();
    if (outcome.kind === 'move') {
      setActiveId(rows[outcome.to]?.id ?? null);
      w.reveal(outcome.to);
    } else if (outcome.kind === 'open') onOpen(activeRow);
    else actions.find((a) => a.key === outcome.key)?.run(activeRow);
  };
  const keys = ['Enter opens', ...actions.map((a) => `${a.key.toUpperCase()} ${a.label}`)].join(', ');
  return (
    <>
      <div
        ref={w.ref}
        role="listbox"
        tabIndex={0}
        class="experiments"
        aria-label={label}
        aria-describedby={hint}
        aria-activedescendant={active >= w.first && active < w.last ? optionId(active) : undefined}
        data-testid={testId}
        onKeyDown={onKeyDown}
        onScroll={w.onScroll}
      >
        {w.before > 0 && <div aria-hidden="true" class="spacer" style={{ height: `${w.before}px` }} />}
        {rows.slice(w.first, w.last).map((row, i) => {
          const index = w.first + i;
          return (
            <div
              key={row.id}
              id={optionId(index)}
              role="option"
              aria-selected={index === active}
              aria-setsize={rows.length}
              aria-posinset={index + 1}
              class={`window-row${index === active ? ' active' : ''}`}
              style={{ height: `${ROW_HEIGHT}px` }}
              onClick={() => {
                setActiveId(row.id);
                onOpen(row);
              }}
            >
              <ExperimentItem row={row} me={me} actions={actions} marks={marks?.(row)} {...(rowTestId ? { testId: rowTestId } : {})} />
            </div>
          );
        })}
        {w.after > 0 && <div aria-hidden="true" class="spacer" style={{ height: `${w.after}px` }} />}
      </div>
      <p id={hint} class="keys">↑ ↓ to move, {keys}</p>
    </>
  );
}
