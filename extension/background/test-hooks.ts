/**
 * Keys of extension storage that only end-to-end tests write, to make a race happen every time.
 * Nothing in the product writes them; a missing key leaves the product unchanged.
 *
 * SLOW_LOAD_KEY: for this many milliseconds after the worker opens its store, no document starts
 * loading from IndexedDB (ExtensionStore): a slow cold start, so the requests of a page opened
 * meanwhile always meet documents still loading.
 */
export const SLOW_LOAD_KEY = 'cytoshare.test.slowLoadMs';
