import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../shared/schemas/entities.ts';

/**
 * One-time upload tickets. The extension's manager page uploads large FCS files itself, to show
 * a progress bar, but must never hold the session token (it lives in the background worker);
 * the worker asks for a ticket that allows one upload into one experiment within a few minutes.
 * Tickets live in memory only: a restart simply makes the page ask again.
 */
const TTL_MS = 5 * 60 * 1000;

export class UploadTickets {
  private readonly tickets = new Map<string, { actor: Actor; experimentId: string; expiresAt: number }>();

  issue(actor: Actor, experimentId: string, now = Date.now()): { ticket: string; expiresAt: number } {
    for (const [key, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(key);
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = now + TTL_MS;
    this.tickets.set(hash(ticket), { actor, experimentId, expiresAt });
    return { ticket, expiresAt };
  }

  /** The actor a ticket stands for, once; null if unknown, used, expired or for another experiment. */
  redeem(ticket: string, experimentId: string, now = Date.now()): Actor | null {
    const key = hash(ticket);
    const found = this.tickets.get(key);
    this.tickets.delete(key);
    return found && found.experimentId === experimentId && found.expiresAt > now ? found.actor : null;
  }
}

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');
