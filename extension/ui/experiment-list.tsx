import type { ComponentChildren } from 'preact';
import type { Row } from '../messages.ts';
import { RowIcons } from './icons.tsx';

/**
 * A list of experiment rows: name with its icons (public, curated, shared with others), the
 * owner when it is someone else, and a Sharing button. `extra` adds per-row actions.
 */
export function ExperimentItem({ row, me, onSharing, extra }: { row: Row; me: string; onSharing: (id: string) => void; extra?: ComponentChildren }) {
  return (
    <li class="experiment" data-testid="experiment-row" data-id={row.id}>
      <span class="name">
        {row.name}
        <RowIcons row={row} />
      </span>
      {row.owner !== me && <span class="owner">by {row.owner}</span>}
      <span class="actions">
        {extra}
        <button type="button" onClick={() => onSharing(row.id)} aria-label={`Sharing: ${row.name}`}>
          Sharing
        </button>
      </span>
    </li>
  );
}

export function ExperimentList({ rows, me, label, onSharing, empty }: { rows: Row[]; me: string; label: string; onSharing: (id: string) => void; empty: string }) {
  if (rows.length === 0) return <p class="empty">{empty}</p>;
  return (
    <ul class="experiments" aria-label={label}>
      {rows.map((row) => (
        <ExperimentItem key={row.id} row={row} me={me} onSharing={onSharing} />
      ))}
    </ul>
  );
}
