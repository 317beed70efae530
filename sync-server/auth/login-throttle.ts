import type { ServerLimits } from '../limits.ts';

/**
 * Growing delays after failed logins, counted per account and per client address, decided
 * BEFORE any password is hashed: a refused attempt costs the server one map lookup.
 *
 * Past `free` failures on a counter, each further failure makes the next attempt wait 1, 2, 4 …
 * seconds, capped at `loginDelayMaxMs`; a counter with no failure for `loginFailureMemoryMs` is
 * forgotten. Attempts in flight count as failures-to-be, so 32 concurrent guesses get no more
 * hashes than 32 sequential ones would, and past the free ones only one attempt at a time runs.
 *
 *  - Per address (any accounts): stops one address rotating through usernames. Its free count is
 *    higher, as a lab behind one NAT address shares it. A success does NOT reset it, or an
 *    attacker with one account of their own could reset it between guesses.
 *  - Per account (any addresses): stops guessing one account from many addresses. A success
 *    resets it.
 *
 * Lock-out trade-off: an attacker who keeps failing on Alice's account keeps that counter at
 * its cap, and a new address then waits up to the cap between tries (never longer: delays are
 * capped, and a throttled try does not add to the count). An address Alice already signed in
 * from within the session lifetime is "known": there the account counter is replaced by a
 * counter for that (account, address) pair, so a guesser elsewhere cannot lock her out of a
 * machine she uses. A guesser on her own address (same NAT) still slows her down there; that
 * cannot be told apart without a client secret. Her existing sessions are never affected.
 *
 * State is in memory, behind `LoginThrottle`, so a shared store (PostgreSQL, several nodes) can
 * replace it. Memory is bounded: a refused attempt creates no entry (it only reads), and past
 * the cap the least recently touched entry still within its free failures is dropped first, so
 * a flood of fresh usernames cannot push out an account's active delay.
 */
export type LoginKeys = { account: string; address: string };

export type LoginAttempt = {
  /** The password was right: the account's counter is reset and the address becomes known. */
  succeeded(at?: number): Promise<void>;
  /** A wrong password or an unknown username. */
  failed(at?: number): Promise<void>;
  /** Neither (the attempt broke off): only its reservation is released. */
  abandoned(at?: number): Promise<void>;
};

export type ThrottleVerdict =
  | { allowed: true; attempt: LoginAttempt }
  /** `firstRefusal`: the first refusal since the last failure, so the log gets one line per wait, not one per try. */
  | { allowed: false; retryAfterMs: number; firstRefusal: boolean };

export interface LoginThrottle {
  begin(keys: LoginKeys, now?: number): Promise<ThrottleVerdict>;
}

type ThrottleLimits = Pick<ServerLimits, 'loginFailuresFree' | 'loginFailuresFreePerAddress' | 'loginDelayMaxMs' | 'loginFailureMemoryMs'>;

type Counter = { failures: number; inFlight: number; blockedUntil: number; lastFailureAt: number; refusalLogged: boolean };

/** Entries each map keeps at most; an attacker with endless addresses evicts the oldest, never grows memory. */
const MAX_ENTRIES = 100_000;
/** Addresses remembered per account as known, and for how long. */
const KNOWN_PER_ACCOUNT = 16;
const KNOWN_FOR_MS = 30 * 24 * 3600_000;
/** What a refused attempt is told to wait while the one allowed attempt is still being checked. */
const IN_FLIGHT_WAIT_MS = 1_000;

/** One "throttled" log line per address at most this often. */
const REFUSAL_LOG_EVERY_MS = 60_000;

/** Says yes to a key at most once per `everyMs`; bounded like the counters (oldest dropped). */
class PerKeyRate {
  private readonly last = new Map<string, number>();
  constructor(private readonly everyMs: number) {}

  take(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.everyMs) return false;
    // Re-inserted, so the map is in time order and the oldest goes first.
    this.last.delete(key);
    this.last.set(key, now);
    if (this.last.size > MAX_ENTRIES) this.last.delete(this.last.keys().next().value as string);
    return true;
  }
}

/** The wait after the `k`-th failure past the free ones (k ≥ 1): 1 s, 2 s, 4 s … up to `max`. */
export function delayAfter(k: number, maxMs: number): number {
  return Math.min(maxMs, 1_000 * 2 ** Math.min(k - 1, 30));
}

class Counters {
  private readonly map = new Map<string, Counter>();

  constructor(
    readonly free: number,
    private readonly limits: ThrottleLimits,
  ) {}

  /** The live counter of `key`, without creating one: a refused attempt must not add entries. */
  peek(key: string, now: number): Counter | undefined {
    const c = this.map.get(key);
    return c && !this.forgotten(c, now) ? c : undefined;
  }

  /** The counter of `key`, created if need be; only for attempts that were admitted. */
  get(key: string, now: number): Counter {
    let c = this.peek(key, now);
    if (!c) c = { failures: 0, inFlight: 0, blockedUntil: 0, lastFailureAt: 0, refusalLogged: false };
    // Re-inserted so the map's order is least recently touched first.
    this.map.delete(key);
    this.map.set(key, c);
    if (this.map.size > MAX_ENTRIES) this.evictOne(key, now);
    return c;
  }

