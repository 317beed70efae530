/**
 * Reconnect after a day offline: a client holding 200 experiments of about 30 kB each, every
 * one edited by someone else while it was away, comes back. Time until it holds every current
 * state:
 *   ours      the client core's catch-up (extension/core/mux-catch-up.ts): one multiplexed
 *             socket, each experiment answered from stored state (no Y.Doc on the server)
 *   ours/doc  our server, one stock y-websocket provider per experiment (the old path; for
 *             where the gain comes from)
 *   reference the unvalidated reference relay (@y/websocket-server, bench/lib/ref-server-child.ts),
 *             one stock provider per experiment, holding the same documents in memory
 * Each server runs in its own process; the client runs here. Our catch-up runs with no room
 * loaded (checked), on what the server stores after such a day: the snapshot written when the
 * client was last current and the edits since (the unloads between runs keep that snapshot:
 * compaction.ts). Target: ours ≥ 5x faster than the reference.
 *
 *   npx tsx bench/reconnect.ts [--quick] [--docs 200] [--kb 30] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { catchUpOverMux } from '../extension/core/mux-catch-up.ts';
import { docName, ExperimentRoot, tagKey } from '../shared/doc-layout.ts';
import { MessageType, PROTOCOL_VERSION } from '../shared/protocol/message-types.ts';
import type { ExperimentRecord } from '../sync-server/store/store.ts';
import { createAccount } from '../sync-server/admin.ts';
import { openSqliteStore } from '../sync-server/store/sqlite-store.ts';
import { compactStored } from '../sync-server/sync/compaction.ts';
import { login, PASSWORD } from './lib/accounts.ts';
import { startChild } from './lib/child.ts';
import { fmt, median, table } from './lib/stats.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const quick = process.argv.includes('--quick');
const DOCS = Number(arg('docs') ?? (quick ? 40 : 200));
const KB = Number(arg('kb') ?? 30);
const RUNS = Number(arg('runs') ?? (quick ? 2 : 5));
const EDITS_PER_DOC = 20;
const TIMEOUT_MS = 120_000;
/** Our server unloads a room this long after its last socket left (so every catch-up run finds none loaded). */
const UNLOAD_MS = 300;

