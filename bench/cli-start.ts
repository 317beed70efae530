/**
 * How long a `cytoshare` call takes to start, against a bare `node -e 0` measured in the same
 * run (the runs interleave, so load on the machine falls on all alike). Builds dist/ first.
 *
 *   npx tsx bench/cli-start.ts [--runs 15]
 *
 * Figures: median wall time of `cytoshare --help` (the compiled entry alone), of `cytoshare
 * whoami` signed out (loads the whole client; no server needed), and of `--help` through tsx
 * (what every call cost before the build). Target: `--help` within 250 ms of `node -e 0`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, ROOT } from '../extension/cli/build-bundle.ts';
import { fmt, median, table } from './lib/stats.ts';

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag === -1 ? 15 : Math.max(3, Number(process.argv[runsFlag + 1]));
const BIN = join(ROOT, 'extension/cli/cytoshare.mjs');
const profile = mkdtempSync(join(tmpdir(), 'cytoshare-bench-'));

await buildCli();

type Case = { name: string; args: string[]; status: number };
const cases: Case[] = [
  { name: 'node -e 0', args: ['-e', '0'], status: 0 },
  { name: 'cytoshare --help', args: [BIN, '--help'], status: 0 },
  // Signed out, so it stops after loading the client core and reading the profile: exit 4.
  { name: 'cytoshare whoami (signed out)', args: [BIN, 'whoami', '--profile', profile, '--server', 'http://127.0.0.1:9'], status: 4 },
  {
    name: 'cytoshare --help through tsx',
    args: ['--import', 'tsx', '--input-type=module', '-e', "const { run } = await import('./extension/cli/entry.ts'); process.exit(await run(['--help']));"],
    status: 0,
  },
];

function timeOnce(c: Case): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, c.args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  const ms = performance.now() - started;
  if (r.status !== c.status) throw new Error(`${c.name} exited ${r.status ?? r.signal}: ${r.stderr.toString().slice(0, 500)}`);
  return ms;
}

const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (const c of cases) timeOnce(c); // warm the file cache
for (let i = 0; i < runs; i++) for (const c of cases) samples.get(c.name)?.push(timeOnce(c));
rmSync(profile, { recursive: true, force: true });

const base = median(samples.get('node -e 0') ?? []);
console.log(`cytoshare start-up, node ${process.version}, median of ${runs} interleaved runs each`);
console.log(
  table(
    ['command', 'median ms', 'over node -e 0', 'ratio'],
    cases.map((c) => {
      const m = median(samples.get(c.name) ?? []);
      return [c.name, fmt(m), fmt(m - base), `${fmt(m / base, 2)}x`];
    }),
  ),
);
const help = median(samples.get('cytoshare --help') ?? []);
console.log(`--help: ${fmt(help - base)} ms over node -e 0 (target ≤ 250 ms): ${help - base <= 250 ? 'met' : 'NOT met'}`);
