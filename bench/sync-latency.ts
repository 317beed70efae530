/**
 * Write→seen latency and saturation: our validating server vs the unvalidated reference relay
 * (@y/websocket-server 0.1.1), each in its own child process, driven by the same load generator
 * (this process) with the same clients and the same updates.
 *
 *   npx tsx bench/sync-latency.ts [--quick] [--sizes 2,50] [--latency-only]
 *
 * Every client writes its own tag cell `tags[tagKey('s1.fcs','Donor <i>')]` in turn at a steady
 * rate (100 updates/s to each server in the latency runs, the two servers' updates
 * interleaved); each value carries a sequence number. Latency of an update = time from the
 * write until the LAST other client has seen it ("all"), and until a fixed observer (client 0,
 * or client 1 for client 0's own writes) has seen it ("obs").
 * Saturation: the highest rate of a rising ladder at which p99(all) ≤ 250 ms, ≥ 99.5 % of the
 * (update, receiver) pairs arrive within the step plus a 2 s grace, and the generator kept the rate;
 * a failing step is run again once before it counts. Latency figures: median of 9 runs of 4 s.
 * Both servers run side by side and are measured together (see measurePair); the generator
 * runs on one CPU and the servers on another (see lib/affinity.ts).
 * The load generator uses raw-socket clients (lib/raw-client.ts) so that it is not the bottleneck.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tagKey } from '../shared/doc-layout.ts';
import { BENCH_FILE, createUsers, loginAll, sharedExperiment, type Session } from './lib/accounts.ts';
import { GENERATOR_CPU, pinToCpu, SERVER_CPU } from './lib/affinity.ts';
import { startChild, type ServerChild } from './lib/child.ts';
import { RawClient as BenchClient } from './lib/raw-client.ts';
import { fmt, percentile, sleep, table, waitUntil } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
/** Only the latency runs, no saturation ladder: to study one figure in a few minutes. */
const latencyOnly = process.argv.includes('--latency-only');
const sizesArg = process.argv.indexOf('--sizes');
const SIZES = sizesArg > 0 ? parseSizes(process.argv[sizesArg + 1]) : quick ? [2, 10] : [2, 50, 200];

function parseSizes(arg: string | undefined): number[] {
  const sizes = (arg ?? '').split(',').map(Number);
  if (sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n >= 2 && n <= 1000)) {
    console.error('--sizes takes client counts from 2 to 1000, comma-separated, e.g. --sizes 2,50');
    process.exit(2);
  }
  return sizes;
}
/**
 * Updates/s to each server in the latency runs. The two servers' updates are interleaved, so
 * the servers' CPU takes 200/s in all, as when each was measured alone at 200/s.
 */
const LATENCY_RATE = 100;
const LATENCY_SECONDS = quick ? 1 : 4;
const LATENCY_REPEATS = quick ? 2 : 9;
const STEP_SECONDS = quick ? 0.75 : 3;
const LADDER_FACTOR = quick ? 2 : 1.25;
const MAX_STEPS = quick ? 3 : 14;
const P99_LIMIT_MS = 250;
const GRACE_MS = 2_000;
const HARD_DEADLINE = Date.now() + (quick ? 25_000 : 25 * 60_000);

type StepResult = {
  rate: number;
  sentRate: number;
  p50: number;
  p99: number;
  obsP50: number;
  obsP99: number;
  delivered: number;
  ok: boolean;
  why: string;
};

type ServerName = 'reference' | 'ours';
/** One server under test at one size: its child process, its clients and what they saw. */
type Target = { server: ServerName; child: ServerChild; clients: BenchClient[]; tracker: Tracker };

class Tracker {
  sentAt = new Float64Array(1 << 20);
  writer = new Int32Array(1 << 20);
  remaining = new Int32Array(1 << 20);
  lastSeen = new Float64Array(1 << 20);
  obsSeen = new Float64Array(1 << 20);
  next = 0;
  pairsSeen = 0;
  constructor(readonly n: number) {}
  seen = (client: BenchClient, seq: number) => {
    if (seq >= this.next || client.index === this.writer[seq]) return; // own echo (reference) or stale
    const now = performance.now();
    this.remaining[seq]!--;
    this.pairsSeen++;
    if (now > this.lastSeen[seq]!) this.lastSeen[seq] = now;
    const observer = this.writer[seq] === 0 ? 1 : 0;
    if (client.index === observer) this.obsSeen[seq] = now;
  };
  send(client: BenchClient): boolean {
    if (this.next >= this.sentAt.length) return false;
    const seq = this.next++;
    this.writer[seq] = client.index;
    this.remaining[seq] = this.n - 1;
    this.sentAt[seq] = performance.now();
    client.write(seq);
    return true;
  }
}

