/**
 * What the popup's prefetch script and its UI agree on. No imports: the prefetch script
 * (entrypoints/popup-prefetch.ts) must stay a few hundred bytes that run before anything else.
 */
export const FIRST_PAGE = 24;
export const PREFETCH_KEY = '__cytosharePrefetch';
export type Prefetched = { state: Promise<unknown>; list: Promise<unknown>; inbox: Promise<unknown> };
