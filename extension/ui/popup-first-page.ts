import type { ResponseOf } from '../messages.ts';
import { FIRST_PAGE, PREFETCH_KEY, type Prefetched } from './popup-prefetch-keys.ts';
import { readAnswer } from './rpc.ts';

export { FIRST_PAGE };

/**
 * The popup's first page: the answers the prefetch script (entrypoints/popup-prefetch.ts) asked
 * for while the page was loading, taken once each; afterwards, or when there is no prefetch
 * (another browser, a test page), the UI asks the worker itself. The prefetched envelopes are
 * parsed here with the same schemas as every answer.
 */
type Key = keyof Prefetched;

const prefetched = (globalThis as unknown as Record<string, Prefetched | undefined>)[PREFETCH_KEY];
const used = new Set<Key>();

// Signed out at first: whoever signs in next must get fresh lists, not the refused ones.
prefetched?.state.then((raw) => {
  if ((raw as { value?: { account?: unknown } } | null)?.value?.account === null) {
    used.add('list');
    used.add('inbox');
  }
}, () => {});

export function once<K extends Key>(key: K, load: () => Promise<ResponseOf<K>>): Promise<ResponseOf<K>> {
  if (!prefetched || used.has(key)) return load();
  used.add(key);
  // A lost answer (the worker restarted meanwhile) is asked again the ordinary way.
  return prefetched[key].then((raw) => readAnswer(key, raw), () => load());
}


