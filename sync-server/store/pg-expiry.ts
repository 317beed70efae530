import { sql, type Kysely } from 'kysely';
import type { PgSchema } from './pg-schema.ts';
import type { EndingGrant, StoreTx } from './store.ts';

type ExpiryPart = Pick<StoreTx, 'nextSharingDeadline' | 'dueSharing' | 'grantsToWarn' | 'markGrantWarned'>;

/** Grant ends, their warnings and embargoes on PostgreSQL (the same answers as sqlite-expiry.ts). */
export function pgExpiry(db: Kysely<PgSchema>): ExpiryPart {
  return {
    async nextSharingDeadline(warnAheadMs) {
      const { rows } = await sql<{ at: number | null }>`
        SELECT min(at) AS at FROM (
          SELECT min(CASE WHEN warned_at IS NULL THEN until_at - ${warnAheadMs}::bigint ELSE until_at END) AS at FROM grants WHERE until_at IS NOT NULL
          UNION ALL SELECT min(publish_at) FROM experiments WHERE publish_at IS NOT NULL
        ) deadlines`.execute(db);
      return rows[0]?.at ?? null;
    },
    async dueSharing(now, limit) {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM (
          SELECT experiment_id AS id, until_at AS at FROM grants WHERE until_at IS NOT NULL AND until_at <= ${now}
          UNION ALL SELECT id, publish_at FROM experiments WHERE publish_at IS NOT NULL AND publish_at <= ${now}
        ) due GROUP BY id ORDER BY min(at), id LIMIT ${limit}`.execute(db);
      return rows.map((r) => r.id);
    },
    async grantsToWarn(now, before, limit): Promise<EndingGrant[]> {
      const rows = await db
        .selectFrom('grants')
        .select(['experiment_id', 'username', 'until_at'])
        .where('warned_at', 'is', null)
        .where('until_at', '>', now)
        .where('until_at', '<=', before)
        .orderBy('until_at')
        .orderBy('experiment_id')
        .orderBy('username')
        .limit(limit)
        .execute();
      return rows.flatMap((r) => (r.until_at === null ? [] : [{ experimentId: r.experiment_id, username: r.username, until: r.until_at }]));
    },
    async markGrantWarned(grant, at) {
      const result = await db
        .updateTable('grants')
        .set({ warned_at: at })
        .where('experiment_id', '=', grant.experimentId)
        .where('username', '=', grant.username)
        .where('until_at', '=', grant.until)
        .where('warned_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  };
}
