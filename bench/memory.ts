/**
 * Server heap when many documents are touched once: are unloaded rooms really freed?
 *
 *   npx tsx bench/memory.ts [--quick]
 *
 * Our server runs in a child process (`node --expose-gc --import tsx`) with unloadDelayMs 200;
 * it answers heap queries with process.memoryUsage().heapUsed after global.gc(). One account
 * creates 1,000 experiments (200 with --quick) over HTTP; once they are unloaded the heap is
 * measured ("before"); then every document is opened, synced and closed once (25 at a time)
 * while the heap is sampled ("peak"); after the unload delay and a settle time, "after".
 * A second pass over the same documents shows whether growth repeats (a leak) or not.
 * Target: after ≤ 1.2x before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUsers, intent, login } from './lib/accounts.ts';
import { startChild } from './lib/child.ts';
import { BenchClient } from './lib/client.ts';
import { sleep, table, waitUntil } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
const DOCS = quick ? 200 : 1_000;
const CONCURRENCY = 25;
const UNLOAD_DELAY_MS = 200;
const MB = (n: number) => (n / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-bench-mem-'));
  const [owner] = await createUsers(dataDir, 1, 'mem');
  const child = await startChild('our-server-child.ts', [dataDir, String(UNLOAD_DELAY_MS)]);
  try {
    const session = await login(child.url, owner!);
    const ids: string[] = [];
    for (let i = 0; i < DOCS; i++) {
      const experimentId = `mem-${i.toString().padStart(5, '0')}-${Date.now().toString(36)}`;
      await intent(child.url, session, { type: 'create', experimentId, name: `Memory bench ${i}` });
      ids.push(experimentId);
    }
    const settle = async () => {
      await sleep(UNLOAD_DELAY_MS + 300);
      await waitUntil(() => false, 700);
      return child.heap();
    };
    const baseline = await settle();
    console.log(`memory${quick ? ' (quick)' : ''}: ${DOCS} experiments created in ${((Date.now() - started) / 1000).toFixed(1)} s; unloadDelayMs ${UNLOAD_DELAY_MS}`);
    const ws = child.url.replace('http', 'ws');
    const rows: Array<Array<string | number>> = [[`before`, MB(baseline.heapUsed), MB(baseline.rss), baseline.loaded]];
    const passes = quick ? 1 : 2;
    let after = baseline;
    for (let pass = 1; pass <= passes; pass++) {
      let peak = baseline;
      let touching = true;
      const sampler = (async () => {
        while (touching) {
          const h = await child.heap();
          if (h.heapUsed > peak.heapUsed) peak = h;
          await sleep(100);
        }
      })();
      const t0 = Date.now();
      let next = 0;
      const worker = async () => {
        while (next < ids.length && Date.now() - t0 < 120_000) {
          const id = ids[next++]!;
          const c = new BenchClient(0, '');
          await c.connect(`${ws}/sync/exp-${id}?token=${session.token}&v=1`);
          c.close();
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      touching = false;
      await sampler;
      const touchSeconds = (Date.now() - t0) / 1000;
      after = await settle();
      rows.push([`pass ${pass}: peak`, MB(peak.heapUsed), MB(peak.rss), peak.loaded]);
      rows.push([`pass ${pass}: after`, MB(after.heapUsed), MB(after.rss), after.loaded]);
      console.log(`  pass ${pass}: ${DOCS} documents opened, synced, closed in ${touchSeconds.toFixed(1)} s`);
    }
    console.log(table(['moment', 'heapUsed MiB (after gc)', 'rss MiB', 'rooms loaded'], rows));
    const ratio = after.heapUsed / baseline.heapUsed;
    console.log(`after/before heap: ${ratio.toFixed(2)}x (target ≤ 1.20x): ${ratio <= 1.2 ? 'MET' : 'MISSED'}`);
    console.log(`memory done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
