import { browser } from 'wxt/browser';
import type { ResponseOf } from '../messages.ts';
import { PopupSnapshot } from '../popup-snapshot.ts';
import { FIRST_PAGE, POPUP_SNAPSHOT_KEY, PREFETCH_KEY, type Prefetched } from './popup-prefetch-keys.ts';
import { readAnswer } from './lazy-rpc.ts';

export { FIRST_PAGE };

/**
 * The popup's first page: the snapshot and the answers the prefetch script
 * (entrypoints/popup-prefetch.ts) asked for while the page was loading, taken once each;
 * afterwards, or when there is no prefetch (another browser, a test page), the UI asks itself.
 * Everything is parsed here: the snapshot with its small schema, the answers with the same
 * schemas as every answer (loaded with rpc.ts, after the first paint).
 */
type Key = Exclude<keyof Prefetched, 'snapshot'>;

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

/** The snapshot the worker left for this popup, or null (none, unreadable, or not a snapshot). */
export async function firstSnapshot(): Promise<PopupSnapshot | null> {
  const raw = prefetched ? await prefetched.snapshot.catch(() => undefined) : await readSnapshot();
  const parsed = PopupSnapshot.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

async function readSnapshot(): Promise<unknown> {
  const items: Record<string, unknown> = await browser.storage.session.get(POPUP_SNAPSHOT_KEY).catch(() => ({}));
  return items[POPUP_SNAPSHOT_KEY];
}
