/**
 * Runs every benchmark in sequence, each in its own process so one cannot disturb another.
 *
 *   npm run bench            # full run (about 10 minutes on 2 cores)
 *   npm run bench -- --quick # smoke run, under 60 s
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const quick = process.argv.includes('--quick');
// popup-open.ts needs the built extension and Chromium; run it on its own (see bench/README.md).
const scripts = ['validation-cost.ts', 'memory.ts', 'sync-latency.ts', 'fcs-parse.ts', 'plot-density.ts', 'reconnect.ts'];
const started = Date.now();
console.log(`cytoshare benchmarks${quick ? ' (quick)' : ''}: node ${process.version}, ${availableParallelism()} cores, ${new Date().toISOString()}`);
let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${script}`, ...(quick ? ['--quick'] : [])], {
    stdio: 'inherit',
    timeout: quick ? 50_000 : 30 * 60_000,
  });
  if (r.status !== 0) {
    failed++;
    console.log(`!!! ${script} ${r.error ? String(r.error) : `exited with ${r.status ?? r.signal}`}`);
  }
}
console.log(`\n${scripts.length - failed} benchmarks ran, ${failed} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
