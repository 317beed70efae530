import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.ts';
import { spawnServer } from './support/server-process.ts';

describe('cytoshare server and admin', () => {
  it('serves on a free port, takes accounts from `admin`, and stops on SIGTERM', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cytoshare-srv-'));
    const data = join(root, 'data');
    const { url, child, exited } = await spawnServer(data);
    try {
      const added = await cli(['admin', '--data', data, 'add-user', 'dora', '--email', 'dora@lab.example', '--password-stdin', '--json'], 'long enough pw\n');
      expect(added.code).toBe(0);
      const again = await cli(['admin', '--data', data, 'add-user', 'dora', '--email', 'other@lab.example', '--password-stdin'], 'long enough pw\n');
      expect(again.code).toBe(3);
      expect(again.stderr).toMatch(/USERNAME_TAKEN/);
      const login = await cli(['login', 'dora', '--password-stdin', '--server', url, '--profile', join(root, 'p'), '--json'], 'long enough pw\n');
      expect(login.code).toBe(0);
      expect(login.json.username).toBe('dora');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
