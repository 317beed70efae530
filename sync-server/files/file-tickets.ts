import { createHash, randomBytes } from 'node:crypto';

/**
 * One-time file tickets. The extension's manager page moves large FCS files itself, to show a
 * progress bar on upload and to let the browser stream a download to disk, but must never hold
 * the session token (it lives in the background worker). The worker asks for a ticket that
 * allows one upload into one experiment, or one download of one file, within a few minutes.
 * Tickets live in memory only: a restart simply makes the page ask again.
 *
 * A ticket holds the hash of the session it was issued under, never an actor: the route checks
 * that session again on redeem, so logging out or a disabled account ends its tickets at once.
 * Each account holds at most `perAccount` live tickets, so memory stays bounded.
 */
export const TTL_MS = 5 * 60 * 1000;

export type TicketPurpose = { kind: 'upload'; experimentId: string } | { kind: 'download'; experimentId: string; fileId: string };

/** Where tickets are kept: in this process (`FileTickets`), or in the store for every server node (`StoredTickets`). */
export interface TicketBook {
  issue(username: string, sessionHash: string, purpose: TicketPurpose): Promise<{ ticket: string; expiresAt: number } | null> | { ticket: string; expiresAt: number } | null;
  redeem(ticket: string, purpose: TicketPurpose): Promise<string | null> | string | null;
}

type Ticket = { username: string; sessionHash: string; purpose: TicketPurpose; expiresAt: number };

export class FileTickets implements TicketBook {
  /** In the order issued; with one TTL for all, also the order they expire. */
  private readonly tickets = new Map<string, Ticket>();
  private readonly live = new Map<string, number>();

  constructor(private readonly perAccount: number) {}

  /** A ticket for the holder of session `sessionHash`; null when the account has `perAccount` live tickets already. */
  issue(username: string, sessionHash: string, purpose: TicketPurpose, now = Date.now()): { ticket: string; expiresAt: number } | null {
    this.sweep(now);
    if ((this.live.get(username) ?? 0) >= this.perAccount) return null;
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = now + TTL_MS;
    this.tickets.set(hash(ticket), { username, sessionHash, purpose, expiresAt });
    this.live.set(username, (this.live.get(username) ?? 0) + 1);
    return { ticket, expiresAt };
  }

  /**
   * The session hash a ticket was issued under, once; null if unknown, used, expired or for
   * something else. The caller must check the session still stands (authenticateHash).
   */
  redeem(ticket: string, purpose: TicketPurpose, now = Date.now()): string | null {
    this.sweep(now);
    const key = hash(ticket);
    const found = this.tickets.get(key);
    if (!found) return null;
    this.drop(key, found);
    return JSON.stringify(found.purpose) === JSON.stringify(purpose) && found.expiresAt > now ? found.sessionHash : null;
  }

  /** Expired tickets are the oldest: stops at the first that is still live, so a sweep costs what it removes. */
  private sweep(now: number): void {
    for (const [key, t] of this.tickets) {
      if (t.expiresAt > now) return;
      this.drop(key, t);
    }
  }

  private drop(key: string, t: Ticket): void {
    this.tickets.delete(key);
    const n = (this.live.get(t.username) ?? 1) - 1;
    if (n > 0) this.live.set(t.username, n);
    else this.live.delete(t.username);
  }
}

export const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');
