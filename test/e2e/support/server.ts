import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser } from '../../../sync-server/admin.ts';
import { createLogger } from '../../../sync-server/log.ts';
import { startServer, type RunningServer } from '../../../sync-server/server.ts';

/**
 * The real sync server, in-process, on 127.0.0.1. `stop()` then `start()` again reuses the same
 * data directory and port, which is how a test takes the server "offline" and brings it back.
 */
export type TestServer = {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  addUser(username: string, password?: string, staff?: boolean): Promise<void>;
  /** Signs in over the HTTP API, as a script or another device would. */
  login(username: string, password?: string): Promise<string>;
  /** Sends a sharing intent over the HTTP API with a token from `login`. */
  intent(token: string, intent: Record<string, unknown>): Promise<{ ok: boolean; code?: string }>;
  /** Connects two accounts over the HTTP API (request, then accept), as premium sharing needs. */
  connect(a: string, b: string): Promise<void>;
  dispose(): Promise<void>;
};

const quiet = createLogger(undefined, true);

export const PASSWORD = 'correct horse battery';

export async function startTestServer(options: { mode?: 'premium' | 'enterprise' } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-data-'));
  const mode = options.mode ?? 'premium';
  let running: RunningServer | null = await startServer({ dataDir, host: '127.0.0.1', port: 0, mode, log: quiet });
  const port = running.port;
  const server: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    async stop() {
      const current = running;
      running = null;
      await current?.close();
    },
    async start() {
      if (running) return;
      running = await startServer({ dataDir, host: '127.0.0.1', port, mode, log: quiet });
    },
    async login(username, password = PASSWORD) {
      const response = await fetch(`${server.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!response.ok) throw new Error(`login of ${username} failed: ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
    async intent(token, intent) {
      const response = await fetch(`${server.url}/api/intents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ id: `e2e${Math.random().toString(36).slice(2, 14)}`, ...intent }),
      });
      return (await response.json()) as { ok: boolean; code?: string };
    },
    async connect(a, b) {
      const asked = await server.intent(await server.login(a), { type: 'connect', email: `${b}@example.org` });
      const answered = await server.intent(await server.login(b), { type: 'accept', user: a });
      if (!asked.ok || !answered.ok) throw new Error(`could not connect ${a} and ${b}: ${asked.code ?? answered.code}`);
    },
    async addUser(username, password = PASSWORD, staff = false) {
      await addUser(dataDir, { username, email: `${username}@example.org`, password, staff, verified: true });
    },
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
