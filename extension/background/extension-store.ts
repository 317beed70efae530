import { browser } from 'wxt/browser';
import { BrowserStore } from '../core/browser-store.ts';
import { StoredSession } from '../core/store.ts';
import { SLOW_LOAD_KEY } from './test-hooks.ts';

/**
 * The browser store, except that the session (and so the token) lives in extension storage,
 * which only the extension's own pages and worker can read, and never in IndexedDB.
 */
export const SESSION_KEY = 'cytoshare.session';

export async function readStoredSession(): Promise<StoredSession | null> {
  const raw = (await browser.storage.local.get(SESSION_KEY))[SESSION_KEY];
  if (raw === undefined) return null;
  const parsed = StoredSession.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** The test hook of test-hooks.ts, read once per store. */
async function slowLoadMs(): Promise<number> {
  const raw = (await browser.storage.local.get(SLOW_LOAD_KEY))[SLOW_LOAD_KEY];
  return typeof raw === 'number' && Number.isFinite(raw) && raw > 0 ? Math.min(raw, 10_000) : 0;
}

export class ExtensionStore extends BrowserStore {
  constructor(prefix: string) {
    // Loads asked for in the store's first moments wait until the moment has passed: the worker's
    // cold start is slow, later loads are not.
    const until = slowLoadMs().then((ms) => Date.now() + ms, () => 0);
    super(prefix, {
      beforeLoad: async () => {
        const wait = (await until) - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      },
    });
  }

  override async loadSession(): Promise<StoredSession | null> {
    return readStoredSession();
  }

  override async saveSession(session: StoredSession | null): Promise<void> {
    if (session === null) await browser.storage.local.remove(SESSION_KEY);
    else await browser.storage.local.set({ [SESSION_KEY]: session });
  }
}
