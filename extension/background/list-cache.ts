import type { ExperimentRow, ListFilter } from '../core/contract.ts';
import { compareRows, type ListSort } from '../core/list-order.ts';
import { matchesWords, searchText, searchWords } from '../../shared/list-search.ts';

/**
 * The worker's answer to "the first page of the list" without recomputing it. Building the
 * list reads every index entry through its schema and sorts them by name: with 10,000
 * experiments that is tens of milliseconds, and the popup, the badge and the Inbox each asked
 * for it on every open. The rows of each filter are computed once and kept, with the text a
 * search matches (list-search.ts) and each order asked for so far, until something they are
 * read from changes.
 *
 * Invariant: a cached answer is never older than the last `invalidate()`. The worker calls it
 * on the core's `list` / `removed` changes and on every update of the documents the list is
 * read from (index, catalog, removed marks), so a write that emits no change is still seen. A
 * computation that was running when the cache was invalidated is not kept.
 */
/** `texts` and `orders` are made when first needed: the popup's first page needs neither. */
type Entry = { rows: ExperimentRow[]; texts: Map<ExperimentRow, string> | null; orders: Map<ListSort, ExperimentRow[]> };

export type ListQuery = {
  filter: ListFilter;
  search?: string | undefined;
  projectId?: string | undefined;
  ids?: string[] | undefined;
  /** The core's order (by name) when absent. */
  sort?: ListSort | undefined;
};

export class ListCache {
  private readonly entries = new Map<ListFilter, Promise<Entry>>();
  private generation = 0;

  /** `onInvalidate`: told of every invalidation, for what is kept outside the worker (the popup's snapshot). */
  constructor(
    private readonly compute: (filter: ListFilter) => Promise<ExperimentRow[]>,
    private readonly onInvalidate?: () => void,
  ) {}

  invalidate(): void {
    this.generation++;
    this.entries.clear();
    this.onInvalidate?.();
  }

  /** Every row of a filter, sorted as the core sorts them. */
  async rows(filter: ListFilter): Promise<ExperimentRow[]> {
    return (await this.entry(filter)).rows;
  }

  /** The rows matching a query: search and project narrow the cached, already sorted rows. */
  async query(query: ListQuery): Promise<ExperimentRow[]> {
    const entry = await this.entry(query.filter);
    const rows = query.sort ? ordered(entry, query.sort) : entry.rows;
    const words = searchWords(query.search);
    const wanted = query.ids ? new Set(query.ids) : null;
    if (words.length === 0 && query.projectId === undefined && !wanted) return rows;
    const texts = words.length > 0 ? (entry.texts ??= new Map(entry.rows.map((r) => [r, searchText(r)]))) : null;
    const out: ExperimentRow[] = [];
    for (const row of rows) {
      if (texts && !matchesWords(texts.get(row) ?? '', words)) continue;
      if (query.projectId !== undefined && row.projectId !== query.projectId) continue;
      if (wanted && !wanted.has(row.id)) continue;
      out.push(row);
    }
    return out;
  }

  private entry(filter: ListFilter): Promise<Entry> {
    const cached = this.entries.get(filter);
    if (cached) return cached;
    const started = this.generation;
    const pending = this.compute(filter).then((rows) => ({ rows, texts: null, orders: new Map() }));
    this.entries.set(filter, pending);
    // A failed or outdated computation must not stay cached.
    pending.then(
      () => {
        if (started !== this.generation && this.entries.get(filter) === pending) this.entries.delete(filter);
      },
      () => {
        if (this.entries.get(filter) === pending) this.entries.delete(filter);
      },
    );
    return pending;
  }
}

function ordered(entry: Entry, sort: ListSort): ExperimentRow[] {
  const known = entry.orders.get(sort);
  if (known) return known;
  const rows = [...entry.rows].sort(compareRows(sort));
  entry.orders.set(sort, rows);
  return rows;
}
