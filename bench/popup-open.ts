/**
 * Popup open → first list paint at 7, 300 and 10,000 experiments in the local index, in real
 * Chromium with the built extension (`npx wxt build` first), against a reference measured in
 * the same run: the same popup of an account with no experiments, from navigation to its
 * painted "No experiments yet." (the page's own load, with nothing to list). The two are
 * opened in turns, so a change of machine load falls on both.
 *
 *   npx tsx bench/popup-open.ts [--sizes 7,300,10000] [--runs 7] [--quick] [--against DIR]
 *
 * `--against DIR` also opens another build's popup (DIR: its `.output/chrome-mv3`, e.g. main's)
 * in the same browser, with the same worker and storage, in turns with ours: on a machine whose
 * load changes by the minute, only a comparison within one run means anything. Its files are
 * copied next to ours (hashed names do not collide; its popup page and prefetch script are
 * renamed) and removed at the end.
 *
 * The entries are seeded with the server stopped (test/e2e/support/seed-index.ts), so live
 * sync never pushes them back. The figure is `performance.now()` in the popup when the first
 * experiment row (or the empty list's text) is in the DOM and a frame has been painted after
 * it (navigation start is 0): a MutationObserver sees the row, then `requestAnimationFrame`
 * and a `setTimeout(0)`, which runs once that frame is produced (a few ms after it, behind
 * whatever tasks were queued first, such as Preact's effects). "drawn from the snapshot" counts
 * the opens whose prefetch script found one (the others waited for the worker).
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
 *
 * Then an empty popup took 93–99 ms, the list nothing more; a blank page of the same extension
 * (bench/popup-phases.ts) 45–70 ms. The rest, in Chromium traces: one round of requests for
 * the page's files to the browser process (answered together, 20–30 ms after they are asked,
 * whatever their size), the script's evaluation (4–11 ms), the snapshot's read from storage (a
 * second round trip, 10–25 ms, started by the prefetch script as soon as it arrives) and the
 * wait for the next frame. Now the stylesheet is in the HTML (one file fewer in that round;
 * wxt.config.ts), and with a snapshot the prefetch script asks the worker nothing before the
 * paint (its three requests, and the worker's answers, competed with the page's own load).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_DIR, launchExtension, type ExtensionBrowser } from '../test/e2e/support/browser.ts';
import { PREFETCH_KEY } from '../extension/ui/popup-prefetch-keys.ts';
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
const against = option('against');
const AGAINST_PAGE = 'popup-against.html';

/** Puts another build's popup into ours as AGAINST_PAGE; returns what to remove afterwards. */
function installAgainst(dir: string): string[] {
  const added: string[] = [];
  for (const sub of ['chunks', 'assets']) {
    for (const name of readdirSync(join(dir, sub))) {
      const to = join(EXTENSION_DIR, sub, name);
      if (existsSync(to)) continue;
      copyFileSync(join(dir, sub, name), to);
      added.push(to);
    }
  }
  const prefetch = join(dir, 'popup-prefetch.js');
  const html = readFileSync(join(dir, 'popup.html'), 'utf8').replace('/popup-prefetch.js', '/popup-prefetch-against.js');
  if (existsSync(prefetch)) copyFileSync(prefetch, join(EXTENSION_DIR, 'popup-prefetch-against.js'));
  writeFileSync(join(EXTENSION_DIR, AGAINST_PAGE), html);
  return [...added, join(EXTENSION_DIR, 'popup-prefetch-against.js'), join(EXTENSION_DIR, AGAINST_PAGE)];
}

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

async function firstPaint(browser: ExtensionBrowser, path = 'popup.html'): Promise<{ ms: number; rows: number; snapshot: boolean }> {
  const page = await browser.open(path);
  await page.waitForFunction(() => (globalThis as { __firstListPaint?: number }).__firstListPaint !== undefined, null, { timeout: 60_000 });
  const ms = await page.evaluate(() => (globalThis as unknown as { __firstListPaint: number }).__firstListPaint);
  // Whether the prefetch script found a snapshot (else the page waited for the worker).
  const snapshot = await page.evaluate(async (key) => (await (globalThis as unknown as Record<string, { snapshot?: Promise<unknown> } | undefined>)[key]?.snapshot) !== undefined, PREFETCH_KEY);
  const rows = await page.getByTestId('experiment-row').count();
  await page.close();
  return { ms, rows, snapshot };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const server = await startTestServer();
  const browsers: ExtensionBrowser[] = [];
  const installed = against ? installAgainst(against) : [];
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
      const theirs: number[] = [];
      let rows = 0;
      let fromSnapshot = 0;
      for (let i = 0; i < runs; i++) {
        const open = await firstPaint(measured);
        figures.push(open.ms);
        rows = open.rows;
        if (open.snapshot) fromSnapshot++;
        references.push((await firstPaint(reference)).ms);
        if (against) theirs.push((await firstPaint(measured, AGAINST_PAGE)).ms);
      }
      await measured.close();
      const ratio = median(figures) / median(references);
      console.log(
        `  ${size.toLocaleString('en').padStart(6)} experiments: median ${median(figures).toFixed(0)} ms (first open ${figures[0]?.toFixed(0)}, min ${Math.min(...figures).toFixed(0)}, max ${Math.max(...figures).toFixed(0)}); ` +
          `empty popup ${median(references).toFixed(0)} ms; ratio ${ratio.toFixed(2)}x; rows drawn ${rows}; drawn from the snapshot ${fromSnapshot}/${runs}`,
      );
      if (against) {
        const differences = figures.map((ms, i) => (theirs[i] ?? NaN) - ms);
        console.log(`         --against build: median ${median(theirs).toFixed(0)} ms (min ${Math.min(...theirs).toFixed(0)}); it minus ours, open by open: median ${median(differences).toFixed(0)} ms`);
      }
      // A long run keeps the reference's worker warm as the measured one is: restart it too.
      await reference.close();
      reference = await reopen(referenceDir);
      browsers.push(reference);
    }
  } finally {
    for (const browser of browsers) await browser.dispose().catch(() => {});
    await server.dispose();
    for (const file of installed) rmSync(file, { force: true });
  }
}

await main();
