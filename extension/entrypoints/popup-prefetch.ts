import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { FIRST_PAGE, PREFETCH_KEY, readPopupSnapshot, rememberedSort, type FirstAnswers, type Prefetched } from '../ui/popup-prefetch-keys.ts';

/**
 * A classic script the popup's HTML runs while it is still being parsed: it reads the popup's
 * snapshot (popup-snapshot.ts) before the UI's modules arrive, so the UI draws it as soon as it
 * runs. It imports nothing at run time and only asks; the UI parses what comes back
 * (popup-first-page.ts).
 *
 * The worker's first answers are asked for here only when there is no snapshot: with one, the
 * first paint needs nothing from the worker, and three requests (and, were it stopped, the
 * worker's start) would compete with the page's own loading in the browser process; the UI then
 * asks after its first paint.
 */
export default defineUnlistedScript(() => {
  const api = (globalThis as unknown as { browser?: Api; chrome?: Api }).browser ?? (globalThis as unknown as { chrome: Api }).chrome;
  const ask = (message: Record<string, unknown>): Promise<unknown> => {
    const answer = api.runtime.sendMessage(message);
    answer.catch(() => {});
    return answer;
  };
  const snapshot = readPopupSnapshot(api.storage);
  const answers = snapshot.then(
    (found): FirstAnswers | null => (found === undefined ? firstAnswers(ask) : null),
    () => firstAnswers(ask),
  );
  const prefetched: Prefetched = { snapshot, answers };
  snapshot.catch(() => {});
  (globalThis as unknown as Record<string, Prefetched>)[PREFETCH_KEY] = prefetched;
});

function firstAnswers(ask: (message: Record<string, unknown>) => Promise<unknown>): FirstAnswers {
  return {
    state: ask({ type: 'state' }),
    list: ask({ type: 'list', filter: 'all', search: '', limit: FIRST_PAGE, sort: rememberedSort() }),
    inbox: ask({ type: 'inbox', limit: FIRST_PAGE }),
  };
}

type Area = { get(key: string): Promise<Record<string, unknown>> };
type Api = {
  runtime: { sendMessage(message: unknown): Promise<unknown> };
  storage: { session: Area; local: Area };
};
