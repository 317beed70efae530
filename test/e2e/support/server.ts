import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The real sync server, in-process, on 127.0.0.1. `stop()` then `start()` again reuses the same
 * data directory and port, which is how a test takes the server "offline" and brings it back.
 * The server modules are loaded by path so this fixture compiles before they exist.
 */
type RunningServer = { close(): Promise<void> } & Record<string, unknown>;
type ServerModule = {
  startServer(options: { dataDir: string; host: string; port: number; mode: 'premium' | 'enterprise' }): Promise<RunningServer>;
};
type AdminModule = {
  addUser(dataDir: string, user: { username: string; email: string; password: string; staff: boolean }): Promise<unknown> | unknown;
};

const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(resolve(path)).href)) as T;

export type TestServer = {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  addUser(username: string, password?: string, staff?: boolean): Promise<void>;
  dispose(): Promise<void>;
};

export const PASSWORD = 'correct horse battery';

function portOf(server: RunningServer): number {
  if (typeof server.port === 'number') return server.port;
  if (typeof server.url === 'string') return Number(new URL(server.url).port);
  const address = (server as { address?: () => { port: number } }).address?.();
  if (address) return address.port;
  throw new Error('cannot tell which port the server listens on');
}

export async function startTestServer(options: { mode?: 'premium' | 'enterprise' } = {}): Promise<TestServer> {
  const { startServer } = await load<ServerModule>('sync-server/server.ts');
  const { addUser } = await load<AdminModule>('sync-server/admin.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-data-'));
  const mode = options.mode ?? 'premium';
  let running: RunningServer | null = await startServer({ dataDir, host: '127.0.0.1', port: 0, mode });
  const port = portOf(running);
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
      running = await startServer({ dataDir, host: '127.0.0.1', port, mode });
    },
    async addUser(username, password = PASSWORD, staff = false) {
      await addUser(dataDir, { username, email: `${username}@example.org`, password, staff });
    },
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
