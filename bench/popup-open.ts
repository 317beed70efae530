/**
 * Popup open → first list paint at 7, 300 and 10,000 experiments in the local index, in real
 * Chromium with the built extension (`npx wxt build` first), against a reference measured in
 * the same run: the same popup of an account with no experiments, from navigation to its
 * painted "No experiments yet." (the page's own load, with nothing to list). The two are
 * opened in turns, so a change of machine load falls on both.
 *
 *   npx tsx bench/popup-open.ts [--sizes 7,300,10000] [--runs 7] [--quick]
 *
 * The entries are seeded with the server stopped (test/e2e/support/seed-index.ts), so live
 * sync never pushes them back. The figure is `performance.now()` in the popup when the first
 * experiment row (or the empty list's text) is in the DOM and a frame has been painted after
 * it (navigation start is 0).
 *
 * Where the time went (183 ms median before, 2 cores under load): every open computed the whole
 * list three times in the worker (list, Inbox, badge: 10,000 index entries through their schema,
 * then sorted), asked for it only after a first `state` round trip, waited a frame per step
 * (effects run after paint), then parsed and rendered 200 rows of which about 15 are visible.
 * Now: the worker answers from a list cache kept up to date on every change of the documents it
 * is read from (background/list-cache.ts, ~2 ms per answer, each order sorted once); a classic
 * script sends the first requests, in the remembered order, while the page is still parsing
 * (entrypoints/popup-prefetch.ts); the UI asks for a first page of 24 rows and renders only the
 * visible window (ui/window-list.tsx).
 *
 * Then the page's own load was most of it (an empty popup 105–145 ms): its first script was 180 KB
 * (zod and every message schema, ~97 KB of it zod, evaluated before anything was drawn), and
 * nothing could be drawn before the worker answered. Now the worker keeps the popup's first
 * screen in `storage.session` (background/popup-snapshot-writer.ts, dropped on every list change),
 * the prefetch script reads it, and the popup's first script (Preact, the list view, zod/mini:
 * ~90 KB, 2–3 ms to evaluate) draws it; zod, the schemas and the rest load after that paint.
 */
import { launchExtension, type ExtensionBrowser } from '../test/e2e/support/browser.ts';
import { PopupPage } from '../test/e2e/support/pages.ts';
import { seedIndex, syntheticEntries } from '../test/e2e/support/seed-index.ts';
import { PASSWORD, startTestServer, type TestServer } from '../test/e2e/support/server.ts';

const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const quick = process.argv.includes('--quick');
const sizes = (option('sizes') ?? (quick ? '7,300,1000' : '7,300,10000')).split(',').map(Number);
const runs = Number(option('runs') ?? (quick ? 3 : 7));

const PAINT_PROBE = `
  new MutationObserver((_, observer) => {
    if (!document.querySelector('[data-testid="experiment-row"], section.list p.empty')) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { globalThis.__firstListPaint = performance.now(); }, 0));
  }).observe(document, { childList: true, subtree: true });
`;

async function signedIn(server: TestServer, username: string): Promise<string> {
  await server.addUser(username);
  const browser = await launchExtension();
  const popup = new PopupPage(await browser.open('popup.html'));
  await popup.signIn(server.url, username, PASSWORD);
  await new Promise((r) => setTimeout(r, 1_000));
  await browser.close();
  return browser.profileDir;
}

async function reopen(profileDir: string): Promise<ExtensionBrowser> {
  const browser = await launchExtension({ profileDir });
  await browser.context.addInitScript({ content: PAINT_PROBE });
  return browser;
}

async function firstPaint(browser: ExtensionBrowser): Promise<{ ms: number; rows: number }> {
  const page = await browser.open('popup.html');
  await page.waitForFunction(() => (globalThis as { __firstListPaint?: number }).__firstListPaint !== undefined, null, { timeout: 60_000 });
  const ms = await page.evaluate(() => (globalThis as unknown as { __firstListPaint: number }).__firstListPaint);
  const rows = await page.getByTestId('experiment-row').count();
  await page.close();
  return { ms, rows };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const server = await startTestServer();
  const browsers: ExtensionBrowser[] = [];
  try {
    const measuredDir = await signedIn(server, 'alice');
    const referenceDir = await signedIn(server, 'erin');
    await server.stop();
    let reference = await reopen(referenceDir);
    browsers.push(reference);
    let seeded = 0;
    console.log(`popup open → first list paint, ${runs} opens per size, in turns with the reference (an empty popup)`);
    for (const size of sizes) {
      const seeding = await launchExtension({ profileDir: measuredDir });
      await seedIndex(await seeding.open('popup.html'), server.port, 'alice', syntheticEntries(size - seeded, seeded));
      await seeding.close();
      seeded = size;
      const measured = await reopen(measuredDir);
      browsers.push(measured);
      const figures: number[] = [];
      const references: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs; i++) {
        const open = await firstPaint(measured);
        figures.push(open.ms);
        rows = open.rows;
        references.push((await firstPaint(reference)).ms);
      }
      await measured.close();
      const ratio = median(figures) / median(references);
      console.log(
        `  ${size.toLocaleString('en').padStart(6)} experiments: median ${median(figures).toFixed(0)} ms (first open ${figures[0]?.toFixed(0)}, min ${Math.min(...figures).toFixed(0)}, max ${Math.max(...figures).toFixed(0)}); ` +
          `empty popup ${median(references).toFixed(0)} ms; ratio ${ratio.toFixed(2)}x; rows drawn ${rows}`,
      );
      // A long run keeps the reference's worker warm as the measured one is: restart it too.
      await reference.close();
      reference = await reopen(referenceDir);
      browsers.push(reference);
    }
  } finally {
    for (const browser of browsers) await browser.dispose().catch(() => {});
    await server.dispose();
  }
}

await main();
