import type { Kysely } from 'kysely';
import type { PgSchema } from './pg-schema.ts';
import { transferOf, type TransferPart } from './sqlite-transfers.ts';

/** Offers of ownership on PostgreSQL (the same records as sqlite-transfers.ts). */
export function pgTransfers(db: Kysely<PgSchema>): TransferPart {
  return {
    async saveTransfer(t) {
      await db
        .insertInto('transfers')
        .values({
          id: t.id,
          experiment_id: t.experimentId,
          giver: t.giver,
          receiver: t.receiver,
          giver_leaves: t.leave,
          family: t.family,
          experiments: JSON.stringify(t.experiments),
          status: t.status,
          created_at: t.createdAt,
          decided_at: t.decidedAt,
        })
        .execute();
    },
    async getTransfer(id) {
      const row = await db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? transferOf(row) : null;
    },
    async pendingTransfers({ giver, receiver }) {
      if (giver === undefined && receiver === undefined) return [];
      let query = db.selectFrom('transfers').selectAll().where('status', '=', 'pending');
      if (giver !== undefined) query = query.where('giver', '=', giver);
      if (receiver !== undefined) query = query.where('receiver', '=', receiver);
      return (await query.orderBy('created_at').orderBy('id').execute()).map(transferOf);
    },
    async decideTransfer(id, status, at) {
      const r = await db.updateTable('transfers').set({ status, decided_at: at }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
