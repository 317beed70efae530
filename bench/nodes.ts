/**
 * Several server nodes on one PostgreSQL database: delivered updates per second of 1 node
 * against 2 nodes on many documents, and write→seen latency of a reader on the writer's node
 * against one on the other node, printed side by side with their ratios.
 *
 *   CYTOSHARE_TEST_PG=postgres://… npx tsx bench/nodes.ts [--quick] [--docs 16]
 *
 * Needs a PostgreSQL cluster (test/support/pg-cluster-keeper.ts starts a throwaway one); the
 * bench makes a fresh database on it and drops it at the end. Each node is
 * `startServer --database` in a child process of its own (bench/lib/our-server-child.ts).
 *
 * Throughput: every document has one writer and one reader (raw-socket clients, see
 * lib/raw-client.ts); each writer keeps WINDOW updates in flight (a closed loop: a new one as
 * soon as its reader saw one), so the figure is what the servers deliver, not an offered rate.
 * Placements: 1 node (everyone on it); 2 nodes with each document's clients on one node (half
 * the documents on each: the scale-out case); 2 nodes with writer and reader on different nodes
 * (every update crosses: NOTIFY, then the reader's node reads it back from doc_updates).
 * Latency: one document, a writer on node A at LATENCY_RATE updates/s, one reader on A and one
 * on B; each update's time until each reader saw it.
 *
 * The machine has 2 cores. With 1 node, the node is pinned to CPU 1 and this load generator to
 * CPU 0. With 2 nodes, node A is pinned to CPU 0 and node B to CPU 1, and the generator is not
 * pinned (it floats over both, as PostgreSQL always does): the 2-node figures pay for the
 * generator and PostgreSQL on the nodes' cores, so they understate what two machines would do.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tagKey } from '../shared/doc-layout.ts';
import { createAccount } from '../sync-server/admin.ts';
import { openPgStore } from '../sync-server/store/pg-store.ts';
import { createTestDatabase, dropTestDatabase, TEST_PG } from '../test/support/pg-database.ts';
import { BENCH_FILE, login, PASSWORD, sharedExperiment, type Session } from './lib/accounts.ts';
import { GENERATOR_CPU, pinToCpu, SERVER_CPU } from './lib/affinity.ts';
import { startChild, type ServerChild } from './lib/child.ts';
import { RawClient } from './lib/raw-client.ts';
import { fmt, percentile, sleep, table, waitUntil } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
const docsArg = process.argv.indexOf('--docs');
const DOCS = docsArg > 0 ? Number(process.argv[docsArg + 1]) : quick ? 6 : 16;
const WINDOW = 4;
const THROUGHPUT_SECONDS = quick ? 1.5 : 4;
const LATENCY_RATE = 50;
const LATENCY_SECONDS = quick ? 2 : 6;
/**
 * How long a node keeps a document nobody has open: short, so that between placements each
 * node drops the documents it no longer serves (a node that holds one keeps catching it up).
 */
const UNLOAD_MS = 300;

/** Every update the bench sends, by its sequence number (the `~seq~` marker in its value). */
const sentAt = new Map<number, number>();
let nextSeq = 0;

type Pair = { writer: RawClient; reader: RawClient; inFlight: number };

async function connect(index: number, node: ServerChild, doc: string, session: Session): Promise<RawClient> {
  const client = new RawClient(index, tagKey(BENCH_FILE, `Donor ${index}`));
  await client.connect(`${node.url.replace('http', 'ws')}/sync/${doc}?token=${session.token}&v=1`);
  return client;
}

type Throughput = { rate: number; cpuPerUpdate: number };

/**
 * Delivered updates per second with every pair's writer on `writerNode(d)` and reader on
 * `readerNode(d)`, and the nodes' CPU time (all `nodes` together) per delivered update, µs.
 */
