/**
 * The server's density answer for a large file, against reading the same bytes from disk.
 *
 *   npx tsx bench/plot-density.ts [--events N] [--channels N] [--bins N] [--runs N]
 *
 * Writes a float32 FCS file of 1,000,000 events × 2 channels (~8 MB; --channels for wider rows)
 * into a temporary data folder, starts a real server on 127.0.0.1 (port 0) with the density
 * cache off (`densityCacheEntries=0`, so every request reads the blob), uploads the file, and
 * times as the median of several runs:
 *   reference   fs.promises.readFile of the blob (page cache warm): the floor for any answer
 *               that must look at every event
 *   compute     densityOfBlob in this process (chunked read, decode of the two columns, binning)
 *   http        GET …/density over HTTP: compute plus JSON of 256 × 256 counts, with the
 *               session check and the document lookup
 *   cached      the same GET against a server with the cache on, after one request
 * for the linear and the arcsinh scale, and prints each with its ratio to the reference.
 * Target: http ≤ 100 ms at 256 × 256 bins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFcs } from '../shared/fcs/index.ts';
import { DensityQuery } from '../shared/plot/answer.ts';
import { createAccount } from '../sync-server/admin.ts';
import { DensityCache, densityOfBlob } from '../sync-server/files/density.ts';
import { startServer, type RunningServer } from '../sync-server/server.ts';
import { BlobStore } from '../sync-server/files/blob-store.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 1_000_000);
const CHANNELS = arg('channels', 2);
const BINS = arg('bins', 256);
const RUNS = arg('runs', 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
async function time(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: JIT and page cache
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

function makeFile(): Uint8Array {
  const events = new Float64Array(EVENTS * CHANNELS);
  let s = 7;
  for (let i = 0; i < events.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    events[i] = (s / 2 ** 32) * 262144;
  }
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({ name: i === 0 ? 'FSC-A' : i === 1 ? 'SSC-A' : `P${i + 1}-A`, range: 262144 }));
  return writeFcs({ channels, events });
}

async function serverWithFile(bytes: Uint8Array, cacheEntries: number): Promise<{ server: RunningServer; dir: string; url: (scale: string) => string; token: string; sha: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-density-'));
  const server = await startServer({ dataDir: dir, host: '127.0.0.1', port: 0, limits: { densityCacheEntries: cacheEntries } });
  await createAccount(server.store, { username: 'bench', email: 'bench@lab.test', password: 'correct horse battery', staff: false, verified: true });
  const login = await fetch(`${server.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'correct horse battery' }) });
  const { token } = (await login.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const exp = 'bench-exp-1';
  const created = await fetch(`${server.url}/api/intents`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'draft-bench-1', type: 'create', experimentId: exp, name: 'Bench' }) });
  if (!created.ok) throw new Error(`create: ${created.status}`);
  const put = await fetch(`${server.url}/api/experiments/${exp}/files?name=big.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: bytes as Uint8Array<ArrayBuffer> });
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${await put.text()}`);
  const { fileId, sha256 } = (await put.json()) as { fileId: string; sha256: string };
  const url = (scale: string) => `${server.url}/api/experiments/${exp}/files/${fileId}/density?x=FSC-A&y=SSC-A&bins=${BINS}&scale=${scale}`;
  return { server, dir, url, token, sha: sha256 };
}

async function main(): Promise<void> {
  const bytes = makeFile();
  console.log(`plot-density: ${EVENTS.toLocaleString('en')} events × ${CHANNELS} channels (${(bytes.length / 2 ** 20).toFixed(1)} MB float32), ${BINS} × ${BINS} bins, median of ${RUNS}`);
  console.log(`  machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (figures scale with it; the ratios less)`);
  const cold = await serverWithFile(bytes, 0);
  const warm = await serverWithFile(bytes, 32);
  try {
    const blob = new BlobStore(cold.dir).pathOf(cold.sha);
    const get = async (url: string, token: string) => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`density: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const readMs = await time(RUNS, () => readFile(blob));
    console.log(`  reference  readFile of the blob        ${readMs.toFixed(1).padStart(7)} ms`);
    for (const scale of ['lin', 'log', 'asinh'] as const) {
      const q = DensityQuery.parse({ x: 'FSC-A', y: 'SSC-A', bins: String(BINS), scale });
      const computeMs = await time(RUNS, () => densityOfBlob(blob, cold.sha, q, [], new DensityCache(0), 1 << 20));
      const httpMs = await time(RUNS, () => get(cold.url(scale), cold.token));
      const cachedMs = await time(RUNS, () => get(warm.url(scale), warm.token));
      const line = (what: string, ms: number) => console.log(`  ${scale.padEnd(5)}  ${what.padEnd(30)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / readMs).toFixed(2).padStart(6)}x ref`);
      line('compute (densityOfBlob)', computeMs);
      line('http GET, cache off', httpMs);
      line('http GET, cached', cachedMs);
      console.log(`  ${scale.padEnd(5)}  target http ≤ 100 ms: ${httpMs <= 100 ? 'met' : 'NOT met'}`);
    }
  } finally {
    for (const s of [cold, warm]) {
      await s.server.close();
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

await main();