/** One server's clients and what they saw, as one stream of updates in a step. */
type Lane = { clients: BenchClient[]; tracker: Tracker };

/** Sends at `rate` updates/s for `seconds`, round-robin over the clients, then waits for delivery. */
async function step(clients: BenchClient[], tracker: Tracker, rate: number, seconds: number): Promise<StepResult> {
  return (await drive([{ clients, tracker }], rate, seconds))[0]!;
}

/**
 * Sends `rate` updates/s to each lane for `seconds`, the lanes' updates interleaved evenly in
 * time (lane 0, lane 1, lane 0, …), each lane round-robin over its clients; then waits for
 * delivery and sums up each lane.
 */
async function drive(lanes: Lane[], rate: number, seconds: number): Promise<StepResult[]> {
  const firsts = lanes.map((l) => l.tracker.next);
  const t0 = performance.now();
  const total = Math.round(rate * seconds) * lanes.length;
  const aggregate = rate * lanes.length;
  let sent = 0;
  while (sent < total && performance.now() - t0 < seconds * 1000 * 1.5) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * aggregate)) - sent;
    for (let k = 0; k < due; k++) {
      const lane = lanes[sent % lanes.length]!;
      const c = lane.clients[Math.floor(sent / lanes.length) % lane.clients.length]!;
      if (!lane.tracker.send(c)) break;
      sent++;
    }
    await sleep(1);
  }
  const sentRate = sent / lanes.length / ((performance.now() - t0) / 1000);
  const lasts = lanes.map((l) => l.tracker.next);
  await waitUntil(() => {
    return lanes.every(({ tracker }, i) => {
      for (let s = firsts[i]!; s < lasts[i]!; s++) if (tracker.remaining[s]! > 0) return false;
      return true;
    });
  }, GRACE_MS, 10);
  return lanes.map((l, i) => summarize(l.tracker, firsts[i]!, lasts[i]!, rate, sentRate));
}

/** The figures of updates `first`..`last` of one tracker, over the steady part: the first 20 % are skipped. */
function summarize(tracker: Tracker, first: number, last: number, rate: number, sentRate: number): StepResult {
  const from = first + Math.floor((last - first) * 0.2);
  const all: number[] = [];
  const obs: number[] = [];
  let expected = 0;
  let got = 0;
  for (let s = from; s < last; s++) {
    expected += tracker.n - 1;
    got += tracker.n - 1 - tracker.remaining[s]!;
    all.push(tracker.remaining[s]! > 0 ? Infinity : tracker.lastSeen[s]! - tracker.sentAt[s]!);
    obs.push(tracker.obsSeen[s]! > 0 ? tracker.obsSeen[s]! - tracker.sentAt[s]! : Infinity);
  }
  all.sort((a, b) => a - b);
  obs.sort((a, b) => a - b);
  const delivered = expected ? got / expected : 0;
  const p99 = percentile(all, 99);
  const why: string[] = [];
  if (!(p99 <= P99_LIMIT_MS)) why.push(`p99 ${fmt(p99, 0)} ms`);
  if (delivered < 0.995) why.push(`delivered ${(delivered * 100).toFixed(1)} %`);
  if (sentRate < rate * 0.95) why.push(`generator reached ${fmt(sentRate, 0)}/s`);
  return { rate, sentRate, p50: percentile(all, 50), p99, obsP50: percentile(obs, 50), obsP99: percentile(obs, 99), delivered, ok: why.length === 0, why: why.join(', ') };
}

/** A step, run again once if it fails: other work on a shared 2-core machine can spoil a single step. */
async function confirmedStep(t: Target, rate: number): Promise<StepResult> {
  const r = await step(t.clients, t.tracker, rate, STEP_SECONDS);
  if (r.ok) return r;
  process.stdout.write(`    ${t.server.padEnd(9)} ${String(r.rate).padStart(6)}/s  failed once (${r.why}), retrying\n`);
  await sleep(1000);
  return step(t.clients, t.tracker, rate, STEP_SECONDS);
}

