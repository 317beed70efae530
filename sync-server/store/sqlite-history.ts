import type Database from 'better-sqlite3';
import { historyEntry, type HistoryRow } from './history-rows.ts';
import type { HistoryAppend, Store } from './store.ts';

export type SqliteHistory = Pick<Store, 'experimentHistory' | 'experimentHistoryPage' | 'historyCheckpoint' | 'advanceHistoryCheckpoint'> & {
  /** Appends synchronously: call it inside the transaction that makes the decision durable. */
  append(history: HistoryAppend): void;
};

export function sqliteHistory(db: Database.Database): SqliteHistory {
  const st = {
    head: db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM experiment_history WHERE experiment_id = ? ORDER BY seq DESC LIMIT 1'),
    insert: db.prepare('INSERT INTO experiment_history (experiment_id, seq, at, actor, action, verdict, code, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    all: db.prepare<[string], HistoryRow>('SELECT * FROM experiment_history WHERE experiment_id = ? ORDER BY seq'),
    page: db.prepare<[string, number, number], HistoryRow>('SELECT * FROM experiment_history WHERE experiment_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    checkpoint: db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM history_checkpoints WHERE experiment_id = ?'),
    advance: db.prepare<[string, number, string]>(
      'INSERT INTO history_checkpoints (experiment_id, seq, hash) VALUES (?, ?, ?) ON CONFLICT (experiment_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > history_checkpoints.seq',
    ),
  };
  return {
    append({ entries, link }) {
      for (const f of entries) {
        const { seq, hash } = link(st.head.get(f.experimentId) ?? null, f);
        st.insert.run(f.experimentId, seq, f.at, f.actor, f.action, f.verdict, f.code, JSON.stringify(f.detail), hash);
      }
    },
    async experimentHistory(experimentId) {
      return st.all.all(experimentId).map(historyEntry);
    },
    async experimentHistoryPage(experimentId, afterSeq, limit) {
      return st.page.all(experimentId, afterSeq, limit).map(historyEntry);
    },
    async historyCheckpoint(experimentId) {
      return st.checkpoint.get(experimentId) ?? null;
    },
    async advanceHistoryCheckpoint(experimentId, head) {
      st.advance.run(experimentId, head.seq, head.hash);
    },
  };
}
