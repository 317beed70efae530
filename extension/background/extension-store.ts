import { browser } from 'wxt/browser';
import { BrowserStore } from '../core/browser-store.ts';
import { StoredSession } from '../core/store.ts';

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

export class ExtensionStore extends BrowserStore {
  override async loadSession(): Promise<StoredSession | null> {
    return readStoredSession();
  }

  override async saveSession(session: StoredSession | null): Promise<void> {
    if (session === null) await browser.storage.local.remove(SESSION_KEY);
    else await browser.storage.local.set({ [SESSION_KEY]: session });
  }
}
