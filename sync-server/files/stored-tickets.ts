import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import { hash, TTL_MS, type TicketBook, type TicketPurpose } from './file-tickets.ts';

/**
 * File tickets (see file-tickets.ts) kept in the store, for server nodes sharing a database: the
 * manager page may ask one node for a ticket and send the file through another. Same rules:
 * one use, a few minutes, at most `perAccount` live per account, the ticket only as SHA-256.
 */
export class StoredTickets implements TicketBook {
  constructor(
    private readonly store: Pick<Store, 'issueFileTicket' | 'redeemFileTicket'>,
    private readonly perAccount: number,
  ) {}

  async issue(username: string, sessionHash: string, purpose: TicketPurpose, now = Date.now()): Promise<{ ticket: string; expiresAt: number } | null> {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = now + TTL_MS;
    const kept = await this.store.issueFileTicket({ hash: hash(ticket), username, sessionHash, purpose: JSON.stringify(purpose), expiresAt }, this.perAccount, now);
    return kept ? { ticket, expiresAt } : null;
  }

  async redeem(ticket: string, purpose: TicketPurpose, now = Date.now()): Promise<string | null> {
    const found = await this.store.redeemFileTicket(hash(ticket), now);
    return found !== null && found.purpose === JSON.stringify(purpose) ? found.sessionHash : null;
  }
}
