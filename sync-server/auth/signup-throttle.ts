import type { ServerLimits } from '../limits.ts';
import { SlidingWindow, type WindowVerdict } from './sliding-window.ts';
import type { ThrottleTable } from './throttle-table.ts';

/**
 * Sign-ups per client address in a sliding hour (ServerLimits.signupsPerAddressPerHour).
 * Each new account may cause verification-code mails to any address it names, so without
 * this one address could create thousands of accounts and mail a victim thousands of codes.
 * A sign-up holds its place from the moment it is admitted; one that creates no account
 * (a name already taken, a full hash queue) gives it back. Kept in memory (bounded: the least
 * recently used addresses are forgotten first), or in the table several nodes share.
 */
export type SignupVerdict = WindowVerdict;

const HOUR_MS = 3600_000;
/** Addresses remembered at most in memory; an attacker with endless addresses evicts the oldest, never grows memory. */
const MAX_ADDRESSES = 100_000;

export class SignupThrottle {
  private readonly window: SlidingWindow;

  constructor(limits: Pick<ServerLimits, 'signupsPerAddressPerHour'>, table?: ThrottleTable) {
    this.window = new SlidingWindow(() => limits.signupsPerAddressPerHour, HOUR_MS, MAX_ADDRESSES, 'signup-address', table);
  }

  admit(address: string, now = Date.now()): Promise<SignupVerdict> {
    return this.window.admit(address, now);
  }
}
