import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash, HistoryAnswer, nextLink, type HistoryEntry, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import { Api } from '../../extension/core/api.ts';
import { DATABASE_FILE } from '../../sync-server/store/sqlite-store.ts';
import { PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { startHarness, type Harness, type HarnessStore, type TestUser } from './support/harness.ts';

/**
 * A long history, read a page at a time, where each answer's check costs the page rather than
 * the whole chain (the server remembers how far it checked): an entry edited, rewritten or
 * deleted in the middle, before or after that, is still caught: by the answer carrying it and
 * by the joined history the CLI and the manager read.
 */
const PER_ANSWER = 10;
const LENGTH = 200;

/** Raw SQL on the server's database, as someone with access to its files or its role would run it. */
async function onDatabase(h: Harness, statement: string, params: unknown[]): Promise<void> {
  if (h.database === null) {
    const db = new Database(join(h.dataDir, DATABASE_FILE));
    try {
      db.prepare(statement.replace(/\$\d+/g, '?')).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const db = new pg.Client({ connectionString: h.database });
  await db.connect();
  try {
    await db.query(statement, params);
  } finally {
    await db.end();
  }
}

const BACKENDS: Array<{ backend: HarnessStore; skip: boolean; name: string }> = [
  { backend: 'sqlite', skip: false, name: 'SQLite' },
  { backend: 'postgres', skip: TEST_PG === null, name: `PostgreSQL${PG_SKIP_REASON}` },
];

for (const { backend, skip, name } of BACKENDS) {
  describe.skipIf(skip)(`a long history on ${name}`, () => {
    let h: Harness;
    let alice: TestUser;
    beforeAll(async () => {
      h = await startHarness({ backend, limits: { historyEntriesPerAnswer: PER_ANSWER } });
      alice = await h.user('alice');
    }, 60_000);
    afterAll(async () => h?.stop());

    /** An experiment whose history is LENGTH entries long (its creation, then shares written straight to the store). */
    async function longHistory(): Promise<string> {
      const id = await alice.createExperiment('Long history');
      const entries: HistoryFields[] = Array.from({ length: LENGTH - 1 }, (_, i) => ({ experimentId: id, at: 1_000 + i, actor: 'alice', action: 'share', verdict: 'accepted', code: null, detail: { user: `u${i}` } }));
      await h.server.store.appendHistory({ entries, link: (head, f) => nextLink(sha256Hex, head, f) });
      return id;
    }
    const page = async (id: string, after: number) => {
      const res = await fetch(`${h.server.url}/api/experiments/${id}/audit?after=${after}`, { headers: { authorization: `Bearer ${alice.token}` } });
      expect(res.status).toBe(200);
      return HistoryAnswer.parse(await res.json());
    };
    const joined = (id: string) => new Api(h.server.url, alice.token).history(id);
    const stored = async (id: string, seq: number): Promise<HistoryEntry> => (await h.server.store.experimentHistoryPage(id, seq - 1, 1))[0]!;

    it('answers a page of a checked history reading about a page, with the whole chain\'s count and head', async () => {
      const id = await longHistory();
      const whole = await joined(id);
      expect(whole.entries.map((e) => e.seq)).toEqual(Array.from({ length: LENGTH }, (_, i) => i + 1));
      expect(whole.verification).toEqual({ intact: true, entries: LENGTH, head: whole.entries.at(-1)!.hash });

      const store = h.server.store;
      const read = store.experimentHistoryPage.bind(store);
      let rows = 0;
      store.experimentHistoryPage = async (...args) => {
        const entries = await read(...args);
        rows += entries.length;
        return entries;
      };
      try {
        const middle = await page(id, 100);
        expect(middle.entries.map((e) => e.seq)).toEqual(Array.from({ length: PER_ANSWER }, (_, i) => 101 + i));
        expect(middle.verification).toEqual(whole.verification);
      } finally {
        store.experimentHistoryPage = read;
      }
      // The page, one more to know there is a next, the entry it chains from, the checked head.
      expect(rows).toBeLessThanOrEqual(PER_ANSWER + 3);
    });

    it('an entry edited in the middle after the chain was checked: its page and the joined history name it', async () => {
      const id = await longHistory();
      expect((await joined(id)).verification.intact).toBe(true);
      await onDatabase(h, 'UPDATE experiment_history SET detail = $1 WHERE experiment_id = $2 AND seq = 100', [JSON.stringify({ user: 'mallory' }), id]);
      expect((await page(id, 90)).verification).toMatchObject({ intact: false, seq: 100, problem: 'hash-mismatch' });
      expect((await joined(id)).verification).toMatchObject({ intact: false, seq: 100, problem: 'hash-mismatch' });
    });

    it('an entry edited with its own hash made anew: the entry after it is named', async () => {
      const id = await longHistory();
      expect((await joined(id)).verification.intact).toBe(true);
      const [before, entry] = [await stored(id, 99), await stored(id, 100)];
      const forged = { ...entry, detail: { user: 'mallory' } };
      await onDatabase(h, 'UPDATE experiment_history SET detail = $1, hash = $2 WHERE experiment_id = $3 AND seq = 100', [JSON.stringify(forged.detail), entryHash(sha256Hex, before.hash, 100, forged), id]);
      expect((await joined(id)).verification).toMatchObject({ intact: false, seq: 101, problem: 'hash-mismatch' });
    });

    it('a chain rewritten from the middle to its head, hashes and all, is caught in every answer against what the server checked', async () => {
      const id = await longHistory();
      expect((await joined(id)).verification.intact).toBe(true);
      let previous = (await stored(id, 99)).hash;
      for (let seq = 100; seq <= LENGTH; seq++) {
        const entry = { ...(await stored(id, seq)), actor: 'mallory' };
        previous = entryHash(sha256Hex, previous, seq, entry);
        await onDatabase(h, 'UPDATE experiment_history SET actor = $1, hash = $2 WHERE experiment_id = $3 AND seq = $4', ['mallory', previous, id, seq]);
      }
      expect((await page(id, 0)).verification).toMatchObject({ intact: false, seq: LENGTH, problem: 'hash-mismatch' });
      expect((await joined(id)).verification).toMatchObject({ intact: false, seq: LENGTH, problem: 'hash-mismatch' });
    });

    it('an entry deleted from the middle shows as a gap', async () => {
      const id = await longHistory();
      expect((await joined(id)).verification.intact).toBe(true);
      await onDatabase(h, 'DELETE FROM experiment_history WHERE experiment_id = $1 AND seq = 100', [id]);
      expect((await joined(id)).verification).toMatchObject({ intact: false, seq: 100, problem: 'sequence-gap' });
    });

    it('an entry edited before the server first checked the chain: every answer names it, again and again', async () => {
      const id = await longHistory();
      await onDatabase(h, 'UPDATE experiment_history SET verdict = $1 WHERE experiment_id = $2 AND seq = 150', ['refused', id]);
      for (const after of [0, 0, 180]) expect((await page(id, after)).verification).toMatchObject({ intact: false, seq: 150, problem: 'hash-mismatch' });
    });
  });
}
