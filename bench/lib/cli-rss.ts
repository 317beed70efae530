/**
 * Runs the `cytoshare` CLI in this process and reports on stderr its peak resident memory
 * (`BENCH_MAXRSS <kB>`) and the command's own time (`BENCH_SECONDS`), for benches that measure
 * what a command costs (the peak as test/support/peak-memory.ts reads it).
 */
import { main } from '../../extension/cli/main.ts';
import { peakRssKb } from '../../test/support/peak-memory.ts';

const started = performance.now();
const status = await main(process.argv.slice(2));
process.stderr.write(`\nBENCH_SECONDS ${(performance.now() - started) / 1000}\nBENCH_MAXRSS ${peakRssKb()}\n`);
process.exit(status);
