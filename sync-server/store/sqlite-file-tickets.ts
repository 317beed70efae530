import type Database from 'better-sqlite3';
import type { StoreTx } from './store.ts';

type FileTicketPart = Pick<StoreTx, 'issueFileTicket' | 'redeemFileTicket'>;
type Row = { hash: string; username: string; session_hash: string; purpose: string; expires_at: number };

/** File tickets in the SQLite file (the same records as pg-file-tickets.ts). */
export function sqliteFileTickets(db: Database.Database): FileTicketPart {
  const st = {
    expire: db.prepare<[number]>('DELETE FROM file_tickets WHERE expires_at <= ?'),
    count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM file_tickets WHERE username = ?'),
    insert: db.prepare('INSERT INTO file_tickets (hash, username, session_hash, purpose, expires_at) VALUES (?, ?, ?, ?, ?)'),
    take: db.prepare<[string], Row>('DELETE FROM file_tickets WHERE hash = ? RETURNING *'),
  };
  return {
    async issueFileTicket(ticket, max, now) {
      // No await between count and insert: one process, so the count is exact.
      st.expire.run(now);
      if ((st.count.get(ticket.username)?.n ?? 0) >= max) return false;
      st.insert.run(ticket.hash, ticket.username, ticket.sessionHash, ticket.purpose, ticket.expiresAt);
      return true;
    },
    async redeemFileTicket(hash, now) {
      const row = st.take.get(hash);
      if (!row || row.expires_at <= now) return null;
      return { hash: row.hash, username: row.username, sessionHash: row.session_hash, purpose: row.purpose, expiresAt: row.expires_at };
    },
  };
}