  private forgotten(c: Counter, now: number): boolean {
    return c.inFlight === 0 && now - c.lastFailureAt > this.limits.loginFailureMemoryMs;
  }

  /**
   * Drops the least recently touched counter that does no work (forgotten, or still within its
   * free failures), so a flood of fresh keys cannot push out an active delay; only when every
   * counter holds a delay does the oldest idle one go. Never `keep` (the one just added).
   */
  private evictOne(keep: string, now: number): void {
    let fallback: string | undefined;
    for (const [key, c] of this.map) {
      if (key === keep || c.inFlight > 0) continue;
      if (this.forgotten(c, now) || (c.failures < this.free && now >= c.blockedUntil)) {
        this.map.delete(key);
        return;
      }
      fallback ??= key;
    }
    if (fallback !== undefined) this.map.delete(fallback);
  }

  /** Milliseconds to wait, or 0 when an attempt may start now. */
  wait(c: Counter | undefined, now: number): number {
    if (!c) return 0;
    if (now < c.blockedUntil) return c.blockedUntil - now;
    if (c.failures + c.inFlight >= this.free && c.inFlight > 0) return IN_FLIGHT_WAIT_MS;
    return 0;
  }

  fail(c: Counter, now: number): void {
    c.inFlight--;
    c.failures++;
    c.lastFailureAt = now;
    c.refusalLogged = false;
    const past = c.failures - this.free;
    if (past >= 0) c.blockedUntil = now + delayAfter(past + 1, this.limits.loginDelayMaxMs);
  }

  reset(key: string): void {
    this.map.delete(key);
  }
}

export class MemoryLoginThrottle implements LoginThrottle {
  private readonly addresses: Counters;
  private readonly accounts: Counters;
  /** Counters of (account, known address) pairs; same rule as an account's. */
  private readonly pairs: Counters;
  private readonly known = new Map<string, Map<string, number>>();
  /** At most one "throttled" log line per address per minute, whatever usernames it tries. */
  private readonly refusalLog = new PerKeyRate(REFUSAL_LOG_EVERY_MS);

  constructor(limits: ThrottleLimits) {
    this.addresses = new Counters(limits.loginFailuresFreePerAddress, limits);
    this.accounts = new Counters(limits.loginFailuresFree, limits);
    this.pairs = new Counters(limits.loginFailuresFree, limits);
  }

  private isKnown(account: string, address: string, now: number): boolean {
    const at = this.known.get(account)?.get(address);
    return at !== undefined && now - at < KNOWN_FOR_MS;
  }

  private remember(account: string, address: string, now: number): void {
    let addresses = this.known.get(account);
    if (!addresses) {
      addresses = new Map();
      this.known.set(account, addresses);
      if (this.known.size > MAX_ENTRIES) this.known.delete(this.known.keys().next().value as string);
    }
    addresses.delete(address);
    addresses.set(address, now);
    if (addresses.size > KNOWN_PER_ACCOUNT) addresses.delete(addresses.keys().next().value as string);
  }

  async begin({ account, address }: LoginKeys, now = Date.now()): Promise<ThrottleVerdict> {
    const known = this.isKnown(account, address, now);
    const pairKey = `${account}\n${address}`;
    // Looked up, never created: a refused attempt leaves no trace but the log line's time.
    const checked: Array<[Counters, Counter | undefined]> = [
      [this.addresses, this.addresses.peek(address, now)],
      known ? [this.pairs, this.pairs.peek(pairKey, now)] : [this.accounts, this.accounts.peek(account, now)],
    ];
    const waitMs = Math.max(...checked.map(([counters, c]) => counters.wait(c, now)));
    if (waitMs > 0) {
      const unlogged = checked.some(([, c]) => c !== undefined && !c.refusalLogged);
      for (const [, c] of checked) if (c) c.refusalLogged = true;
      return { allowed: false, retryAfterMs: waitMs, firstRefusal: unlogged && this.refusalLog.take(address, now) };
    }
    // Every failure counts on the account too, wherever it came from.
    const counted: Array<[Counters, string]> = [
      [this.addresses, address],
      [this.accounts, account],
      ...(known ? ([[this.pairs, pairKey]] as Array<[Counters, string]>) : []),
    ];
    const held = counted.map(([counters, key]) => [counters, key, counters.get(key, now)] as const);
    for (const [, , c] of held) c.inFlight++;
    let settled = false;
    const settle = (outcome: 'succeeded' | 'failed' | 'abandoned', at: number) => {
      if (settled) return;
      settled = true;
      for (const [counters, key, c] of held) {
        if (outcome === 'failed') counters.fail(c, at);
        else if (outcome === 'succeeded' && counters !== this.addresses) counters.reset(key);
        else c.inFlight--;
      }
      if (outcome === 'succeeded') this.remember(account, address, at);
    };
    return {
      allowed: true,
      attempt: {
        succeeded: async (at = Date.now()) => settle('succeeded', at),
        failed: async (at = Date.now()) => settle('failed', at),
        abandoned: async (at = Date.now()) => settle('abandoned', at),
      },
    };
  }
}
