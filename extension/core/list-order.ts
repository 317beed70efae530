/**
 * How experiment lists are ordered, in the worker (the popup's and the manager's pages), the
 * core and the CLI alike. Names compare the way people read them: "Batch 2" before "Batch 10",
 * accents and case ignored, in the user's locale.
 */
export const LIST_SORTS = ['changed', 'name', 'owner'] as const;
export type ListSort = (typeof LIST_SORTS)[number];
/** Newest first: what changed last is what a user most often comes back to. */
export const DEFAULT_SORT: ListSort = 'changed';

// Made on first use: the popup's prefetch script imports only the constants above.
let collator: Intl.Collator | null = null;

export function naturalCompare(a: string, b: string): number {
  collator ??= new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  return collator.compare(a, b);
}

/** The fields a row is ordered by; `changedAt` is null where the server has not said (older servers). */
export type Sortable = { id: string; name: string; owner: string; changedAt?: number | null | undefined };

const byName = (a: Sortable, b: Sortable) => naturalCompare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A total order for `sort`: ties fall back to the name, then the id, so a list never reshuffles. */
export function compareRows(sort: ListSort): (a: Sortable, b: Sortable) => number {
  switch (sort) {
    case 'name':
      return byName;
    case 'owner':
      return (a, b) => naturalCompare(a.owner, b.owner) || byName(a, b);
    case 'changed':
      return (a, b) => (b.changedAt ?? -Infinity) - (a.changedAt ?? -Infinity) || byName(a, b);
    default: {
      const exhaustive: never = sort;
      return exhaustive;
    }
  }
}