async function throughput(docs: string[], owner: Session, reader: Session, nodes: ServerChild[], writerNode: (d: number) => ServerChild, readerNode: (d: number) => ServerChild): Promise<Throughput> {
  const pairs: Pair[] = [];
  for (let d = 0; d < docs.length; d++) {
    pairs.push({ writer: await connect(2 * d, writerNode(d), docs[d]!, owner), reader: await connect(2 * d + 1, readerNode(d), docs[d]!, reader), inFlight: 0 });
  }
  await sleep(300);
  let running = true;
  let delivered = 0;
  const send = (pair: Pair) => {
    const seq = nextSeq++;
    sentAt.set(seq, performance.now());
    pair.inFlight++;
    pair.writer.write(seq);
  };
  for (const pair of pairs) {
    pair.reader.onSeen = (_client, seq) => {
      if (!sentAt.delete(seq)) return;
      pair.inFlight--;
      if (!running) return;
      delivered++;
      while (pair.inFlight < WINDOW) send(pair);
    };
  }
  const cpuBefore = await Promise.all(nodes.map((n) => n.cpu()));
  const t0 = performance.now();
  for (const pair of pairs) while (pair.inFlight < WINDOW) send(pair);
  await sleep(THROUGHPUT_SECONDS * 1000);
  running = false;
  const rate = delivered / ((performance.now() - t0) / 1000);
  const cpuAfter = await Promise.all(nodes.map((n) => n.cpu()));
  const cpu = cpuAfter.reduce((sum, c, i) => sum + c - cpuBefore[i]!, 0);
  await waitUntil(() => pairs.every((p) => p.inFlight === 0), 2_000);
  for (const pair of pairs) {
    pair.writer.close();
    pair.reader.close();
  }
  sentAt.clear();
  await sleep(UNLOAD_MS + 700);
  return { rate, cpuPerUpdate: cpu / Math.max(1, delivered) };
}

/** Write→seen latency (ms) of a reader on the writer's node and of one on the other node. */
async function latency(doc: string, owner: Session, reader: Session, a: ServerChild, b: ServerChild): Promise<{ same: number[]; cross: number[] }> {
  const writer = await connect(1000, a, doc, owner);
  const same = await connect(1001, a, doc, reader);
  const cross = await connect(1002, b, doc, reader);
  await sleep(300);
  const seen = { same: [] as number[], cross: [] as number[] };
  const first = nextSeq;
  same.onSeen = (_c, seq) => void (seq >= first && sentAt.has(seq) && seen.same.push(performance.now() - sentAt.get(seq)!));
  cross.onSeen = (_c, seq) => void (seq >= first && sentAt.has(seq) && seen.cross.push(performance.now() - sentAt.get(seq)!));
  const total = Math.round(LATENCY_RATE * LATENCY_SECONDS);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    while (performance.now() - t0 < (i * 1000) / LATENCY_RATE) await sleep(1);
    const seq = nextSeq++;
    sentAt.set(seq, performance.now());
    writer.write(seq);
  }
  await waitUntil(() => seen.same.length >= total && seen.cross.length >= total, 3_000);
  for (const c of [writer, same, cross]) c.close();
  // The first fifth warms the paths up.
  const steady = (xs: number[]) => xs.slice(Math.floor(xs.length / 5)).sort((x, y) => x - y);
  return { same: steady(seen.same), cross: steady(seen.cross) };
}

