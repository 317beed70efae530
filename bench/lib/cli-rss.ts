/**
 * Runs the `cytoshare` CLI in this process and reports on stderr its peak resident memory
 * (`BENCH_MAXRSS <kB>`) and the command's own time (`BENCH_SECONDS`), for benches that measure
 * what a command costs. The peak is VmHWM of /proc/self/status: getrusage's maxrss keeps the
 * parent's resident size from before exec on Linux, so a large bench process would show there.
 */
import { readFileSync } from 'node:fs';
import { main } from '../../extension/cli/main.ts';

function peakKb(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS;
}

const started = performance.now();
const status = await main(process.argv.slice(2));
process.stderr.write(`\nBENCH_SECONDS ${(performance.now() - started) / 1000}\nBENCH_MAXRSS ${peakKb()}\n`);
process.exit(status);
