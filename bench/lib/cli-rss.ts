/**
 * Runs the `cytoshare` CLI in this process and reports its peak resident memory on stderr
 * (`BENCH_MAXRSS <kB>`) and the command's own time (`BENCH_SECONDS`), for benches that measure what a command costs in memory.
 */
import { main } from '../../extension/cli/main.ts';

const started = performance.now();
const status = await main(process.argv.slice(2));
// The command's own time, without Node's start-up and the TypeScript compile before it.
process.stderr.write(`\nBENCH_SECONDS ${(performance.now() - started) / 1000}\nBENCH_MAXRSS ${process.resourceUsage().maxRSS}\n`);
process.exit(status);
