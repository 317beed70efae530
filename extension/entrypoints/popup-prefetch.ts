import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { FIRST_PAGE, PREFETCH_KEY, rememberedSort, type Prefetched } from '../ui/popup-prefetch-keys.ts';

/**
 * A classic script the popup's HTML runs while it is still being parsed: it sends the popup's
 * first questions to the worker before the UI's module graph (Preact, zod, the schemas) is
 * fetched and evaluated, so the answers are ready when the UI wants them. It imports nothing
 * at run time and only asks; the UI parses the answers like any other (rpc.ts `readAnswer`).
 */
export default defineUnlistedScript(() => {
  const api = (globalThis as unknown as { browser?: Runtime; chrome?: Runtime }).browser ?? (globalThis as unknown as { chrome: Runtime }).chrome;
  const ask = (message: Record<string, unknown>): Promise<unknown> => {
    const answer = api.runtime.sendMessage(message);
    answer.catch(() => {});
    return answer;
  };
  const prefetched: Prefetched = {
    state: ask({ type: 'state' }),
    list: ask({ type: 'list', filter: 'all', search: '', limit: FIRST_PAGE, sort: rememberedSort() }),
    inbox: ask({ type: 'inbox', limit: FIRST_PAGE }),
  };
  (globalThis as unknown as Record<string, Prefetched>)[PREFETCH_KEY] = prefetched;
});

type Runtime = { runtime: { sendMessage(message: unknown): Promise<unknown> } };
