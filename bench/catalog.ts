/**
 * Opening the public catalog at 1k, 10k and 100k public experiments: the first page of
 * `GET /api/catalog` (what the Public list asks for now) against syncing the whole `catalog`
 * document over the WebSocket (what every client did before), in the same run on the same server.
 * Experiments are seeded straight into the store (and the catalog document written as the
 * projections would), not through 100k intents. Target: the route flat across sizes.
 *
 *   npx tsx bench/catalog.ts [--sizes 1000,10000,100000] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { docName, IndexRoot } from '../shared/doc-layout.ts';
import { MessageType, PROTOCOL_VERSION } from '../shared/protocol/message-types.ts';
import { createAccount } from '../sync-server/admin.ts';
import { catalogEntryFor } from '../sync-server/effects/projections.ts';
import { startServer } from '../sync-server/server.ts';
import type { ExperimentRecord } from '../sync-server/store/store.ts';
import { login, PASSWORD } from './lib/accounts.ts';
import { fmt, median, table } from './lib/stats.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SIZES = (arg('sizes') ?? '1000,10000,100000').split(',').map(Number);
const RUNS = Number(arg('runs') ?? 5);
const PAGE = 50;
const WORDS = ['CD8', 'CD4', 'B cell', 'NK', 'Myeloid', 'Treg', 'panel', 'donor', 'stim', 'sort'];

function experiment(i: number): ExperimentRecord {
  const id = `pub${i.toString(36).padStart(9, '0')}`;
  const name = `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`;
  return { id, owner: 'owner', name, grants: {}, public: true, curated: i % 20 === 0, parentId: null, clonedFrom: null, projectId: null, trashed: false, createdAt: 1 };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** The whole catalog document over y-websocket, as a client without the route opened it. */
async function openWholeDocument(url: string, token: string): Promise<number> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url.replace(/^http/, 'ws') + '/sync', docName.catalog, doc, {
    params: { token, v: String(PROTOCOL_VERSION) },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  // The server's control messages (not part of the stock protocol) are not needed here.
  provider.messageHandlers[MessageType.control] = () => undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('catalog document did not sync in 120 s')), 120_000);
      provider.on('sync', (synced: boolean) => {
        if (synced) (clearTimeout(timer), resolve());
      });
    });
    return Y.encodeStateAsUpdate(doc).byteLength;
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

async function firstPage(url: string, token: string, query: string): Promise<number> {
  const res = await fetch(`${url}/api/catalog?limit=${PAGE}${query}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`catalog route answered ${res.status}: ${text}`);
  return Buffer.byteLength(text);
}

type Row = { size: number; routeMs: number; routeBytes: number; searchMs: number; docColdMs: number; docMs: number; docBytes: number };

async function measure(size: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'cytoshare-bench-catalog-'));
  const server = await startServer({ dataDir: dir, host: '127.0.0.1', port: 0 });
  try {
    for (const username of ['owner', 'reader']) await createAccount(server.store, { username, email: `${username}@bench.test`, password: PASSWORD, verified: true });
    const seed = new Y.Doc();
    const map = seed.getMap(IndexRoot.experiments);
    for (let i = 0; i < size; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, size - i) }, (_, k) => experiment(i + k));
      await server.store.saveExperiments(batch);
      seed.transact(() => {
        for (const exp of batch) map.set(exp.id, { ...catalogEntryFor(exp), changedAt: 1, tagValues: ['Donor 1', 'stim'] });
      });
    }
    await server.store.appendUpdate(docName.catalog, Y.encodeStateAsUpdate(seed));
    seed.destroy();
    const { token } = await login(server.url, 'reader');

    const route: number[] = [];
    const search: number[] = [];
    let routeBytes = 0;
    for (let r = 0; r < RUNS; r++) {
      const t = await timed(() => firstPage(server.url, token, ''));
      route.push(t.ms);
      routeBytes = t.value;
      search.push((await timed(() => firstPage(server.url, token, '&filter=curated&search=cd8%20panel'))).ms);
    }
    const doc: number[] = [];
    let docBytes = 0;
    for (let r = 0; r < Math.min(RUNS, 3); r++) {
      const t = await timed(() => openWholeDocument(server.url, token));
      doc.push(t.ms);
      docBytes = t.value;
    }
    return { size, routeMs: median(route), routeBytes, searchMs: median(search), docColdMs: doc[0] ?? NaN, docMs: median(doc), docBytes };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const size of SIZES) {
  rows.push(await measure(size));
  console.error(`measured ${size}`);
}
const first = rows[0]!;
console.log(
  table(
    ['public', `route ms (${PAGE} rows)`, 'route bytes', 'route search ms', 'doc ms cold', 'doc ms', 'doc bytes', 'doc/route ms', 'doc/route bytes', `route ms vs ${first.size}`],
    rows.map((r) => [
      r.size.toLocaleString('en'), fmt(r.routeMs), r.routeBytes.toLocaleString('en'), fmt(r.searchMs), fmt(r.docColdMs), fmt(r.docMs),
      r.docBytes.toLocaleString('en'), `${fmt(r.docMs / r.routeMs)}x`, `${fmt(r.docBytes / r.routeBytes)}x`, `${fmt(r.routeMs / first.routeMs, 2)}x`,
    ]),
  ),
);
console.log('target: route ms and bytes flat across sizes (last column near 1x); doc bytes = the state the client holds after syncing the whole document');
