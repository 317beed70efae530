import { sql, type Kysely } from 'kysely';
import { atomic } from './pg-accounts.ts';
import type { PgSchema } from './pg-schema.ts';
import type { StoreTx, ThrottleKey } from './store.ts';

type ThrottlePart = Pick<StoreTx, 'updateThrottle'>;

const lockName = (k: ThrottleKey): string => `throttle:${k.scope}\n${k.key}`;

/** Throttle counters on PostgreSQL, shared by every node (the same records as sqlite-throttle.ts). */
export function pgThrottle(db: Kysely<PgSchema>): ThrottlePart {
  return {
    updateThrottle(keys, now, maxRows, change) {
      return atomic(db, async (trx) => {
        // Every node's callers of one key take turns; taken in one order, so two callers never deadlock.
        const names = [...new Set(keys.map(lockName))].sort();
        await sql`SELECT count(pg_advisory_xact_lock(hashtextextended(n, 2))) FROM unnest(${names}::text[]) AS n`.execute(trx);
        const found = keys.length === 0 ? [] : await trx
          .selectFrom('throttle_counters')
          .select(['scope', 'key', 'state'])
          .where((eb) => eb.or(keys.map((k) => eb.and([eb('scope', '=', k.scope), eb('key', '=', k.key)]))))
          .where('expires_at', '>', now)
          .execute();
        const live = new Map(found.map((r) => [lockName(r), r.state]));
        const { rows, result } = change(keys.map((k) => live.get(lockName(k)) ?? null));
        const grown = new Set<string>();
        for (const [i, k] of keys.entries()) {
          const row = rows[i];
          if (row === undefined) continue;
          if (row === null) {
            await trx.deleteFrom('throttle_counters').where('scope', '=', k.scope).where('key', '=', k.key).execute();
            continue;
          }
          const values = { state: row.state, expires_at: row.expiresAt, holds_delay: row.holdsDelay, written_at: now };
          await trx
            .insertInto('throttle_counters')
            .values({ scope: k.scope, key: k.key, ...values })
            .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet(values))
            .execute();
          if (!live.has(lockName(k))) grown.add(k.scope);
        }
        // Only a new key can take a scope past its bound.
        for (const scope of grown) {
          await trx.deleteFrom('throttle_counters').where('scope', '=', scope).where('expires_at', '<=', now).execute();
          const { n } = await trx
            .selectFrom('throttle_counters')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('scope', '=', scope)
            .executeTakeFirstOrThrow();
          const excess = Number(n) - maxRows;
          if (excess <= 0) continue;
          const kept = keys.filter((k) => k.scope === scope).map((k) => k.key);
          await sql`DELETE FROM throttle_counters WHERE scope = ${scope} AND key IN (
              SELECT key FROM throttle_counters WHERE scope = ${scope} AND NOT (key = ANY(${kept}::text[]))
              ORDER BY holds_delay, written_at, key LIMIT ${excess})`.execute(trx);
        }
        return result;
      });
    },
  };
}
