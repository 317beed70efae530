import type { ListSort } from '../core/list-order.ts';
import { LIST_SORTS } from '../core/list-order.ts';
import { rememberSort } from './popup-prefetch-keys.ts';

/** The list order picker of the popup and the manager; the choice is remembered for both. */
const SORT_WORDS: Record<ListSort, string> = { changed: 'Last change', name: 'Name', owner: 'Owner' };

export function SortChoice({ sort, onSort }: { sort: ListSort; onSort: (sort: ListSort) => void }) {
  return (
    <label class="sort">
      Sort by
      <select
        value={sort}
        onChange={(e) => {
          const chosen = LIST_SORTS.find((s) => s === e.currentTarget.value);
          if (!chosen) return;
          rememberSort(chosen);
          onSort(chosen);
        }}
      >
        {LIST_SORTS.map((s) => <option key={s} value={s}>{SORT_WORDS[s]}</option>)}
      </select>
    </label>
  );
}
