import type { Kysely } from 'kysely';
import { atomic } from './pg-accounts.ts';
import type { PgSchema } from './pg-schema.ts';
import type { StoreTx, TotpRecord } from './store.ts';

type TotpPart = Pick<
  StoreTx,
  'totpOf' | 'startTotp' | 'confirmTotp' | 'useTotpStep' | 'useRecoveryCode' | 'deleteTotp' | 'totpRequired' | 'setTotpRequired'
>;

/** Two-step sign-in on PostgreSQL: the same records and one-use rules as sqlite-totp.ts. */
export function pgTotp(db: Kysely<PgSchema>): TotpPart {
  return {
    async totpOf(username): Promise<TotpRecord | null> {
      const r = await db.selectFrom('totp').selectAll().where('username', '=', username).executeTakeFirst();
      if (!r) return null;
      const left = await db
        .selectFrom('totp_recovery')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('username', '=', username)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return {
        username: r.username,
        sealedSecret: new Uint8Array(r.secret),
        createdAt: r.created_at,
        confirmedAt: r.confirmed_at,
        lastStep: r.last_step,
        recoveryCodesLeft: Number(left.n),
      };
    },
    async startTotp(username, sealedSecret, at) {
      // A confirmed secret is never replaced here: only one still waiting for its first code.
      const r = await db
        .insertInto('totp')
        .values({ username, secret: Buffer.from(sealedSecret), created_at: at, confirmed_at: null, last_step: null })
        .onConflict((oc) =>
          oc
            .column('username')
            .doUpdateSet((eb) => ({ secret: eb.ref('excluded.secret'), created_at: eb.ref('excluded.created_at') }))
            .where('totp.confirmed_at', 'is', null),
        )
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async confirmTotp(username, step, recoveryHashes, at) {
      return atomic(db, async (trx) => {
        const r = await trx.updateTable('totp').set({ confirmed_at: at, last_step: step }).where('username', '=', username).where('confirmed_at', 'is', null).executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) return false;
        await trx.deleteFrom('totp_recovery').where('username', '=', username).execute();
        if (recoveryHashes.length > 0) {
          await trx.insertInto('totp_recovery').values(recoveryHashes.map((code_hash) => ({ username, code_hash, used_at: null }))).execute();
        }
        return true;
      });
    },
    async useTotpStep(username, step) {
      // One UPDATE with the step in its condition: two nodes given the same code cannot both take it.
      const r = await db
        .updateTable('totp')
        .set({ last_step: step })
        .where('username', '=', username)
        .where('confirmed_at', 'is not', null)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async useRecoveryCode(username, codeHash, at) {
      const r = await db
        .updateTable('totp_recovery')
        .set({ used_at: at })
        .where('username', '=', username)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async deleteTotp(username) {
      return atomic(db, async (trx) => {
        await trx.deleteFrom('totp_recovery').where('username', '=', username).execute();
        const r = await trx.deleteFrom('totp').where('username', '=', username).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
    },
    async totpRequired() {
      const row = await db.selectFrom('meta').select('value').where('key', '=', 'totp_required').executeTakeFirst();
      return row?.value === 'on';
    },
    async setTotpRequired(on) {
      const value = on ? 'on' : 'off';
      await db.insertInto('meta').values({ key: 'totp_required', value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
    },
  };
}
