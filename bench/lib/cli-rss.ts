/**
 * Runs the `cytoshare` CLI in this process and reports its peak resident memory on stderr
 * (`BENCH_MAXRSS <kB>`), for benches that measure what a command costs in memory.
 */
import { main } from '../../extension/cli/main.ts';

const status = await main(process.argv.slice(2));
process.stderr.write(`\nBENCH_MAXRSS ${process.resourceUsage().maxRSS}\n`);
process.exit(status);
