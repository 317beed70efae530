import { DEFAULT_SORT, LIST_SORTS, type ListSort } from '../core/list-order.ts';

/**
 * What the popup's prefetch script and its UI agree on. Constants only: the prefetch script
 * (entrypoints/popup-prefetch.ts) must stay a few hundred bytes that run before anything else.
 */
export const FIRST_PAGE = 24;
export const PREFETCH_KEY = '__cytosharePrefetch';
/** The popup's snapshot in `storage.session` and `storage.local` (popup-snapshot.ts). */
export const POPUP_SNAPSHOT_KEY = 'cytoshare.popupSnapshot';
/** The worker's first answers, as they came (unparsed). */
export type FirstAnswers = { state: Promise<unknown>; list: Promise<unknown>; inbox: Promise<unknown> };
/**
 * The snapshot as read from storage (unparsed: it holds a record, or nothing), and the worker's
 * first answers, asked for only when there is no snapshot (null otherwise: see the script).
 */
export type Prefetched = { snapshot: Promise<unknown>; answers: Promise<FirstAnswers | null> };

type SnapshotAreas = Record<'session' | 'local', { get(key: string): Promise<Record<string, unknown>> }>;

/**
 * The popup's snapshot as stored (unparsed): this browser session's, or after a browser start,
 * when the session holds none, the copy the worker keeps on disk.
 */
// `areas`, not `storage`: with an identifier of that name WXT bundles its own storage module
// into the prefetch script (10 kB instead of 1).
export async function readPopupSnapshot(areas: SnapshotAreas): Promise<unknown> {
  const read = async (area: keyof SnapshotAreas) => (await areas[area].get(POPUP_SNAPSHOT_KEY))[POPUP_SNAPSHOT_KEY];
  return (await read('session')) ?? (await read('local'));
}

/** Where the chosen list order is remembered (the popup and the manager share it). */
export const SORT_KEY = 'cytoshare.listSort';

/**
 * The remembered order. Checked against the closed list of orders rather than with zod, which
 * the prefetch script must not load; anything else (or no storage) is the default.
 */
export function rememberedSort(): ListSort {
  let stored: string | null = null;
  try {
    stored = globalThis.localStorage?.getItem(SORT_KEY) ?? null;
  } catch {
    // Storage can be switched off; the default order is then used.
  }
  return LIST_SORTS.find((sort) => sort === stored) ?? DEFAULT_SORT;
}

export function rememberSort(sort: ListSort): void {
  try {
    globalThis.localStorage?.setItem(SORT_KEY, sort);
  } catch {
    // Not remembered then; the choice still applies to this page.
  }
}