async function main(): Promise<void> {
  if (!TEST_PG) {
    console.error('bench/nodes.ts needs CYTOSHARE_TEST_PG=postgres://… (start one with test/support/pg-cluster-keeper.ts)');
    process.exit(2);
  }
  const database = await createTestDatabase();
  const dirs = [mkdtempSync(join(tmpdir(), 'cytoshare-bench-node-a-')), mkdtempSync(join(tmpdir(), 'cytoshare-bench-node-b-'))];
  // Nodes on one database share one totp.key, or the second refuses to start.
  const totpKey = randomBytes(32);
  for (const dir of dirs) writeFileSync(join(dir, 'totp.key'), totpKey, { mode: 0o600 });
  const children: ServerChild[] = [];
  try {
    const tools = await openPgStore(database);
    for (const username of ['owner', 'reader']) await createAccount(tools, { username, email: `${username}@bench.test`, password: PASSWORD, verified: true });
    await tools.saveConnection('owner', 'reader', 'connected', Date.now());
    await tools.close();

    const generatorPinned = pinToCpu(process.pid, GENERATOR_CPU);
    const a = await startChild('our-server-child.ts', [dirs[0]!, String(UNLOAD_MS), database]);
    children.push(a);
    pinToCpu(a.proc.pid!, SERVER_CPU);
    const owner = await login(a.url, 'owner');
    const reader = await login(a.url, 'reader');
    const docs: string[] = [];
    for (let d = 0; d < DOCS; d++) docs.push(`exp-${await sharedExperiment(a.url, owner, ['reader'], `Bench ${d}`)}`);
    const latencyDoc = `exp-${await sharedExperiment(a.url, owner, ['reader'], 'Latency')}`;

    console.log(`${DOCS} documents, ${WINDOW} updates in flight per writer, ${THROUGHPUT_SECONDS} s per placement${generatorPinned ? '' : ' (could not pin CPUs: figures noisier)'}`);
    await throughput(docs, owner, reader, [a], () => a, () => a); // warm-up
    const one = await throughput(docs, owner, reader, [a], () => a, () => a);

    // Two nodes: A moves to CPU 0, B takes CPU 1, the generator floats (see the header).
    const b = await startChild('our-server-child.ts', [dirs[1]!, String(UNLOAD_MS), database]);
    children.push(b);
    pinToCpu(a.proc.pid!, 0);
    pinToCpu(b.proc.pid!, 1);
    if (generatorPinned) floatOnBothCpus(process.pid);
    const nodeOf = (d: number) => (d % 2 === 0 ? a : b);
    const otherOf = (d: number) => (d % 2 === 0 ? b : a);
    await throughput(docs, owner, reader, [a, b], nodeOf, otherOf); // warm-up of B
    const homed = await throughput(docs, owner, reader, [a, b], nodeOf, nodeOf);
    const crossed = await throughput(docs, owner, reader, [a, b], nodeOf, otherOf);
    const lat = await latency(latencyDoc, owner, reader, a, b);

    console.log('\nDelivered updates per second (closed loop, all documents together), and the nodes\' CPU per delivered update');
    console.log(
      table(
        ['placement', 'updates/s', 'x 1 node', 'node CPU µs/update', 'x 1 node'],
        [
          ['1 node (pinned to CPU 1; generator on CPU 0)', fmt(one.rate, 0), '1.00', fmt(one.cpuPerUpdate, 0), '1.00'],
          ...([['2 nodes, each document on one node', homed], ['2 nodes, writer and reader on different nodes', crossed]] as const).map(([label, t]) => [
            label,
            fmt(t.rate, 0),
            fmt(t.rate / one.rate, 2),
            fmt(t.cpuPerUpdate, 0),
            fmt(t.cpuPerUpdate / one.cpuPerUpdate, 2),
          ]),
        ],
      ),
    );
    const p = (xs: number[], q: number) => percentile(xs, q);
    console.log(`\nWrite→seen latency, ${LATENCY_RATE} updates/s for ${LATENCY_SECONDS} s, ms (target: cross-node p50 ≤ 2x same-node)`);
    console.log(
      table(
        ['reader', 'p50', 'p95', 'seen'],
        [
          ['same node as the writer', fmt(p(lat.same, 50), 2), fmt(p(lat.same, 95), 2), lat.same.length],
          ['other node', fmt(p(lat.cross, 50), 2), fmt(p(lat.cross, 95), 2), lat.cross.length],
          ['ratio other / same', fmt(p(lat.cross, 50) / p(lat.same, 50), 2), fmt(p(lat.cross, 95) / p(lat.same, 95), 2), ''],
        ],
      ),
    );
  } finally {
    for (const child of children) await child.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await dropTestDatabase(database);
  }
}

/** Lets the generator run on both CPUs again (it was pinned to one for the 1-node figure). */
function floatOnBothCpus(pid: number): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0,1', String(pid)], { stdio: 'ignore' });
  } catch {
    // Left pinned: the 2-node figures then lean on CPU 0 a little more.
  }
}

await main();
