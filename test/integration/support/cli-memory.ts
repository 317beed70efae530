/**
 * Runs the `cytoshare` CLI in this process and reports on stderr, as one line
 * `CLI_MEMORY {json}`, its resident memory just before the command and at its peak, and the
 * most ArrayBuffer memory seen while it ran (sampled), for tests that bound what a command
 * holds. Start it with `node --import tsx cli-memory.ts ARGS…`.
 */
import { main } from '../../../extension/cli/main.ts';
import { peakRssKb } from '../../support/peak-memory.ts';

const before = process.memoryUsage();
let arrayBuffersPeak = before.arrayBuffers;
const sampler = setInterval(() => {
  arrayBuffersPeak = Math.max(arrayBuffersPeak, process.memoryUsage().arrayBuffers);
}, 5);
const status = await main(process.argv.slice(2));
clearInterval(sampler);
const report = { rssBefore: before.rss, rssPeak: peakRssKb() * 1024, arrayBuffersBefore: before.arrayBuffers, arrayBuffersPeak };
process.stderr.write(`\nCLI_MEMORY ${JSON.stringify(report)}\n`);
process.exit(status);
