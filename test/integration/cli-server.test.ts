import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.ts';
import { spawnServer } from './support/server-process.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';

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

  it('shows the admin the mail waiting and the mail given up, without subjects', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cytoshare-mail-admin-'));
    try {
      const store = openSqliteStore(root);
      await store.enqueueMail({ to: 'bob@lab.example', subject: 'Tregs shared', text: 't', html: null, at: 1_000 });
      const gone = await store.enqueueMail({ to: 'gone@lab.example', subject: 'Tregs shared', text: 't', html: null, at: 1_000 });
      await store.markMailGivenUp(gone, 9_000, 'EENVELOPE 550 no such mailbox');
      await store.close();

      const status = await cli(['admin', '--data', root, 'mail', '--json']);
      expect(status.code).toBe(0);
      expect(status.json).toEqual({
        pending: 1,
        undeliverable: [{ id: gone, to: 'gone@lab.example', attempts: 1, createdAt: 1_000, givenUpAt: 9_000, error: 'EENVELOPE 550 no such mailbox' }],
      });
      const human = await cli(['admin', '--data', root, 'mail']);
      expect(human.stdout).toMatch(/1 waiting to be sent; 1 given up/);
      expect(human.stdout).toMatch(/gone@lab\.example.*550 no such mailbox/);
      expect(human.stdout).not.toMatch(/Tregs/);

      const retried = await cli(['admin', '--data', root, 'mail', '--retry', String(gone), '--json']);
      expect(retried.code).toBe(0);
      expect((await cli(['admin', '--data', root, 'mail', '--json'])).json).toEqual({ pending: 2, undeliverable: [] });
      const again = await cli(['admin', '--data', root, 'mail', '--retry', String(gone)]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/no given-up mail/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('collects unlisted FCS files from the admin command, dry run first', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cytoshare-gc-admin-'));
    try {
      const notData = await cli(['admin', '--data', root, 'gc-blobs']);
      expect(notData.code).toBe(2);
      expect(notData.stderr).toMatch(/no Cytoshare database/);
      await openSqliteStore(root).close();
      const orphan = join(root, 'blobs', 'ab'.repeat(32));
      await mkdir(join(root, 'blobs'), { recursive: true });
      await writeFile(orphan, 'not listed anywhere');
      const hourAgo = new Date(Date.now() - 2 * 3_600_000);
      await utimes(orphan, hourAgo, hourAgo);

      const dry = await cli(['admin', '--data', root, 'gc-blobs', '--dry-run', '--json']);
      expect(dry.code).toBe(0);
      expect(dry.json).toEqual({ referenced: 0, removed: 1, freedBytes: 19, recent: 0, dryRun: true });
      expect(existsSync(orphan)).toBe(true);
      const real = await cli(['admin', '--data', root, 'gc-blobs']);
      expect(real.stdout).toMatch(/removed 1 unlisted files \(19 bytes\)/);
      expect(existsSync(orphan)).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
