import type { Page } from 'playwright-core';
import { launchExtension, type ExtensionBrowser } from './browser.ts';
import { ManagerPage, PopupPage } from './pages.ts';
import { PASSWORD, type TestServer } from './server.ts';

/** One person: their own browser profile with the extension, signed in to the test server. */
export type Person = {
  name: string;
  browser: ExtensionBrowser;
  popup(): Promise<PopupPage>;
  manager(hash?: string): Promise<ManagerPage>;
};

/** `via` signs in through another URL of the same server (a relay); `profileDir` reopens a profile. */
export async function signedInPerson(server: TestServer, name: string, options: { profileDir?: string | undefined; via?: string; signIn?: boolean } = {}): Promise<Person> {
  const { profileDir, via, signIn = true } = options;
  const browser = await launchExtension(profileDir ? { profileDir } : {});
  const person: Person = {
    name,
    browser,
    async popup() {
      return new PopupPage(await browser.open('popup.html'));
    },
    async manager(hash) {
      return new ManagerPage(await browser.open(`manager.html${hash ? `#${hash}` : ''}`));
    },
  };
  if (!profileDir && signIn) {
    const popup = await person.popup();
    await popup.signIn(via ?? server.url, name, PASSWORD);
    await popup.page.close();
  }
  return person;
}

/** Collects page errors so a test can assert that none happened. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Sends a raw request to the extension's worker from one of its pages, as the UI does. */
export function askWorker(page: Page, message: Record<string, unknown>): Promise<unknown> {
  return page.evaluate((m) => (globalThis as unknown as { chrome: { runtime: { sendMessage(x: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage(m), message);
}