/** One experiment's content as its owner wrote it: about KB kilobytes of sample tags. */
function initialState(i: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 1_000_000 + i;
  const tags = doc.getMap(ExperimentRoot.tags);
  const cells = Math.round((KB * 1024) / 110);
  doc.transact(() => {
    doc.getMap(ExperimentRoot.meta).set('name', `experiment ${i}`);
    for (let c = 0; c < cells; c++) tags.set(tagKey(`s${c % 40}.fcs`, `Dimension ${Math.floor(c / 40)}`), `value ${c} of experiment ${i}, `.padEnd(80, 'x'));
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** What the owner changed while the client was away, on top of `initial`. */
function edits(i: number, initial: Uint8Array): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 1_000_000 + i;
  Y.applyUpdate(doc, initial);
  const before = Y.encodeStateVector(doc);
  doc.transact(() => {
    doc.getMap(ExperimentRoot.meta).set('purpose', `edited while away ${i}`);
    for (let c = 0; c < EDITS_PER_DOC; c++) doc.getMap(ExperimentRoot.tags).set(tagKey(`s${c}.fcs`, 'Dimension 0'), `new value ${c}`);
  });
  const update = Y.encodeStateAsUpdate(doc, before);
  doc.destroy();
  return update;
}

const idOf = (i: number) => `recon${i.toString().padStart(5, '0')}`;
const current = (doc: Y.Doc, i: number) => doc.getMap(ExperimentRoot.meta).get('purpose') === `edited while away ${i}`;

/** The client's copies as it left them: the initial state of every experiment. */
function heldCopies(initial: Uint8Array[]): Map<string, Y.Doc> {
  const docs = new Map<string, Y.Doc>();
  initial.forEach((update, i) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    docs.set(docName.experiment(idOf(i)), doc);
  });
  return docs;
}

async function timedAllCurrent(docs: Map<string, Y.Doc>, run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const stale = [...docs.values()].filter((doc, i) => !current(doc, i)).length;
  if (stale > 0) throw new Error(`${stale} documents not current after the catch-up`);
  return ms;
}

/** One stock provider per document, all at once, until every one has synced. */
async function perDocument(wsBase: string, token: string | null, docs: Map<string, Y.Doc>): Promise<void> {
  const providers: WebsocketProvider[] = [];
  try {
    await Promise.all(
      [...docs].map(([name, doc]) => {
        const provider = new WebsocketProvider(wsBase, name, doc, {
          params: token ? { token, v: String(PROTOCOL_VERSION) } : {},
          WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
          disableBc: true,
        });
        provider.messageHandlers[MessageType.control] = () => undefined;
        providers.push(provider);
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${name} did not sync`)), TIMEOUT_MS);
          provider.on('sync', (synced: boolean) => {
            if (synced) (clearTimeout(timer), resolve());
          });
        });
      }),
    );
  } finally {
    for (const provider of providers) provider.destroy();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cytoshare-bench-reconnect-'));
const initial = Array.from({ length: DOCS }, (_, i) => initialState(i));
const later = initial.map((update, i) => edits(i, update));
console.error(`${DOCS} experiments of ${fmt(initial.reduce((s, u) => s + u.byteLength, 0) / DOCS / 1024)} kB, ${EDITS_PER_DOC + 1} edits each while away`);

// Our server's storage as a day of editing leaves it, its room long unloaded: the snapshot its
// room wrote when it last unloaded with the client current (compaction.ts, as the server does
// it), then the edits appended while the client was away.
const seed = openSqliteStore(dir);
for (const username of ['owner', 'reader']) await createAccount(seed, { username, email: `${username}@bench.test`, password: PASSWORD, verified: true });
const records: ExperimentRecord[] = initial.map((_, i) => ({
  id: idOf(i), owner: 'owner', name: `experiment ${i}`, grants: { reader: { by: 'owner', at: 1 } },
  public: false, curated: false, parentId: null, clonedFrom: null, projectId: null, trashed: false, createdAt: 1,
}));
await seed.saveExperiments(records);
for (let i = 0; i < DOCS; i++) {
  const name = docName.experiment(idOf(i));
  const doc = new Y.Doc();
  Y.applyUpdate(doc, initial[i]!);
  await compactStored(seed, name, doc, await seed.appendUpdate(name, initial[i]!), 1);
  doc.destroy();
  await seed.appendUpdate(name, later[i]!);
}
await seed.close();

const ours = await startChild('our-server-child.ts', [dir, String(UNLOAD_MS)]);
const ref = await startChild('ref-server-child.ts');
// The reference relay keeps a document only while a socket holds it: the owner's providers
// bring it every current state and stay connected through the runs.
const ownerDocs = new Map(initial.map((update, i) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  Y.applyUpdate(doc, later[i]!);
  return [docName.experiment(idOf(i)), doc] as const;
}));
const ownerProviders = [...ownerDocs].map(([name, doc]) => new WebsocketProvider(ref.url.replace(/^http/, 'ws'), name, doc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true }));
await Promise.all(ownerProviders.map((p) => new Promise<void>((resolve) => (p.synced ? resolve() : p.once('sync', () => resolve())))));

try {
  const { token } = await login(ours.url, 'reader');
  const figures = { ours: [] as number[], oursPerDoc: [] as number[], reference: [] as number[] };
  for (let r = 0; r < RUNS; r++) {
    let docs = heldCopies(initial);
    figures.reference.push(await timedAllCurrent(docs, () => perDocument(ref.url.replace(/^http/, 'ws'), null, docs)));
    // Ours first, with no room loaded (as after a day away): every answer comes from stored state.
    const loaded = (await ours.heap()).loaded;
    if (loaded !== 0) throw new Error(`${loaded} rooms still loaded before the catch-up`);
    docs = heldCopies(initial);
    figures.ours.push(
      await timedAllCurrent(docs, async () => {
        const outcome = await catchUpOverMux(docs, { server: ours.url, token, WebSocketPolyfill: WebSocket }, TIMEOUT_MS);
        if (outcome.t !== 'done' || outcome.results.size !== DOCS) throw new Error(`catch-up: ${JSON.stringify(outcome.t)}`);
      }),
    );
    // Sockets count against the account's budget (socketsPerAccount) until the server saw them close.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    docs = heldCopies(initial);
    figures.oursPerDoc.push(await timedAllCurrent(docs, () => perDocument(`${ours.url.replace(/^http/, 'ws')}/sync`, token, docs)));
    // The rooms that loaded unload (and compact) before the next run.
    await new Promise((resolve) => setTimeout(resolve, UNLOAD_MS + 2_000));
    console.error(`run ${r + 1}: ours ${fmt(figures.ours.at(-1)!)} ms, ours/doc ${fmt(figures.oursPerDoc.at(-1)!)} ms, reference ${fmt(figures.reference.at(-1)!)} ms`);
  }
  const [o, d, ref_] = [median(figures.ours), median(figures.oursPerDoc), median(figures.reference)];
  console.log(
    table(
      ['experiments', 'kB each', 'ours ms (one socket, stored state)', 'ours ms (one socket per doc)', 'reference ms (one socket per doc)', 'reference / ours'],
      [[DOCS, fmt(KB, 0), fmt(o), fmt(d), fmt(ref_), `${fmt(ref_ / o)}x`]],
    ),
  );
  console.log(`target: reference / ours ≥ 5x (median of ${RUNS} runs; until every experiment holds its current state)`);
} finally {
  for (const p of ownerProviders) p.destroy();
  await ours.stop();
  await ref.stop();
  rmSync(dir, { recursive: true, force: true });
}