/**
 * Both servers are measured together, never one after the other. In a latency run their
 * updates are interleaved (one to the reference, one to ours, …), so both meet the machine in
 * the same state: measured in turns of 4 s instead, the ratio of one turn to the next ranged
 * from 0.69 to 1.41 at 50 clients, interleaved it stays within a few per cent. Each ladder rate
 * is tried on both before the next, so a drift over minutes weighs on both alike.
 */
async function measurePair(targets: Target[], ladderStart: number): Promise<Map<ServerName, { latency: StepResult; saturation: number; last: StepResult | undefined }>> {
  // Warm-up to a steady state: a few thousand updates get every function on both servers'
  // paths optimised by the JIT (with 400 the p99 of both was 4x its steady value), below
  // either server's saturation, then a while at the measured rate.
  const warmRate = targets[0]!.tracker.n >= 200 ? 250 : 1000;
  for (const t of targets) {
    for (const c of t.clients) c.onSeen = t.tracker.seen;
    await step(t.clients, t.tracker, warmRate, quick ? 0.5 : 3);
  }
  await drive(targets, LATENCY_RATE, quick ? 0.5 : 2);
  const runs = new Map<ServerName, StepResult[]>(targets.map((t) => [t.server, []]));
  for (let i = 0; i < LATENCY_REPEATS; i++) {
    const order = i % 2 === 0 ? targets : [...targets].reverse();
    const rs = await drive(order, LATENCY_RATE, LATENCY_SECONDS);
    order.forEach((t, k) => runs.get(t.server)!.push(rs[k]!));
    await sleep(200);
  }
  const out = new Map<ServerName, { latency: StepResult; saturation: number; last: StepResult | undefined }>();
  for (const t of targets) {
    const rs = runs.get(t.server)!;
    const mid = (f: (r: StepResult) => number) => rs.map(f).sort((a, b) => a - b)[Math.floor(rs.length / 2)]!;
    const latency: StepResult = { ...rs[0]!, p50: mid((r) => r.p50), p99: mid((r) => r.p99), obsP50: mid((r) => r.obsP50), obsP99: mid((r) => r.obsP99) };
    console.log(`    ${t.server.padEnd(9)} latency at ${LATENCY_RATE}/s: all p50 ${fmt(latency.p50, 2)} p99 ${fmt(latency.p99, 2)} ms; observer p50 ${fmt(latency.obsP50, 2)} p99 ${fmt(latency.obsP99, 2)} ms (median of ${rs.length} runs)`);
    out.set(t.server, { latency, saturation: 0, last: undefined });
  }
  // Runs i of both servers were back to back: their ratio shows how far one run can be trusted.
  const [a, b] = targets.map((t) => runs.get(t.server)!);
  if (a && b) console.log(`    p50 ratio ${targets[1]!.server}/${targets[0]!.server} run by run: ${b.map((r, i) => fmt(r.p50 / a[i]!.p50, 2)).join(' ')}`);
  if (latencyOnly) return out;
  let rate = ladderStart;
  const running = new Set(targets);
  for (let i = 0; i < MAX_STEPS && running.size > 0 && Date.now() < HARD_DEADLINE; i++) {
    for (const t of targets) {
      if (!running.has(t)) continue;
      await sleep(300);
      const r = await confirmedStep(t, Math.round(rate));
      const result = out.get(t.server)!;
      result.last = r;
      process.stdout.write(`    ${t.server.padEnd(9)} ${String(r.rate).padStart(6)}/s  p50 ${fmt(r.p50).padStart(7)} ms  p99 ${fmt(r.p99).padStart(7)} ms  delivered ${(r.delivered * 100).toFixed(1)} %${r.ok ? '' : '  SATURATED: ' + r.why}\n`);
      if (r.ok) result.saturation = r.rate;
      else running.delete(t);
    }
    rate *= LADDER_FACTOR;
  }
  return out;
}

async function connectAll(n: number, urlOf: (i: number) => string): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  for (let i = 0; i < n; i++) {
    clients.push(new BenchClient(i, tagKey(BENCH_FILE, `Donor ${i}`)));
  }
  for (let i = 0; i < n; i += 20) await Promise.all(clients.slice(i, i + 20).map((c) => c.connect(urlOf(c.index))));
  return clients;
}

