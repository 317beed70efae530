import type { Kysely, Selectable } from 'kysely';
import type { PgSchema } from './pg-schema.ts';
import type { StoreTx, WaitingShareRecord } from './store.ts';

const toRecord = (r: Selectable<PgSchema['waiting_shares']>): WaitingShareRecord => ({
  id: r.id,
  experimentId: r.experiment_id,
  sharer: r.sharer,
  user: r.username,
  namedByAddress: r.named_by_address,
  notify: r.notify,
  message: r.message,
  ...(r.until_at !== null ? { until: r.until_at } : {}),
  status: r.status,
  code: r.code,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
  // A role this version does not know gives the least.
  ...(r.role === 'full' ? {} : { role: 'viewer' as const }),
});

/** Shares waiting for a connection (connect-then-share) on PostgreSQL. */
export function pgWaitingShares(db: Kysely<PgSchema>): Pick<StoreTx, 'saveWaitingShare' | 'waitingShares'> {
  return {
    async saveWaitingShare(share) {
      const row = {
        id: share.id,
        experiment_id: share.experimentId,
        sharer: share.sharer,
        username: share.user,
        named_by_address: share.namedByAddress,
        notify: share.notify,
        message: share.message,
        until_at: share.until ?? null,
        status: share.status,
        code: share.code,
        created_at: share.createdAt,
        decided_at: share.decidedAt,
        role: share.role ?? 'full',
      };
      const { id: _id, ...changes } = row;
      await db.insertInto('waiting_shares').values(row).onConflict((oc) => oc.column('id').doUpdateSet(changes)).execute();
    },
    async waitingShares({ sharer, user }) {
      if (sharer === undefined && user === undefined) return [];
      let query = db.selectFrom('waiting_shares').selectAll().where('status', '!=', 'done');
      if (sharer !== undefined) query = query.where('sharer', '=', sharer);
      if (user !== undefined) query = query.where('username', '=', user);
      return (await query.orderBy('created_at').orderBy('id').execute()).map(toRecord);
    },
  };
}
