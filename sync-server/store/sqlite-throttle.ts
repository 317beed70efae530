import type Database from 'better-sqlite3';
import type { StoreTx } from './store.ts';

type ThrottlePart = Pick<StoreTx, 'updateThrottle'>;

/**
 * Throttle counters in the SQLite file (the same records as pg-throttle.ts). The server on SQLite
 * is one process and keeps its throttles in memory (auth/throttle-table.ts); these are the
 * port's, for tools and the contract.
 */
export function sqliteThrottle(db: Database.Database): ThrottlePart {
  const st = {
    get: db.prepare<[string, string, number], { state: string }>('SELECT state FROM throttle_counters WHERE scope = ? AND key = ? AND expires_at > ?'),
    remove: db.prepare<[string, string]>('DELETE FROM throttle_counters WHERE scope = ? AND key = ?'),
    put: db.prepare<[string, string, string, number, number, number]>(
      `INSERT INTO throttle_counters (scope, key, state, expires_at, holds_delay, written_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at, holds_delay = excluded.holds_delay, written_at = excluded.written_at`,
    ),
    expire: db.prepare<[string, number]>('DELETE FROM throttle_counters WHERE scope = ? AND expires_at <= ?'),
    count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM throttle_counters WHERE scope = ?'),
    oldest: db.prepare<[string, number], { key: string }>('SELECT key FROM throttle_counters WHERE scope = ? ORDER BY holds_delay, written_at, key LIMIT ?'),
  };
  return {
    async updateThrottle(keys, now, maxRows, change) {
      // No await from the read to the last write: one process, so nothing comes between.
      const before = keys.map((k) => st.get.get(k.scope, k.key, now)?.state ?? null);
      const { rows, result } = change(before);
      const grown = new Set<string>();
      db.transaction(() => {
        for (const [i, k] of keys.entries()) {
          const row = rows[i];
          if (row === undefined) continue;
          if (row === null) {
            st.remove.run(k.scope, k.key);
            continue;
          }
          st.put.run(k.scope, k.key, row.state, row.expiresAt, row.holdsDelay ? 1 : 0, now);
          if (before[i] === null) grown.add(k.scope);
        }
        for (const scope of grown) {
          st.expire.run(scope, now);
          const excess = (st.count.get(scope)?.n ?? 0) - maxRows;
          if (excess <= 0) continue;
          const kept = new Set(keys.filter((k) => k.scope === scope).map((k) => k.key));
          // Candidates in eviction order; the keys just written are skipped, so look a little further.
          for (const { key } of st.oldest.all(scope, excess + kept.size).filter((r) => !kept.has(r.key)).slice(0, excess)) st.remove.run(scope, key);
        }
      })();
      return result;
    },
  };
}
