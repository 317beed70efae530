/**
 * Capacity plan by simulation: what an institution-sized Cytoshare needs (100,000 accounts,
 * 1,000,000 experiments, 10,000 public, 1,000 concurrent editors), from unit costs measured here
 * in this run and a stated workload, and which part gives out first.
 *
 *   CYTOSHARE_TEST_PG=postgres://… npx tsx bench/capacity.ts [--seconds 3] [--cpu-per-update-us 465]
 *
 * Measured in this run, on a fresh database of the PostgreSQL cluster:
 * - the append path of the PostgreSQL adapter (the document lock, the insert and its NOTIFY, one
 *   commit each), from 16 concurrent writers on 100 documents: appends per second and latency;
 * - the stored size of a typical experiment (a Yjs document with 4 files, 60 sample tags, 6 gates
 *   and sharing for 5 people, compacted into one row) and of its records, from 2,000 of them,
 *   with PostgreSQL's own relation sizes (indexes and TOAST included).
 * Taken as an input: the node CPU per delivered update (validation, append, relay), which
 * `bench/nodes.ts` measures through real sockets (465 µs on this machine's last run).
 * The printed plan is in docs/capacity-plan.md, with the reasoning.
 */
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { ExperimentRoot, tagKey } from '../shared/doc-layout.ts';
import { openPgStore } from '../sync-server/store/pg-store.ts';
import type { ExperimentRecord, Store } from '../sync-server/store/store.ts';
import { createTestDatabase, dropTestDatabase, TEST_PG } from '../test/support/pg-database.ts';
import { fmt, percentile, sortNum, table } from './lib/stats.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const SECONDS = arg('seconds', 3);
const CPU_PER_UPDATE_US = arg('cpu-per-update-us', 465);

/** The workload the plan is for; each figure is an assumption, stated where it is printed. */
const W = {
  accounts: 100_000,
  experiments: 1_000_000,
  publicExperiments: 10_000,
  editors: 1_000,
  /** Updates per second per editor, averaged over a session (typing comes in bursts of ~5/s). */
  updatesPerEditor: 0.5,
  /** Other people with the same experiment open when one edits it. */
  readersPerUpdate: 2,
  /** Cores of one node machine. */
  cores: 8,
  /** The CPU a node may use before its latency climbs. */
  targetUtilisation: 0.5,
  /** FCS bytes per experiment (4 files of ~25 MB: 1M events × 6 channels of float32). */
  fcsBytesPerExperiment: 4 * 25e6,
};

function typicalExperiment(id: string): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    doc.getMap(ExperimentRoot.meta).set('name', `Experiment ${id}`);
    doc.getMap(ExperimentRoot.meta).set('purpose', 'T cell phenotyping of donor PBMC, panel B, day 7 after stimulation.');
    const files = doc.getMap(ExperimentRoot.files);
    for (let f = 0; f < 4; f++) {
      files.set(`f${f}`, { id: `f${f}`, name: `tube_${f}.fcs`, sha256: 'a'.repeat(64), size: 25e6, events: 1e6, channels: ['FSC-A', 'SSC-A', 'CD3', 'CD4', 'CD8', 'CD45'].map((name) => ({ name })) });
    }
    const tags = doc.getMap(ExperimentRoot.tags);
    for (let f = 0; f < 4; f++) for (let d = 0; d < 15; d++) tags.set(tagKey(`tube_${f}.fcs`, `Dimension ${d}`), `value ${f}-${d}`);
    const gates = doc.getMap(ExperimentRoot.gates);
    for (let g = 0; g < 6; g++) gates.set(`g${g}`, { name: `Gate ${g}`, kind: 'polygon', xChannel: 'CD4', yChannel: 'CD8', points: [[1, 2], [3, 4], [5, 1], [2, 0]] });
    const sharing = doc.getMap(ExperimentRoot.sharing);
    sharing.set('owner', 'owner');
    sharing.set('grants', Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((u) => [u, { by: 'owner', at: 1 }])));
  });
  return doc;
}

