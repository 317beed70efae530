import { sql, type Kysely } from 'kysely';
import { historyEntry } from './history-rows.ts';
import { atomic } from './pg-accounts.ts';
import type { PgSchema } from './pg-schema.ts';
import type { HistoryAppend, StoreTx } from './store.ts';

/**
 * Appends each entry after its experiment's head, inside the caller's transaction. Another
 * server may append to the same chain at the same moment: a transaction-scoped advisory lock
 * per experiment makes the read of the head and the insert after it one step.
 */
export async function appendHistory(trx: Kysely<PgSchema>, { entries, link }: HistoryAppend): Promise<void> {
  for (const f of entries) {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`history:${f.experimentId}`}, 0))`.execute(trx);
    const head = await trx.selectFrom('experiment_history').select(['seq', 'hash']).where('experiment_id', '=', f.experimentId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const { seq, hash } = link(head ?? null, f);
    await trx
      .insertInto('experiment_history')
      .values({ experiment_id: f.experimentId, seq, at: f.at, actor: f.actor, action: f.action, verdict: f.verdict, code: f.code, detail: JSON.stringify(f.detail), hash })
      .execute();
  }
}

export function pgHistory(db: Kysely<PgSchema>): Pick<StoreTx, 'experimentHistory' | 'experimentHistoryPage' | 'appendHistory' | 'historyCheckpoint' | 'advanceHistoryCheckpoint'> {
  return {
    async appendHistory(history) {
      await atomic(db, (trx) => appendHistory(trx, history));
    },
    async experimentHistory(experimentId) {
      const rows = await db.selectFrom('experiment_history').selectAll().where('experiment_id', '=', experimentId).orderBy('seq').execute();
      return rows.map(historyEntry);
    },
    async experimentHistoryPage(experimentId, afterSeq, limit) {
      const rows = await db.selectFrom('experiment_history').selectAll().where('experiment_id', '=', experimentId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
      return rows.map(historyEntry);
    },
    async historyCheckpoint(experimentId) {
      return (await db.selectFrom('history_checkpoints').select(['seq', 'hash']).where('experiment_id', '=', experimentId).executeTakeFirst()) ?? null;
    },
    async advanceHistoryCheckpoint(experimentId, { seq, hash }) {
      // One statement: two nodes checking at once both move it on, never back.
      await db
        .insertInto('history_checkpoints')
        .values({ experiment_id: experimentId, seq, hash })
        .onConflict((oc) =>
          oc
            .column('experiment_id')
            .doUpdateSet({ seq: (eb) => eb.ref('excluded.seq'), hash: (eb) => eb.ref('excluded.hash') })
            .where('excluded.seq', '>', (eb) => eb.ref('history_checkpoints.seq')),
        )
        .execute();
    },
  };
}
