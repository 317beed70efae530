/**
 * Diagnostic for bench/popup-open.ts: where the empty popup's open goes. Opens the popup of an
 * account with no experiments and, as the floor, a blank page of the same extension (no script,
 * no stylesheet: what Chromium itself takes to open an extension page here, Playwright's init
 * scripts included), in turns, and prints the median of each point of the page's timeline:
 * navigation timing, paint timing, and the probe's own marks (the document created, #app filled,
 * the list in the DOM, the next animation frame, the first list paint as popup-open.ts measures
 * it). `--trace FILE` also writes a Chromium trace of one more popup open (Perfetto or
 * chrome://tracing open it; the renderer's main thread shows the navigation commit, the
 * requests for the page's files and their answers, script evaluation and the frames).
 *
 *   npx wxt build && npx tsx bench/popup-phases.ts [--runs 9] [--pages popup.html,blank.html] [--trace /tmp/popup.json]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_DIR, launchExtension, type ExtensionBrowser } from '../test/e2e/support/browser.ts';
import { PopupPage } from '../test/e2e/support/pages.ts';
import { PASSWORD, startTestServer } from '../test/e2e/support/server.ts';

const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const runs = Number(option('runs') ?? 9);
const pages = (option('pages') ?? 'popup.html,blank.html').split(',');
const traceFile = option('trace');
const BLANK = join(EXTENSION_DIR, 'blank.html');

const PROBE = `
  globalThis.__phases = { document: performance.now() };
  new MutationObserver((_, observer) => {
    const p = globalThis.__phases;
    if (p.app === undefined && document.querySelector('#app > *')) p.app = performance.now();
    if (!document.querySelector('[data-testid="experiment-row"], section.list p.empty')) return;
    observer.disconnect();
    p.list = performance.now();
    requestAnimationFrame(() => {
      p.frame = performance.now();
      setTimeout(() => { p.painted = performance.now(); performance.mark('listPainted'); }, 0);
    });
  }).observe(document, { childList: true, subtree: true });
`;
const painted = 'globalThis.__phases?.painted !== undefined';

async function timeline(browser: ExtensionBrowser, path: string): Promise<Record<string, number>> {
  const page = await browser.open(path);
  await page.waitForFunction(painted, null, { timeout: 60_000 });
  const points = await page.evaluate(() => {
    const out: Record<string, number> = {};
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    if (nav) for (const key of ['responseEnd', 'domInteractive', 'domContentLoadedEventEnd', 'loadEventEnd'] as const) out[key] = nav[key];
    for (const entry of performance.getEntriesByType('paint')) out[entry.name] = entry.startTime;
    for (const [key, value] of Object.entries((globalThis as unknown as { __phases: Record<string, number> }).__phases)) out[`probe: ${key}`] = value;
    return out;
  });
  await page.close();
  return points;
}

async function trace(browser: ExtensionBrowser, file: string): Promise<void> {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  const events: unknown[] = [];
  cdp.on('Tracing.dataCollected', ({ value }: { value: unknown[] }) => events.push(...value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'loading', 'navigation', 'v8', 'blink.user_timing', 'toplevel', 'extensions'];
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: categories }, transferMode: 'ReportEvents' });
  await page.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  await page.waitForFunction(painted, null, { timeout: 60_000 });
  await cdp.send('Tracing.end');
  await complete;
  writeFileSync(file, JSON.stringify({ traceEvents: events }));
  await page.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function print(label: string, all: Record<string, number>[]): void {
  const keys = [...new Set(all.flatMap((points) => Object.keys(points)))];
  const rows = keys.map((key) => [key, median(all.flatMap((points) => (points[key] === undefined ? [] : [points[key]])))] as const);
  console.log(`${label} (medians, ms from navigation start):`);
  for (const [key, ms] of rows.sort((a, b) => a[1] - b[1])) console.log(`  ${ms.toFixed(1).padStart(7)}  ${key}`);
}

const server = await startTestServer();
writeFileSync(BLANK, '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>blank</title></head><body><section class="list"><p class="empty">Nothing.</p></section></body></html>');
try {
  await server.addUser('erin');
  const first = await launchExtension();
  await new PopupPage(await first.open('popup.html')).signIn(server.url, 'erin', PASSWORD);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await first.close();
  await server.stop();
  const browser = await launchExtension({ profileDir: first.profileDir });
  await browser.context.addInitScript({ content: PROBE });
  const all = new Map(pages.map((path) => [path, [] as Record<string, number>[]]));
  for (let i = 0; i < runs; i++) for (const path of pages) all.get(path)?.push(await timeline(browser, path));
  for (const path of pages) print(path, all.get(path) ?? []);
  if (traceFile) await trace(browser, traceFile);
  await browser.dispose();
} finally {
  rmSync(BLANK, { force: true });
  await server.dispose();
}
