import { useState } from 'preact/hooks';
import { LIST_SORTS, type ListSort } from '../core/list-order.ts';
import { rememberedSort, rememberSort } from './popup-prefetch-keys.ts';

/**
 * The search box and the order picker above the experiment lists of the popup and the manager:
 * what a search matches and how orders compare is the worker's (list-search.ts, list-order.ts);
 * this holds what the user typed and chose, the choice remembered for both pages.
 */
export type ListTools = { search: string; setSearch: (search: string) => void; sort: ListSort; setSort: (sort: ListSort) => void };

export function useListTools(): ListTools {
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<ListSort>(rememberedSort);
  return { search, setSearch, sort, setSort };
}

const SORT_WORDS: Record<ListSort, string> = { changed: 'Last change', name: 'Name', owner: 'Owner' };

export function ListToolbar({ tools }: { tools: ListTools }) {
  return (
    <div class="list-tools">
      <label class="search">
        Search experiments
        <input type="search" value={tools.search} placeholder="name, owner or tag" onInput={(e) => tools.setSearch(e.currentTarget.value)} />
      </label>
      <label class="sort">
        Sort by
        <select
          value={tools.sort}
          onChange={(e) => {
            const chosen = LIST_SORTS.find((s) => s === e.currentTarget.value);
            if (!chosen) return;
            rememberSort(chosen);
            tools.setSort(chosen);
          }}
        >
          {LIST_SORTS.map((s) => <option key={s} value={s}>{SORT_WORDS[s]}</option>)}
        </select>
      </label>
    </div>
  );
}
