import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '../../../shared/schemas/api.ts';
import type { IntentResult } from '../../../shared/schemas/intents.ts';
import { createAccount } from '../../../sync-server/admin.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../../sync-server/server.ts';
import { openBlobs, openStore } from '../../../sync-server/store/open-store.ts';
import { createTestDatabase, dropTestDatabase } from '../../support/pg-database.ts';
import { nextId, openDoc, recordFiles, type IntentInput, type TestDoc } from './harness.ts';

/** One account as it reaches any node: its session is in the shared database. */
export type NodeUser = {
  username: string;
  token: string;
  post(node: RunningServer, path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  intent(node: RunningServer, intent: IntentInput): Promise<IntentResult>;
  createExperiment(node: RunningServer, name: string): Promise<string>;
  open(node: RunningServer, name: string): TestDoc;
};

export type Nodes = {
  database: string;
  nodes: RunningServer[];
  /** A node's data folder (its outbox, uploads on their way in). */
  dataDirs: string[];
  user(username: string): Promise<NodeUser>;
  stop(): Promise<void>;
};

/**
 * `count` real servers in this process on one fresh PostgreSQL database, each on its own port of
 * 127.0.0.1 and with a data folder of its own (holding a copy of the first one's `totp.key`), as
 * `cytoshare server --database URL` runs them.
 */
export async function startNodes(count: number, options: Partial<ServerOptions> = {}): Promise<Nodes> {
  const database = await createTestDatabase();
  const nodes: RunningServer[] = [];
  const dataDirs: string[] = [];
  const docs: TestDoc[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), `cytoshare-node${i}-`));
    // Every node seals two-step secrets with the first node's key, as the README tells an admin.
    if (i > 0) copyFileSync(join(dataDirs[0]!, 'totp.key'), join(dataDir, 'totp.key'));
    dataDirs.push(dataDir);
    const choice = { dataDir, database };
    nodes.push(
      await startServer({ dataDir, host: '127.0.0.1', port: 0, mode: 'premium', unloadDelayMs: 200, ...options, store: await openStore(choice, 'server'), blobs: openBlobs(choice) }),
    );
  }
  const everyone: string[] = [];
  return {
    database,
    nodes,
    dataDirs,
    async user(username) {
      const store = nodes[0]!.store;
      await createAccount(store, { username, email: `${username}@lab.test`, password: 'correct horse battery', verified: true });
      for (const other of everyone) await store.saveConnection(username, other, 'connected', Date.now());
      everyone.push(username);
      const login = await fetch(`${nodes[0]!.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'correct horse battery' }),
      });
      const { token } = (await login.json()) as Session;
      const post: NodeUser['post'] = async (node, path, body) => {
        const res = await fetch(`${node.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
      };
      const user: NodeUser = {
        username,
        token,
        post,
        async intent(node, intent) {
          const res = await post(node, '/api/intents', { id: nextId('draft'), ...intent });
          if (res.status !== 200) throw new Error(`intent answered ${res.status}: ${JSON.stringify(res.body)}`);
          return res.body as IntentResult;
        },
        async createExperiment(node, name) {
          const experimentId = nextId('exp');
          const result = await user.intent(node, { type: 'create', experimentId, name });
          if (!result.ok) throw new Error(`create refused: ${result.code}`);
          await recordFiles(node, experimentId, ['s1.fcs']);
          return experimentId;
        },
        open(node, name) {
          const d = openDoc(node.url, name, token);
          docs.push(d);
          return d;
        },
      };
      return user;
    },
    async stop() {
      for (const d of docs) d.destroy();
      for (const node of nodes) await node.close();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
      await dropTestDatabase(database);
    },
  };
}