async function measureAppends(store: Store, update: Uint8Array): Promise<{ perSecond: number; p50: number; p95: number }> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        await store.appendUpdate(`exp-capacity-${(w * 7 + i) % 100}`, update);
        latencies.push(performance.now() - t);
        done++;
      }
    }),
  );
  const sorted = sortNum(latencies);
  return { perSecond: done / SECONDS, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

async function measureStorage(store: Store, url: string): Promise<{ docBytes: number; rowBytes: number; stateBytes: number }> {
  const N = 2_000;
  const state = Y.encodeStateAsUpdate(typicalExperiment('x'));
  const records: ExperimentRecord[] = [];
  for (let i = 0; i < N; i++) {
    records.push({ id: `exp-cap-${i}`, owner: 'owner', name: `Experiment ${i}`, grants: {}, public: i % 100 === 0, curated: false, parentId: null, clonedFrom: null, projectId: null, trashed: false, createdAt: i });
  }
  await store.addUser({ username: 'owner', email: '', passwordHash: 'scrypt$x', staff: false, createdAt: 1 });
  await store.saveExperiments(records);
  for (let i = 0; i < N; i++) await store.appendUpdate(`exp-exp-cap-${i}`, Y.encodeStateAsUpdate(typicalExperiment(String(i))));
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE');
    const size = async (table: string) => Number((await client.query<{ n: string }>('SELECT pg_total_relation_size($1) AS n', [table])).rows[0]?.n ?? 0);
    // The append bench left small rows of its own in doc_updates: the experiments' rows are
    // counted by their stored (compressed) values, plus each row's share of the table's overhead.
    const one = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    const values = await one("SELECT sum(pg_column_size(data)) AS n FROM doc_updates WHERE doc LIKE 'exp-exp-cap-%'");
    const allValues = await one('SELECT sum(pg_column_size(data)) AS n FROM doc_updates');
    const rows = await one('SELECT count(*) AS n FROM doc_updates');
    const overheadPerRow = ((await size('doc_updates')) - allValues) / rows;
    return { docBytes: values / N + overheadPerRow, rowBytes: (await size('experiments')) / N, stateBytes: state.length };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  if (!TEST_PG) {
    console.error('needs a PostgreSQL cluster: CYTOSHARE_TEST_PG=postgres://… (test/support/pg-cluster-keeper.ts starts one)');
    process.exit(2);
  }
  const url = await createTestDatabase();
  const store = await openPgStore(url);
  try {
    const edit = new Y.Doc();
    edit.getMap(ExperimentRoot.tags).set(tagKey('tube_1.fcs', 'Donor'), 'D-0042');
    const update = Y.encodeStateAsUpdate(edit);
    const appends = await measureAppends(store, update);
    const storage = await measureStorage(store, url);

    // Load at the stated workload.
    const updatesPerSecond = W.editors * W.updatesPerEditor;
    const deliveriesPerSecond = updatesPerSecond * (1 + W.readersPerUpdate);
    // bench/nodes.ts reports CPU per *delivered* update, one reader per update: the cost of an
    // update with R readers is the per-delivery cost times (1 + R) / 2 (one write, R relays), a
    // conservative split.
    const cpuPerUpdateWithReaders = (CPU_PER_UPDATE_US * (1 + W.readersPerUpdate)) / 2;
    const cpuCores = (updatesPerSecond * cpuPerUpdateWithReaders) / 1e6;
    const nodes = Math.max(2, Math.ceil(cpuCores / (W.cores * W.targetUtilisation)));
    const docsGB = (W.experiments * storage.docBytes) / 1e9;
    const rowsGB = (W.experiments * storage.rowBytes) / 1e9;
    const fcsTB = (W.experiments * W.fcsBytesPerExperiment) / 1e12;
    const appendHeadroom = appends.perSecond / updatesPerSecond;

    console.log(`Measured here (PostgreSQL ${SECONDS} s, 16 writers, 100 documents; ${update.length}-byte updates):`);
    console.log(table(
      ['unit cost', 'value'],
      [
        ['appends/s (lock + insert + NOTIFY + commit)', fmt(appends.perSecond, 0)],
        ['append latency p50 / p95 (ms)', `${fmt(appends.p50, 2)} / ${fmt(appends.p95, 2)}`],
        ['typical experiment, compacted state (bytes)', storage.stateBytes],
        ['  stored in doc_updates, with index and TOAST (bytes)', fmt(storage.docBytes, 0)],
        ['  its experiments row, with indexes (bytes)', fmt(storage.rowBytes, 0)],
        ['node CPU per delivered update (µs, input from bench/nodes.ts)', CPU_PER_UPDATE_US],
      ],
    ));
    console.log(`\nWorkload: ${W.editors} concurrent editors × ${W.updatesPerEditor} updates/s, ${W.readersPerUpdate} readers each; ${W.accounts} accounts, ${W.experiments} experiments (${W.publicExperiments} public), ${W.fcsBytesPerExperiment / 1e6} MB of FCS each.`);
    console.log(table(
      ['component', 'load', 'capacity', 'headroom'],
      [
        ['updates accepted/s (PostgreSQL appends)', fmt(updatesPerSecond, 0), fmt(appends.perSecond, 0), `${fmt(appendHeadroom, 1)}x`],
        ['deliveries/s (relay to sockets)', fmt(deliveriesPerSecond, 0), '-', '-'],
        [`node CPU (cores, at ${W.targetUtilisation * 100}% of ${W.cores}-core nodes)`, fmt(cpuCores, 2), fmt(nodes * W.cores * W.targetUtilisation, 1), `${nodes} nodes`],
        ['PostgreSQL: documents (GB)', fmt(docsGB, 1), '-', '-'],
        ['PostgreSQL: experiment rows (GB)', fmt(rowsGB, 2), '-', '-'],
        ['FCS files (TB)', fmt(fcsTB, 1), '-', 'use --blobs on shared storage'],
      ],
    ));
    const first = appendHeadroom < 2 ? 'PostgreSQL commits (appends): batch or shard before adding nodes' : 'FCS storage: at this size files belong in --blobs on shared storage, not in the database';
    console.log(`\nGives out first: ${first}.`);
  } finally {
    await store.close();
    await dropTestDatabase(url);
  }
}

await main();
