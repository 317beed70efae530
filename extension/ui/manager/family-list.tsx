import { useLayoutEffect, useMemo } from 'preact/hooks';
import type { Row } from '../../messages.ts';
import { RowIcons, RowPendingMark } from '../icons.tsx';
import { send } from '../rpc.ts';
import { rowsOfHeights, useWindowed } from '../window-list.tsx';
import { groupByFamily } from './group.ts';

/**
 * The manager's list: each family under its top-most ancestor, linked members indented. It is
 * windowed by family (window-list.tsx): only the families in view are built, so ten thousand
 * experiments cost the page a few dozen rows.
 */
type Props = { rows: Row[]; me: string; selected: string | null; onSelect: (id: string) => void; onSharing: (id: string) => void };

/** One row's height in pixels, as `.families .item` sets it in CSS. */
const ITEM_HEIGHT = 36;
/** First guess of the visible height; the list's CSS max-height decides. */
const GUESS_HEIGHT = 600;

export function FamilyList({ rows, me, selected, onSelect, onSharing }: Props) {
  const groups = useMemo(() => groupByFamily(rows), [rows]);
  const layout = useMemo(() => rowsOfHeights(groups.map((g) => (1 + g.members.length) * ITEM_HEIGHT)), [groups]);
  const w = useWindowed<HTMLUListElement>(layout, GUESS_HEIGHT);
  // Opened at an experiment (from the popup, `#exp=`): its family is scrolled into view.
  const at = selected === null ? -1 : groups.findIndex((g) => g.head.id === selected || g.members.some((m) => m.row.id === selected));
  useLayoutEffect(() => {
    if (at >= 0) w.reveal(at);
  }, [selected, at >= 0]);
  if (rows.length === 0) return <p class="empty">No experiments here.</p>;
  return (
    <ul ref={w.ref} class="families" aria-label="Experiments, linked ones grouped" onScroll={w.onScroll}>
      {w.before > 0 && <li aria-hidden="true" class="spacer" style={{ height: `${w.before}px` }} />}
      {groups.slice(w.first, w.last).map((group, i) => (
        <li key={group.head.id} class="family" aria-setsize={groups.length} aria-posinset={w.first + i + 1}>
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
      {w.after > 0 && <li aria-hidden="true" class="spacer" style={{ height: `${w.after}px` }} />}
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
