import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../../extension/cli/cytoshare.mjs');

export type ServerProcess = { url: string; child: ChildProcessWithoutNullStreams; exited: Promise<number | null> };

/**
 * `cytoshare server` in a process of its own, on 127.0.0.1 and a free port, for tests about
 * what happens when that process stops (a signal, a crash). Resolves once it prints its
 * `listening on` line; fails after 15 s. `extraArgs` go to `cytoshare server` (e.g. `--limit`); `bin` is another copy of the launcher.
 */
export function spawnServer(dataDir: string, extraArgs: string[] = [], bin = BIN): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, 'server', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  return new Promise((ok, fail) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`no listening line: ${seen}`));
    }, 15_000);
    child.stderr.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match?.[1]) {
        clearTimeout(timer);
        ok({ url: match[1], child, exited });
      }
    });
  });
}

/** A JSON POST to a spawned server (a sign-in, an intent), expecting 200; its answer. */
export async function post(url: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json();
}
