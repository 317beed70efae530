import type { Row } from '../../messages.ts';
import { RowIcons, RowPendingMark } from '../icons.tsx';
import { send } from '../rpc.ts';
import { groupByFamily } from './group.ts';

/** The manager's list: each family under its top-most ancestor, linked members indented. */
type Props = { rows: Row[]; me: string; selected: string | null; onSelect: (id: string) => void; onSharing: (id: string) => void };

export function FamilyList({ rows, me, selected, onSelect, onSharing }: Props) {
  if (rows.length === 0) return <p class="empty">No experiments here.</p>;
  return (
    <ul class="families" aria-label="Experiments, linked ones grouped">
      {groupByFamily(rows).map((group) => (
        <li key={group.head.id} class="family">
          <Item row={group.head} depth={0} {...{ me, selected, onSelect, onSharing }} />
          {group.members.length > 0 && (
            <ul aria-label={`Linked to ${group.head.name}`}>
              {group.members.map(({ row, depth }) => (
                <li key={row.id}>
                  <Item row={row} depth={depth} {...{ me, selected, onSelect, onSharing }} />
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

function Item({ row, depth, me, selected, onSelect, onSharing }: Omit<Props, 'rows'> & { row: Row; depth: number }) {
  return (
    <div class={`item${selected === row.id ? ' selected' : ''}`} style={{ paddingLeft: `${depth * 1.25}rem` }} data-testid="experiment-row" data-id={row.id}>
      <button type="button" class="open" aria-current={selected === row.id ? 'true' : undefined} onClick={() => onSelect(row.id)}>
        {row.name}
      </button>
      <RowPendingMark row={row} />
      <RowIcons row={row} />
      {row.isNew && <span class="badge-new">New</span>}
      {row.owner !== me && <span class="owner">by {row.owner}</span>}
      {row.isNew && (
        <button type="button" class="small" onClick={() => void send({ type: 'markViewed', id: row.id }).catch(() => {})} aria-label={`Mark as viewed: ${row.name}`}>
          Mark as viewed
        </button>
      )}
      <button type="button" class="small" onClick={() => onSharing(row.id)} aria-label={`Sharing: ${row.name}`}>Sharing</button>
    </div>
  );
}
