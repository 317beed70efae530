/**
 * FCS parse speed and memory against the speed of reading the same file.
 *
 *   npx tsx bench/fcs-parse.ts [--events N] [--channels N] [--runs N]
 *
 * Writes a float32 file of 1,000,000 events × 20 channels (~80 MB) with writeFcs into a temp
 * directory (little-endian, and a big-endian copy that exercises the byte-swapping path), then
 * times, as the median of several runs: fs.readFileSync of the file (the reference: disk, or
 * page cache once warm), parseFcs metadata only (TEXT plus DATA bounds, no decoding), and
 * parseFcs with events. Memory is process.memoryUsage() around the first events parse (before
 * any timing run): rss and arrayBuffers growth, against the decoded Float64Array's size (8 bytes
 * per value, twice a float32 file by construction). Run with --expose-gc for steadier memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFcs, writeFcs } from '../shared/fcs/index.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 1_000_000);
const CHANNELS = arg('channels', 20);
const RUNS = arg('runs', 5);
const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(runs: number, fn: () => unknown): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

function makeFile(dir: string, byteOrder: 'little' | 'big'): string {
  const events = new Float64Array(EVENTS * CHANNELS);
  let s = 1;
  for (let i = 0; i < events.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    events[i] = (s / 2 ** 32) * 262144;
  }
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({ name: `P${i + 1}-A`, label: `marker ${i + 1}` }));
  const bytes = writeFcs({ channels, events, byteOrder, keywords: { $CYT: 'bench', $SPILLOVER: '1,P1-A,1' } });
  const path = join(dir, `bench-${byteOrder}.fcs`);
  writeFileSync(path, bytes);
  return path;
}

async function benchOne(path: string, label: string): Promise<void> {
  const size = statSync(path).size;
  readFileSync(path); // warm the page cache: the reference is the steady-state read speed
  const readMs = time(RUNS, () => readFileSync(path));
  const file = readFileSync(path);
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength); // a view, no copy
  // Memory first, before the timing runs leave garbage behind: one events parse, kept alive.
  // V8 frees ArrayBuffer memory on a background sweeper: collect, then give it time to finish.
  for (let i = 0; i < 3; i++) gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = process.memoryUsage();
  const r = parseFcs(bytes, { events: true });
  const after = process.memoryUsage();
  if (!r.ok || !r.file.events) throw new Error('parse failed');
  const metaMs = time(RUNS * 4, () => {
    if (!parseFcs(bytes).ok) throw new Error('parse failed');
  });
  const eventsMs = time(RUNS, () => {
    if (!parseFcs(bytes, { events: true }).ok) throw new Error('parse failed');
  });

  const mbs = (ms: number) => (size / MB / (ms / 1000)).toFixed(0);
  const row = (name: string, ms: number) =>
    `  ${name.padEnd(28)} ${ms.toFixed(2).padStart(9)} ms ${mbs(ms).padStart(8)} MB/s   ${(ms / readMs).toFixed(3).padStart(7)}x readFileSync`;
  const eventsBytes = r.file.events.byteLength;
  r.file.events = undefined;
  console.log(`${label}: ${(size / MB).toFixed(1)} MB, ${r.file.eventCount.toLocaleString('en')} events × ${r.file.channels.length} channels`);
  console.log(row('fs.readFileSync (reference)', readMs));
  console.log(row('parseFcs metadata only', metaMs));
  console.log(row('parseFcs with events', eventsMs));
  console.log(
    `  memory, one events parse: rss ${((after.rss - before.rss) / MB).toFixed(0)} MB more (now ${(after.rss / MB).toFixed(0)} MB), ` +
      `arrayBuffers ${(before.arrayBuffers / MB).toFixed(0)} → ${(after.arrayBuffers / MB).toFixed(0)} MB, events array ${(eventsBytes / MB).toFixed(0)} MB, ` +
      `heapUsed ${(after.heapUsed / MB).toFixed(0)} MB`,
  );
}

// Each byte order runs in its own process so one's garbage does not blur the other's memory.
const only = process.argv.includes('--order') ? process.argv[process.argv.indexOf('--order') + 1] : null;
if (only === null) {
  console.log(`fcs-parse: node ${process.version}, ${RUNS} runs (median), gc ${(globalThis as { gc?: unknown }).gc ? 'on' : 'off (add --expose-gc)'}`);
  for (const order of ['little', 'big']) {
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--order', order], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
} else {
  const dir = mkdtempSync(join(tmpdir(), 'cytoshare-fcs-bench-'));
  try {
    const order = only === 'big' ? 'big' : 'little';
    const t = performance.now();
    const path = makeFile(dir, order);
    console.log(`\nwriteFcs + writeFileSync (${order}-endian): ${(performance.now() - t).toFixed(0)} ms`);
    await benchOne(path, order === 'little' ? 'float32, $BYTEORD 1,2,3,4 (typed-array view)' : 'float32, $BYTEORD 4,3,2,1 (DataView swap)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
