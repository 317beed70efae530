import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { FIRST_PAGE, POPUP_SNAPSHOT_KEY, PREFETCH_KEY, rememberedSort, type Prefetched } from '../ui/popup-prefetch-keys.ts';

/**
 * A classic script the popup's HTML runs while it is still being parsed: it reads the popup's
 * snapshot (popup-snapshot.ts) and sends the popup's first questions to the worker before the
 * UI's modules are fetched and evaluated, so both are ready when the UI wants them. It imports
 * nothing at run time and only asks; the UI parses what comes back (popup-first-page.ts).
 */
export default defineUnlistedScript(() => {
  const api = (globalThis as unknown as { browser?: Runtime; chrome?: Runtime }).browser ?? (globalThis as unknown as { chrome: Runtime }).chrome;
  const ask = (message: Record<string, unknown>): Promise<unknown> => {
    const answer = api.runtime.sendMessage(message);
    answer.catch(() => {});
    return answer;
  };
  const prefetched: Prefetched = {
    // Storage answers without the worker, which may be stopped and slow to start.
    snapshot: api.storage.session.get(POPUP_SNAPSHOT_KEY).then((items) => items[POPUP_SNAPSHOT_KEY]),
    state: ask({ type: 'state' }),
    list: ask({ type: 'list', filter: 'all', search: '', limit: FIRST_PAGE, sort: rememberedSort() }),
    inbox: ask({ type: 'inbox', limit: FIRST_PAGE }),
  };
  prefetched.snapshot.catch(() => {});
  (globalThis as unknown as Record<string, Prefetched>)[PREFETCH_KEY] = prefetched;
});

type Runtime = {
  runtime: { sendMessage(message: unknown): Promise<unknown> };
  storage: { session: { get(key: string): Promise<Record<string, unknown>> } };
};
