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

/** A data folder whose database stopped at migration `version`, as an older server left it. */
function olderDataFolder(version: number): { dir: string; db: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'cytoshare-migrate-'));
  dirs.push(dir);
  const db = new Database(join(dir, 'cytoshare.sqlite'));
  for (const sql of migrations.slice(0, version)) db.exec(sql);
  db.pragma(`user_version = ${version}`);
  return { dir, db };
}

/** The versions before the named migrations (their index in `migrations`). */
const GIVEN_UP_COLUMN = 3;
const EMAIL_PROOF = migrations.findIndex((sql) => sql.includes('CREATE TABLE email_claims'));

describe('upgrading a data folder', () => {
  it('keeps the accounts made before addresses were proved, with their address proved', async () => {
    const { dir, db } = olderDataFolder(EMAIL_PROOF);
    db.prepare('INSERT INTO users (username, email, password_hash, staff, created_at) VALUES (?, ?, ?, ?, ?)').run('olga', 'olga@lab.org', 'x', 0, 1_000);
    db.close();

    const store = openSqliteStore(dir);
    try {
      expect(await store.findUser('olga@lab.org')).toMatchObject({ username: 'olga', email: 'olga@lab.org' });
      expect(await store.emailClaimOf('olga')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('keeps the mail an older server queued, still due, once the given-up column exists', async () => {
    const { dir, db } = olderDataFolder(GIVEN_UP_COLUMN);
    db.prepare('INSERT INTO mail_outbox (to_addr, subject, text_body, created_at, next_attempt_at, attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      'bob@example.org', 'Shared with you', 'body', 1_000, 2_000, 3, 'ECONNREFUSED',
    );
    db.close();

    const store = openSqliteStore(dir);
    try {
      const due = await store.dueMail(5_000, 10);
      expect(due).toEqual([expect.objectContaining({ to: 'bob@example.org', attempts: 3, lastError: 'ECONNREFUSED', givenUpAt: null })]);
      expect(await store.pendingMailCount()).toBe(1);
      await store.markMailGivenUp(due[0]!.id, 6_000, '550 no such mailbox');
      expect(await store.dueMail(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect(await store.pendingMailCount()).toBe(0);
      expect(await store.undeliverableMail(10)).toEqual([expect.objectContaining({ attempts: 4, givenUpAt: 6_000, lastError: '550 no such mailbox' })]);
    } finally {
      await store.close();
    }
  });
});
