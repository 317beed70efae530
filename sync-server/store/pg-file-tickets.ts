import { sql, type Kysely } from 'kysely';
import { atomic } from './pg-accounts.ts';
import type { PgSchema } from './pg-schema.ts';
import type { StoreTx } from './store.ts';

type FileTicketPart = Pick<StoreTx, 'issueFileTicket' | 'redeemFileTicket'>;

/** File tickets on PostgreSQL (the same records as sqlite-file-tickets.ts). */
export function pgFileTickets(db: Kysely<PgSchema>): FileTicketPart {
  return {
    issueFileTicket(ticket, max, now) {
      return atomic(db, async (trx) => {
        // One account's issues take turns, on every node: the count is then exact.
        await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`tickets:${ticket.username}`}, 1))`.execute(trx);
        await trx.deleteFrom('file_tickets').where('expires_at', '<=', now).execute();
        const row = await trx
          .selectFrom('file_tickets')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('username', '=', ticket.username)
          .executeTakeFirstOrThrow();
        if (Number(row.n) >= max) return false;
        await trx
          .insertInto('file_tickets')
          .values({ hash: ticket.hash, username: ticket.username, session_hash: ticket.sessionHash, purpose: ticket.purpose, expires_at: ticket.expiresAt })
          .execute();
        return true;
      });
    },
    async redeemFileTicket(hash, now) {
      const row = await db.deleteFrom('file_tickets').where('hash', '=', hash).returningAll().executeTakeFirst();
      if (!row || row.expires_at <= now) return null;
      return { hash: row.hash, username: row.username, sessionHash: row.session_hash, purpose: row.purpose, expiresAt: row.expires_at };
    },
  };
}
