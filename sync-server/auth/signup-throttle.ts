import type { ServerLimits } from '../limits.ts';

/**
 * Sign-ups per client address in a sliding hour (ServerLimits.signupsPerAddressPerHour).
 * Each new account may cause verification-code mails to any address it names, so without
 * this one address could create thousands of accounts and mail a victim thousands of codes.
 * A sign-up holds its place from the moment it is admitted; one that creates no account
 * (a name already taken, a full hash queue) gives it back. In memory, bounded: the least
 * recently used addresses are forgotten first.
 */
export type SignupVerdict = { allowed: true; release: () => void } | { allowed: false; retryAfterMs: number };

const HOUR_MS = 3600_000;
/** Addresses remembered at most; an attacker with endless addresses evicts the oldest, never grows memory. */
const MAX_ADDRESSES = 100_000;

export class SignupThrottle {
  /** Per address: the times of its sign-ups in the last hour, oldest first. */
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly limits: Pick<ServerLimits, 'signupsPerAddressPerHour'>) {}

  admit(address: string, now = Date.now()): SignupVerdict {
    const times = (this.recent.get(address) ?? []).filter((t) => now - t < HOUR_MS);
    this.recent.delete(address);
    if (times.length >= this.limits.signupsPerAddressPerHour) {
      this.recent.set(address, times);
      return { allowed: false, retryAfterMs: times[0]! + HOUR_MS - now };
    }
    times.push(now);
    this.recent.set(address, times);
    if (this.recent.size > MAX_ADDRESSES) this.recent.delete(this.recent.keys().next().value!);
    let released = false;
    return {
      allowed: true,
      release: () => {
        if (released) return;
        released = true;
        const list = this.recent.get(address);
        const at = list?.indexOf(now) ?? -1;
        if (list && at >= 0) list.splice(at, 1);
      },
    };
  }
}
