import type Database from 'better-sqlite3';
import type { EndingGrant, StoreTx } from './store.ts';

type ExpiryPart = Pick<StoreTx, 'nextSharingDeadline' | 'dueSharing' | 'grantsToWarn' | 'markGrantWarned'>;

/** Grant ends, their warnings and embargoes on SQLite (the same answers as pg-expiry.ts). */
export function sqliteExpiry(db: Database.Database): ExpiryPart {
  const st = {
    next: db.prepare<[number], { at: number | null }>(`
      SELECT min(at) AS at FROM (
        SELECT min(CASE WHEN warned_at IS NULL THEN until_at - ? ELSE until_at END) AS at FROM grants WHERE until_at IS NOT NULL
        UNION ALL SELECT min(publish_at) FROM experiments WHERE publish_at IS NOT NULL
      )`),
    due: db.prepare<[number, number, number], { id: string }>(`
      SELECT id FROM (
        SELECT experiment_id AS id, until_at AS at FROM grants WHERE until_at IS NOT NULL AND until_at <= ?
        UNION ALL SELECT id, publish_at FROM experiments WHERE publish_at IS NOT NULL AND publish_at <= ?
      ) GROUP BY id ORDER BY min(at), id LIMIT ?`),
    toWarn: db.prepare<[number, number, number], { experiment_id: string; username: string; until_at: number }>(`
      SELECT experiment_id, username, until_at FROM grants
      WHERE warned_at IS NULL AND until_at > ? AND until_at <= ? ORDER BY until_at, experiment_id, username LIMIT ?`),
    warned: db.prepare('UPDATE grants SET warned_at = ? WHERE experiment_id = ? AND username = ? AND until_at = ? AND warned_at IS NULL'),
  };
  return {
    async nextSharingDeadline(warnAheadMs) {
      return st.next.get(warnAheadMs)?.at ?? null;
    },
    async dueSharing(now, limit) {
      return st.due.all(now, now, limit).map((r) => r.id);
    },
    async grantsToWarn(now, before, limit): Promise<EndingGrant[]> {
      return st.toWarn.all(now, before, limit).map((r) => ({ experimentId: r.experiment_id, username: r.username, until: r.until_at }));
    },
    async markGrantWarned(grant, at) {
      return st.warned.run(at, grant.experimentId, grant.username, grant.until).changes === 1;
    },
  };
}
