import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../shared/schemas/entities.ts';

/**
 * One-time file tickets. The extension's manager page moves large FCS files itself, to show a
 * progress bar on upload and to let the browser stream a download to disk, but must never hold
 * the session token (it lives in the background worker). The worker asks for a ticket that
 * allows one upload into one experiment, or one download of one file, within a few minutes.
 * Tickets live in memory only: a restart simply makes the page ask again.
 */
const TTL_MS = 5 * 60 * 1000;

export type TicketPurpose = { kind: 'upload'; experimentId: string } | { kind: 'download'; experimentId: string; fileId: string };

export class FileTickets {
  private readonly tickets = new Map<string, { actor: Actor; purpose: TicketPurpose; expiresAt: number }>();

  issue(actor: Actor, purpose: TicketPurpose, now = Date.now()): { ticket: string; expiresAt: number } {
    for (const [key, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(key);
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = now + TTL_MS;
    this.tickets.set(hash(ticket), { actor, purpose, expiresAt });
    return { ticket, expiresAt };
  }

  /** The actor a ticket stands for, once; null if unknown, used, expired or for something else. */
  redeem(ticket: string, purpose: TicketPurpose, now = Date.now()): Actor | null {
    const key = hash(ticket);
    const found = this.tickets.get(key);
    this.tickets.delete(key);
    return found && JSON.stringify(found.purpose) === JSON.stringify(purpose) && found.expiresAt > now ? found.actor : null;
  }
}

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');
