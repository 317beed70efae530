import { browser } from 'wxt/browser';
import type { ResponseOf } from '../messages.ts';
import { PopupSnapshot } from '../popup-snapshot.ts';
import { readAnswer } from './lazy-rpc.ts';
import { FIRST_PAGE, PREFETCH_KEY, readPopupSnapshot, type FirstAnswers, type Prefetched } from './popup-prefetch-keys.ts';

export { FIRST_PAGE };

/**
 * The popup's first page: the snapshot and, when there was none, the answers the prefetch
 * script (entrypoints/popup-prefetch.ts) asked for while the page was loading, taken once each;
 * afterwards, or when nothing was asked early (a snapshot was found, another browser, a test
 * page), the UI asks itself. Everything is parsed here: the snapshot with its small schema, the
 * answers with the same schemas as every answer (loaded with rpc.ts, after the first paint).
 */
type Key = keyof FirstAnswers;

const prefetched = (globalThis as unknown as Record<string, Prefetched | undefined>)[PREFETCH_KEY];
const used = new Set<Key>();

// Signed out at first: whoever signs in next must get fresh lists, not the refused ones.
void prefetched?.answers.then((answers) =>
  answers?.state.then((raw) => {
    if ((raw as { value?: { account?: unknown } } | null)?.value?.account === null) {
      used.add('list');
      used.add('inbox');
    }
  }),
).catch(() => {});

export function once<K extends Key>(key: K, load: () => Promise<ResponseOf<K>>): Promise<ResponseOf<K>> {
  if (!prefetched || used.has(key)) return load();
  used.add(key);
  // A lost answer (the worker restarted meanwhile) is asked again the ordinary way.
  return prefetched.answers.then((answers) => (answers ? answers[key].then((raw) => readAnswer(key, raw), () => load()) : load()));
}

/** The snapshot the worker left for this popup, or null (none, unreadable, or not a snapshot). */
export async function firstSnapshot(): Promise<PopupSnapshot | null> {
  const raw = await (prefetched?.snapshot ?? readPopupSnapshot(browser.storage)).catch(() => undefined);
  const parsed = PopupSnapshot.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
