import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../sync-server/store/sqlite-schema.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('upgrading a data folder to the account-lifecycle schema', () => {
  it('gives existing sessions distinct public ids, keeps accounts enabled, and records ends from then on', async () => {
    const version = migrations.findIndex((m) => m.includes('CREATE TABLE session_ends'));
    expect(version).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'cytoshare-migrate-accounts-'));
    dirs.push(dir);
    const db = new Database(join(dir, 'cytoshare.sqlite'));
    for (const sql of migrations.slice(0, version)) db.exec(sql);
    db.pragma(`user_version = ${version}`);
    db.prepare('INSERT INTO users (username, email, password_hash, staff, created_at) VALUES (?, ?, ?, 0, 1)').run('alice', 'alice@lab.org', 'x');
    for (const hash of ['h1', 'h2']) db.prepare('INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, 1, ?)').run(hash, 'alice', Date.now() + 60_000);
    db.close();

    const store = openSqliteStore(dir);
    try {
      const sessions = await store.sessionsOf('alice');
      expect(sessions).toHaveLength(2);
      expect(new Set(sessions.map((s) => s.publicId)).size).toBe(2);
      for (const s of sessions) expect(s.publicId).toMatch(/^[0-9a-f]{16}$/);
      expect((await store.findUser('alice'))?.disabledAt).toBeNull();
      const before = await store.lastSessionEnd();
      expect(await store.setDisabled('alice', 5_000)).toBe(true);
      expect(await store.sessionsOf('alice')).toEqual([]);
      const ends = await store.sessionEndsSince(before, 10);
      expect(ends.map((e) => e.tokenHash).slice(0, 2).sort()).toEqual(['h1', 'h2']);
      expect(ends[2]).toMatchObject({ username: 'alice', tokenHash: null });
      expect(await store.setDisabled('nobody', 5_000)).toBe(false);
    } finally {
      await store.close();
    }
  });
});
