import type { ComponentChildren } from 'preact';
import type { Row } from '../messages.ts';
import { RowIcons, RowPendingMark } from './icons.tsx';
import { WindowList } from './window-list.tsx';

/**
 * A list of experiment rows: name with its icons (public, curated, shared with others), the
 * owner when it is someone else, and a Sharing button. `extra` adds per-row actions. Lists are
 * windowed (window-list.tsx): only the rows in view are built, whatever the list's length.
 */
export const ROW_HEIGHT = 36;

export function ExperimentItem({ row, me, onSharing, extra }: { row: Row; me: string; onSharing: (id: string) => void; extra?: ComponentChildren }) {
  return (
    <div class="experiment" data-testid="experiment-row" data-id={row.id}>
      <span class="name" title={row.name}>
        {row.name}
        <RowPendingMark row={row} />
        <RowIcons row={row} />
      </span>
      {row.owner !== me && <span class="owner">by {row.owner}</span>}
      <span class="actions">
        {extra}
        <button type="button" onClick={() => onSharing(row.id)} aria-label={`Sharing: ${row.name}`}>
          Sharing
        </button>
      </span>
    </div>
  );
}

type ListProps = {
  rows: Row[]; me: string; label: string; onSharing: (id: string) => void; empty?: string; height: number; testId?: string;
  extra?: (row: Row) => ComponentChildren; onNearEnd?: () => void;
};

export function ExperimentList({ rows, me, label, onSharing, empty, height, testId, extra, onNearEnd }: ListProps) {
  if (rows.length === 0) return empty ? <p class="empty">{empty}</p> : null;
  return (
    <WindowList
      items={rows}
      rowHeight={ROW_HEIGHT}
      height={height}
      label={label}
      class="experiments"
      {...(testId ? { testId } : {})}
      keyOf={(row) => row.id}
      {...(onNearEnd ? { onNearEnd } : {})}
      render={(row) => <ExperimentItem row={row} me={me} onSharing={onSharing} extra={extra?.(row)} />}
    />
  );
}