async function main(): Promise<void> {
  const started = Date.now();
  const maxN = Math.max(...SIZES);
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-bench-'));
  console.log(`sync-latency${quick ? ' (quick)' : ''}: ${SIZES.join(', ')} clients; latency at ${LATENCY_RATE} updates/s to each server, interleaved; saturation ladder x${LADDER_FACTOR}, ${STEP_SECONDS} s steps, p99 limit ${P99_LIMIT_MS} ms`);
  const pinned = pinToCpu(process.pid, GENERATOR_CPU);
  console.log(pinned ? `  load generator on CPU ${GENERATOR_CPU}, servers on CPU ${SERVER_CPU}` : '  not pinned to CPUs (taskset missing or a single core): figures are noisier');
  const names = await createUsers(dataDir, maxN);
  console.log(`  ${maxN} accounts created in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let sessions: Session[] | null = null;
  const results: Array<{ n: number; server: ServerName; latency: StepResult; saturation: number; last: StepResult | undefined }> = [];
  try {
    for (const n of SIZES) {
      if (Date.now() > HARD_DEADLINE) break;
      console.log(`  ${n} clients:`);
      const targets: Target[] = [];
      try {
        const ref = await startChild('ref-server-child.ts');
        if (pinned) pinToCpu(ref.proc.pid!, SERVER_CPU);
        targets.push({ server: 'reference', child: ref, clients: [], tracker: new Tracker(n) });
        const refWs = ref.url.replace('http', 'ws');
        const room = `exp-bench-${n}-${Date.now().toString(36)}`;
        targets[0]!.clients = await connectAll(n, () => `${refWs}/sync/${room}`);

        const ours = await startChild('our-server-child.ts', [dataDir, '5000']);
        if (pinned) pinToCpu(ours.proc.pid!, SERVER_CPU);
        targets.push({ server: 'ours', child: ours, clients: [], tracker: new Tracker(n) });
        sessions ??= await loginAll(ours.url, names);
        const experimentId = await sharedExperiment(ours.url, sessions[0]!, names.slice(1, n));
        const ws = ours.url.replace('http', 'ws');
        targets[1]!.clients = await connectAll(n, (i) => `${ws}/sync/exp-${experimentId}?token=${sessions![i]!.token}&v=1`);

        const measured = await measurePair(targets, n >= 200 ? 100 : 250);
        for (const [server, m] of measured) results.push({ n, server, ...m });
      } catch (error) {
        console.log(`    FAILED: ${String(error)}`);
      } finally {
        for (const t of targets) {
          for (const c of t.clients) c.close();
          await t.child.stop();
        }
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const rows: Array<Array<string | number>> = [];
  for (const n of SIZES) {
    const ref = results.find((r) => r.n === n && r.server === 'reference');
    const ours = results.find((r) => r.n === n && r.server === 'ours');
    for (const r of [ref, ours]) {
      if (!r) continue;
      rows.push([n, r.server, fmt(r.latency.p50, 2), fmt(r.latency.p99, 2), fmt(r.latency.obsP50, 2), fmt(r.latency.obsP99, 2), latencyOnly ? '-' : r.saturation, latencyOnly ? 'not measured' : r.last && !r.last.ok ? r.last.why : 'not reached']);
    }
    if (ref && ours) {
      rows.push([
        n,
        'ours/ref',
        fmt(ours.latency.p50 / ref.latency.p50, 2) + 'x',
        fmt(ours.latency.p99 / ref.latency.p99, 2) + 'x',
        fmt(ours.latency.obsP50 / ref.latency.obsP50, 2) + 'x',
        fmt(ours.latency.obsP99 / ref.latency.obsP99, 2) + 'x',
        latencyOnly ? '-' : fmt(ours.saturation / ref.saturation, 2) + 'x',
        `targets: latency ≤ 1.10x, saturation ≥ 1.00x`,
      ]);
    }
  }
  console.log(`\nwrite→seen latency at ${LATENCY_RATE} updates/s to each server (ms) and saturation (updates/s, aggregate)`);
  console.log(table(['clients', 'server', 'all p50', 'all p99', 'obs p50', 'obs p99', 'saturation/s', 'limit at next step'], rows));
  console.log(`sync-latency done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
process.exit(0);
