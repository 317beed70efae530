import type Database from 'better-sqlite3';
import type { HistoryEntry } from '../../shared/audit/history-chain.ts';
import type { HistoryAppend, Store } from './store.ts';

type Row = { experiment_id: string; seq: number; at: number; actor: string; action: string; verdict: string; code: string | null; detail: string; hash: string };

/**
 * Rows go out as stored; the route parses them (zod) and verifies the chain, so a row edited
 * in the file shows up as a broken chain rather than being mended here.
 */
const toEntry = (r: Row): HistoryEntry => ({
  experimentId: r.experiment_id,
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  verdict: r.verdict,
  code: r.code,
  detail: parseDetail(r.detail),
  hash: r.hash,
});

/** Text that is no longer JSON (edited in the file) is kept as a string, and fails the chain check. */
function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export type SqliteHistory = Pick<Store, 'experimentHistory'> & {
  /** Appends synchronously: call it inside the transaction that makes the decision durable. */
  append(history: HistoryAppend): void;
};

export function sqliteHistory(db: Database.Database): SqliteHistory {
  const st = {
    head: db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM experiment_history WHERE experiment_id = ? ORDER BY seq DESC LIMIT 1'),
    insert: db.prepare('INSERT INTO experiment_history (experiment_id, seq, at, actor, action, verdict, code, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    all: db.prepare<[string], Row>('SELECT * FROM experiment_history WHERE experiment_id = ? ORDER BY seq'),
  };
  return {
    append({ entries, link }) {
      for (const f of entries) {
        const { seq, hash } = link(st.head.get(f.experimentId) ?? null, f);
        st.insert.run(f.experimentId, seq, f.at, f.actor, f.action, f.verdict, f.code, JSON.stringify(f.detail), hash);
      }
    },
    async experimentHistory(experimentId) {
      return st.all.all(experimentId).map(toEntry);
    },
  };
}
