import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { docName } from '../../../shared/doc-layout.ts';
import { readControl, type ControlMessage } from '../../../shared/protocol/control.ts';
import { MessageType, PROTOCOL_VERSION } from '../../../shared/protocol/message-types.ts';
import type { Session } from '../../../shared/schemas/api.ts';
import type { Intent, IntentResult } from '../../../shared/schemas/intents.ts';
import { createAccount } from '../../../sync-server/admin.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../../sync-server/server.ts';
import { openBlobs, openStore } from '../../../sync-server/store/open-store.ts';
import { createTestDatabase, dropTestDatabase } from '../../support/pg-database.ts';

/**
 * A real server on 127.0.0.1 (port 0) over a fresh data folder, and clients that talk to it
 * the way the product does: HTTP for accounts and intents, the stock y-websocket provider for
 * documents. Every wait is bounded so a broken server fails a test instead of hanging it.
 */
export type Harness = {
  server: RunningServer;
  dataDir: string;
  /** The PostgreSQL database the server runs on (`backend: 'postgres'`), else null. */
  database: string | null;
  /** Stops the server and starts it again on the same data; `whileStopped` runs in between. */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  user(username: string, opts?: { staff?: boolean }): Promise<TestUser>;
};

/** An intent whose draft id the harness fills in; distributive so each variant keeps its fields. */
export type IntentInput = Intent extends infer I ? (I extends Intent ? Omit<I, 'id'> & { id?: string } : never) : never;

export type TestUser = {
  username: string;
  token: string;
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  intent(intent: IntentInput): Promise<IntentResult>;
  createExperiment(name: string): Promise<string>;
  open(doc: string, into?: Y.Doc): Promise<TestDoc>;
};

export type TestDoc = {
  doc: Y.Doc;
  provider: WebsocketProvider;
  controls: ControlMessage[];
  closed: Promise<{ code: number; reason: string }>;
  waitFor(predicate: () => boolean, what: string, ms?: number): Promise<void>;
  waitForControl(t: ControlMessage['t'], ms?: number): Promise<ControlMessage>;
  destroy(): void;
};

let counter = 0;
export function nextId(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter.toString().padStart(4, '0')}`;
}

export async function waitUntil(predicate: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Which store the harness's server runs on: SQLite (the default), or a fresh database on the PostgreSQL test cluster. */
export type HarnessStore = 'sqlite' | 'postgres';

/**
 * `connectAll` (default on) connects every new user with every earlier one, as a fixture for
 * tests about sharing rather than about connections. `backend` picks the database (default
 * SQLite, or CYTOSHARE_HARNESS_STORE): with 'postgres' records, updates and FCS files go to a
 * database of its own on the test cluster, dropped by `stop`.
 */
export async function startHarness(options: Partial<ServerOptions> & { connectAll?: boolean; backend?: HarnessStore } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-it-'));
  const { connectAll = true, backend = (process.env['CYTOSHARE_HARNESS_STORE'] as HarnessStore | undefined) ?? 'sqlite', ...serverOptions } = options;
  const database = backend === 'postgres' ? await createTestDatabase() : null;
  const base = { dataDir, host: '127.0.0.1', port: 0, mode: 'premium' as const, unloadDelayMs: 200, ...serverOptions };
  // Each start opens the chosen store anew: a server closes the store it was given.
  const start = async (port: number) => {
    if (database === null) return startServer({ ...base, port });
    const choice = { dataDir, database };
    return startServer({ ...base, port, store: await openStore(choice, 'server'), blobs: openBlobs(choice) });
  };
  const users: string[] = [];
  const docs: TestDoc[] = [];
  const harness: Harness = {
    server: await start(base.port),
    dataDir,
    database,
    async restart(whileStopped) {
      const port = harness.server.port;
      await harness.server.close();
      await whileStopped?.();
      harness.server = await start(port);
    },
    async stop() {
      for (const d of docs) d.destroy();
      await harness.server.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (database !== null) await dropTestDatabase(database);
    },
    async user(username, { staff = false } = {}) {
      await createAccount(harness.server.store, { username, email: `${username}@lab.test`, password: 'correct horse battery', staff, verified: true });
      if (connectAll) for (const other of users) await harness.server.store.saveConnection(username, other, 'connected', Date.now());
      users.push(username);
      const login = await fetch(`${harness.server.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'correct horse battery' }),
      });
      const session = (await login.json()) as Session;
      const post = async (path: string, body: unknown) => {
        const send = () =>
          fetch(`${harness.server.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          });
        // After a restart the first request may meet a pooled socket of the old server.
        const res = await send().catch(() => send());
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
      };
      const user: TestUser = {
        username,
        token: session.token,
        post,
        async intent(intent) {
          const res = await post('/api/intents', { id: nextId('draft'), ...intent });
          if (res.status !== 200) throw new Error(`intent answered ${res.status}: ${JSON.stringify(res.body)}`);
          return res.body as IntentResult;
        },
        async createExperiment(name) {
          const experimentId = nextId('exp');
          const result = await user.intent({ type: 'create', experimentId, name });
          if (!result.ok) throw new Error(`create refused: ${result.code}`);
          await recordFiles(harness.server, experimentId, FIXTURE_FILES);
          return experimentId;
        },
        async open(name, into) {
          const d = openDoc(harness.server.url, name, session.token, into);
          docs.push(d);
          return d;
        },
      };
      return user;
    },
  };
  return harness;
}

/**
 * A fixture for edit tests: every experiment the harness creates holds these files (channels
 * FSC-A and SSC-A), since a sample tag must name a file of the experiment and a gate its
 * channels. Uploads have tests of their own; here the records are written as an upload would.
 */
export const FIXTURE_FILES = [...Array.from({ length: 40 }, (_, i) => `s${i}.fcs`), 'tube1.fcs'];

export async function recordFiles(server: RunningServer, experimentId: string, names: readonly string[]): Promise<void> {
  await server.rooms.with(docName.experiment(experimentId), (room) =>
    room.serverWrite((doc) => {
      names.forEach((name, i) =>
        doc.getMap('files').set(`fixture${i}`, {
          name, sha256: '0'.repeat(64), size: 0, events: 0, channels: [{ name: 'FSC-A', label: null }, { name: 'SSC-A', label: null }],
          version: '3.1', uploadedBy: 'fixture', uploadedAt: 0,
        }),
      );
    }),
  );
}

export function openDoc(serverUrl: string, name: string, token: string, doc = new Y.Doc()): TestDoc {
  const controls: ControlMessage[] = [];
  const provider = new WebsocketProvider(serverUrl.replace(/^http/, 'ws') + '/sync', name, doc, {
    params: { token, v: String(PROTOCOL_VERSION) },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  provider.messageHandlers[MessageType.control] = (_encoder, decoder: decoding.Decoder) => {
    const message = readControl(decoder);
    if (message) controls.push(message);
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    provider.on('connection-close', (event) => {
      if (event && event.code >= 4400) resolve({ code: event.code, reason: event.reason });
    }),
  );
  return {
    doc,
    provider,
    controls,
    closed,
    waitFor: (predicate, what, ms) => waitUntil(predicate, what, ms),
    async waitForControl(t, ms = 5_000) {
      const start = controls.length;
      await waitUntil(() => controls.slice(start).some((c) => c.t === t), `control ${t}`, ms);
      return controls.slice(start).find((c) => c.t === t) as ControlMessage;
    },
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export { docName };
