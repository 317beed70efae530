import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFcs } from '../../shared/fcs/index.ts';
import { addUser } from '../../sync-server/admin.ts';
import { startServer, type RunningServer } from '../../sync-server/server.ts';
import type { ServerLimits } from '../../sync-server/limits.ts';

/**
 * Runs the real `cytoshare` binary as a child process against a real server on 127.0.0.1, each
 * user with a profile directory of their own. Every run is bounded by a timeout. The binary
 * runs the compiled dist/ when it is current (as after `npm ci`), else the sources through tsx.
 */
const BIN = resolve(import.meta.dirname, '../../extension/cli/cytoshare.mjs');

export type Run = { code: number; stdout: string; stderr: string; json: any };

/** `bin`: another copy of the launcher, such as one installed from the packed package. */
export function cli(args: string[], input?: string, timeoutMs = 15_000, bin = BIN): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [bin, ...args], { timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      let json: unknown = undefined;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      done({ code, stdout, stderr, json });
    });
    child.stdin?.end(input ?? '');
  });
}

export type World = {
  server: RunningServer;
  url: string;
  root: string;
  /** Runs the CLI as `user` with --json and that user's profile. */
  as(user: string, args: string[], input?: string): Promise<Run>;
  login(user: string): Promise<Run>;
  stop(): Promise<void>;
  /** Starts the server again on the same data and port (sessions name the server by URL). */
  restart(): Promise<void>;
};

export const PASSWORD = 'correct horse battery';

export async function world(users: string[], { connected = true, limits }: { connected?: boolean; limits?: Partial<ServerLimits> } = {}): Promise<World> {
  const root = await mkdtemp(join(tmpdir(), 'cytoshare-cli-'));
  const dataDir = join(root, 'data');
  let server = await startServer({ dataDir, host: '127.0.0.1', port: 0, mode: 'premium', ...(limits ? { limits } : {}) });
  for (const user of users) await addUser(dataDir, { username: user, email: `${user}@lab.example`, password: PASSWORD, verified: true });
  // A fixture for sharing tests: everyone starts connected (connections have tests of their own).
  if (connected) for (const [i, a] of users.entries()) for (const b of users.slice(i + 1)) await server.store.saveConnection(a, b, 'connected', Date.now());
  const url = `http://127.0.0.1:${server.port}`;
  let stopped = false;
  const as = (user: string, args: string[], input?: string) => cli([...args, '--json', '--server', url, '--profile', join(root, `profile-${user}`)], input);
  return {
    get server() {
      return server;
    },
    url,
    root,
    as,
    login: (user) => as(user, ['login', user, '--password-stdin'], `${PASSWORD}\n`),
    async stop() {
      if (!stopped) await server.close();
      stopped = true;
    },
    async restart() {
      server = await startServer({ dataDir, host: '127.0.0.1', port: server.port, ...(limits ? { limits } : {}) });
      stopped = false;
    },
  };
}

export async function cleanup(w: World | undefined): Promise<void> {
  if (!w) return;
  await w.stop();
  await rm(w.root, { recursive: true, force: true });
}

/** A small FCS file at `path`: `count` events on FSC-A and SSC-A, the i-th event at (i, 2i). */
export function fcsFile(path: string, count = 10): string {
  const events = new Float64Array(count * 2);
  for (let i = 0; i < count; i++) {
    events[2 * i] = i;
    events[2 * i + 1] = 2 * i;
  }
  writeFileSync(path, writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A', label: 'side scatter' }], events, dataType: 'F' }));
  return path;
}

/**
 * Uploads a small FCS file named `name` (channels FSC-A and SSC-A) into `exp` as `user`: sample
 * tags and gates refer to the experiment's files, so tests that tag or gate add one first.
 */
export async function addFile(w: World, user: string, exp: string, name = 's1.fcs'): Promise<string> {
  const folder = await mkdtemp(join(w.root, 'upload-'));
  const added = await w.as(user, ['file', 'add', exp, fcsFile(join(folder, name))]);
  if (added.code !== 0) throw new Error(`upload of ${name} failed: ${added.stderr}`);
  return added.json.fileId as string;
}
