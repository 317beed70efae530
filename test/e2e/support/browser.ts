import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Launches Debian's Chromium with the built extension (`.output/chrome-mv3`) in its own profile.
 * Playwright passes `--disable-extensions` unless both extension flags are given. The profile
 * directory can be kept and handed to a second launch, which is how a test "closes and reopens
 * the browser" with its IndexedDB and extension storage intact.
 */
export const EXTENSION_DIR = resolve('.output/chrome-mv3');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type ExtensionBrowser = {
  context: BrowserContext;
  extensionId: string;
  profileDir: string;
  /** Opens an extension page (`popup.html`, `manager.html`) in a new tab. */
  open(path: string): Promise<Page>;
  /** Closes the browser; the profile stays until `dispose`. */
  close(): Promise<void>;
  /** Closes the browser and deletes the profile. */
  dispose(): Promise<void>;
};

export async function launchExtension(options: { profileDir?: string } = {}): Promise<ExtensionBrowser> {
  const profileDir = options.profileDir ?? mkdtempSync(join(tmpdir(), 'cytoshare-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1100, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-extensions-except=${EXTENSION_DIR}`,
      `--load-extension=${EXTENSION_DIR}`,
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionId = new URL(worker.url()).host;
  if (process.env.E2E_DEBUG) worker.on('console', (m) => console.log(`[worker ${profileDir.slice(-6)}] ${m.type()}: ${m.text()}`));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await context.close();
  };
  return {
    context,
    extensionId,
    profileDir,
    async open(path) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      return page;
    },
    close,
    async dispose() {
      await close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
