/**
 * From an FCS file in the browser to a painted density plot, in real Chromium (Debian's, as the
 * e2e tests use), against fetching the same bytes and reading every value once.
 *
 *   npx tsx bench/plot-paint.ts [--events N] [--runs N]
 *
 * Bundles bench/lib/plot-paint-page.ts (parseFcs, densityOfEvents and the manager's paintPlot)
 * with esbuild, serves it and a float32 file of 1,000,000 events × 2 channels from an HTTP
 * server on 127.0.0.1 (the manager fetches the file from the sync server), and times in the page, median of the runs after a
 * warm-up: fetch → parse with events → bin at 256 × 256 and count one gate → paint on a canvas
 * → the next frame. Reference in the same page and run: fetch of the same bytes, a pass over
 * every float32 value, the next frame. Target: ≤ 300 ms.
 */
import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { writeFcs } from '../shared/fcs/index.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 1_000_000);
const RUNS = arg('runs', 7);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const events = new Float64Array(EVENTS * 2);
let s = 3;
for (let i = 0; i < events.length; i++) {
  s = (s * 1103515245 + 12345) >>> 0;
  events[i] = (s / 2 ** 32) * 262144;
}
const file = writeFcs({ channels: [{ name: 'FSC-A', range: 262144 }, { name: 'SSC-A', range: 262144 }], events });
const bundle = await build({ entryPoints: ['bench/lib/plot-paint-page.ts'], bundle: true, write: false, format: 'iife', target: 'chrome120', minify: true });
const script = bundle.outputFiles[0]!.text;

// The page and the file from a plain HTTP server on 127.0.0.1, as the manager fetches from the sync server.
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/file.fcs') return res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.length }).end(file);
  if (path === '/bench.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><canvas></canvas><script src="/bench.js"></script>');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.waitForFunction(() => typeof window.plotFromFile === 'function');
  console.log(`plot-paint: ${EVENTS.toLocaleString('en')} events × 2 channels (${(file.length / 2 ** 20).toFixed(1)} MB float32) → 256 × 256 plot in Chromium ${browser.version()}, median of ${RUNS}`);
  console.log(`  machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`);
  const reference: number[] = [];
  await page.evaluate(() => window.touchFile('/file.fcs'));
  for (let i = 0; i < RUNS; i++) reference.push((await page.evaluate(() => window.touchFile('/file.fcs'))).totalMs);
  const ref = median(reference);
  console.log(`  reference  fetch + read every value + frame  ${ref.toFixed(1).padStart(7)} ms`);
  for (const scale of ['lin', 'asinh'] as const) {
    await page.evaluate((sc) => window.plotFromFile('/file.fcs', sc), scale);
    const runs: Array<Awaited<ReturnType<Window['plotFromFile']>>> = [];
    for (let i = 0; i < RUNS; i++) runs.push(await page.evaluate((sc) => window.plotFromFile('/file.fcs', sc), scale));
    const m = (k: keyof (typeof runs)[number]) => median(runs.map((r) => r[k]));
    const total = m('totalMs');
    console.log(`  ${scale.padEnd(5)}  file → painted plot ${total.toFixed(1).padStart(24)} ms  ${(total / ref).toFixed(2).padStart(6)}x ref  (fetch ${m('fetchMs').toFixed(0)}, parse ${m('parseMs').toFixed(0)}, bin ${m('binMs').toFixed(0)}, paint+frame ${m('paintMs').toFixed(0)})  target ≤ 300 ms: ${total <= 300 ? 'met' : 'NOT met'}`);
  }
} finally {
  await browser.close();
  server.close();
}
