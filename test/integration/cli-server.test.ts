import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.ts';

const BIN = resolve(import.meta.dirname, '../../extension/cli/cytoshare.mjs');

describe('cytoshare server and admin', () => {
  it('serves on a free port, takes accounts from `admin`, and stops on SIGTERM', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cytoshare-srv-'));
    const data = join(root, 'data');
    const child = spawn(process.execPath, [BIN, 'server', '--data', data, '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let seen = '';
        const timer = setTimeout(() => fail(new Error(`no listening line: ${seen}`)), 10_000);
        child.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
          if (match?.[1]) {
            clearTimeout(timer);
            ok(match[1]);
          }
        });
      });
      const added = await cli(['admin', '--data', data, 'add-user', 'dora', '--email', 'dora@lab.example', '--password-stdin', '--json'], 'long enough pw\n');
      expect(added.code).toBe(0);
      const again = await cli(['admin', '--data', data, 'add-user', 'dora', '--email', 'other@lab.example', '--password-stdin'], 'long enough pw\n');
      expect(again.code).toBe(3);
      expect(again.stderr).toMatch(/USERNAME_TAKEN/);
      const login = await cli(['login', 'dora', '--password-stdin', '--server', url, '--profile', join(root, 'p'), '--json'], 'long enough pw\n');
      expect(login.code).toBe(0);
      expect(login.json.username).toBe('dora');
      const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
