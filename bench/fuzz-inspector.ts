/**
 * Byte-mutation fuzz of the update decoder, inspector and validated merge, at volume:
 *   npx tsx bench/fuzz-inspector.ts [--cases 100000] [--seed S]
 * Prints cases/s, the seed, and each failing case (seed and index replay it alone through
 * `runCase`; pin one in test/unit/sync-update-fuzz.test.ts once fixed). Exits 1 on a failure.
 */
import { runFuzz } from '../test/unit/support/update-fuzz.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} takes a whole number`);
  return value;
}

const cases = arg('cases', 100_000);
const seed = arg('seed', Math.floor(Math.random() * 0x7fff_ffff));
console.log(`seed ${seed}, ${cases} cases`);
const started = performance.now();
let shown = 0;
const { accepted, failures } = await runFuzz(seed, cases, (index, result) => {
  if (shown++ < 20) console.log(`FAIL seed ${seed} case ${index} (${result.seedName}, ${JSON.stringify(result.mutation)}): ${result.failure}`);
});
const seconds = (performance.now() - started) / 1000;
console.log(`${cases} cases in ${seconds.toFixed(1)} s: ${Math.round(cases / seconds)} cases/s; ${accepted} accepted (in whole or part); ${failures} failures; seed ${seed}`);
process.exit(failures > 0 ? 1 : 0);
