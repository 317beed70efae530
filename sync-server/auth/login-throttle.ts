import { z } from 'zod';
import type { ServerLimits } from '../limits.ts';
import type { ThrottleKey, ThrottleRow } from '../store/store.ts';
import { MemoryThrottleTable, type ThrottleTable } from './throttle-table.ts';

/**
 * Growing delays after failed logins, counted per account and per client address, decided
 * BEFORE any password is hashed: a refused attempt costs one read of its counters (a map lookup
 * in memory, one short transaction on PostgreSQL).
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
 * The counters live in a `ThrottleTable`: in memory for one process, in the database when several
 * nodes share it (one budget however the tries are spread). Either way a refused attempt creates
 * no counter (it only reads), and each kind of counter is bounded (ServerLimits.throttleEntries):
 * past it the least recently written one still within its free failures goes first, so a flood
 * of fresh usernames cannot push out an account's active delay. An attempt holds its place for
 * at most `RESERVATION_MS`, so a node that dies mid-attempt leaves no counter stuck.
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

/** As stored: `inFlight` holds the deadline of each admitted attempt not yet settled. */
const counterSchema = z.object({
  failures: z.number().int().nonnegative(),
  inFlight: z.array(z.number()),
  blockedUntil: z.number(),
  lastFailureAt: z.number(),
  refusalLogged: z.boolean(),
});
type Counter = z.infer<typeof counterSchema>;
/** Addresses the account signed in from, oldest first, with when. */
const knownSchema = z.object({ addresses: z.array(z.tuple([z.string(), z.number()])) });
type Known = z.infer<typeof knownSchema>;

/** Counters each kind keeps at most when no limit is given (tests, tools). */
const DEFAULT_ENTRIES = 100_000;
/** Addresses remembered per account as known, and for how long. */
const KNOWN_PER_ACCOUNT = 16;
const KNOWN_FOR_MS = 30 * 24 * 3600_000;
/** What a refused attempt is told to wait while the one allowed attempt is still being checked. */
const IN_FLIGHT_WAIT_MS = 1_000;
/** Longest an admitted attempt holds its place (its hash may queue); past it the place is free again. */
const RESERVATION_MS = 5 * 60_000;

/** One "throttled" log line per address at most this often. */
const REFUSAL_LOG_EVERY_MS = 60_000;

/** Says yes to a key at most once per `everyMs`; bounded like the counters (oldest dropped). Per node: it only spares this node's log. */
class PerKeyRate {
  private readonly last = new Map<string, number>();
  constructor(private readonly everyMs: number) {}

  take(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.everyMs) return false;
    // Re-inserted, so the map is in time order and the oldest goes first.
    this.last.delete(key);
    this.last.set(key, now);
    if (this.last.size > DEFAULT_ENTRIES) this.last.delete(this.last.keys().next().value as string);
    return true;
  }
}

/** The wait after the `k`-th failure past the free ones (k ≥ 1): 1 s, 2 s, 4 s … up to `max`. */
export function delayAfter(k: number, maxMs: number): number {
  return Math.min(maxMs, 1_000 * 2 ** Math.min(k - 1, 30));
}

function parsed<T>(schema: z.ZodType<T>, state: string | null): T | undefined {
  if (state === null) return undefined;
  try {
    return schema.parse(JSON.parse(state));
  } catch {
    // A row this version cannot read counts as none: the throttle starts it again.
    return undefined;
  }
}

/** One kind of counter (per address, per account, per known pair) with its free failures. */
class Kind {
  constructor(
    readonly scope: string,
    readonly free: number,
    private readonly limits: ThrottleLimits,
  ) {}

  /** The live counter in `state`, without attempts whose place has lapsed; undefined when forgotten. */
  read(state: string | null, now: number): Counter | undefined {
    const c = parsed(counterSchema, state);
    if (!c) return undefined;
    c.inFlight = c.inFlight.filter((until) => until > now);
    return c.inFlight.length === 0 && now - c.lastFailureAt > this.limits.loginFailureMemoryMs ? undefined : c;
  }

  /** What to store for `c`: deleted once nothing in it matters any more. */
  row(c: Counter): ThrottleRow | null {
    const expiresAt = Math.max(c.lastFailureAt + this.limits.loginFailureMemoryMs + 1, c.blockedUntil, ...c.inFlight);
    if (c.failures === 0 && c.inFlight.length === 0) return null;
    return { state: JSON.stringify(c), expiresAt, holdsDelay: c.failures >= this.free };
  }

  /** Milliseconds to wait, or 0 when an attempt may start now. */
  wait(c: Counter | undefined, now: number): number {
    if (!c) return 0;
    if (now < c.blockedUntil) return c.blockedUntil - now;
    if (c.failures + c.inFlight.length >= this.free && c.inFlight.length > 0) return IN_FLIGHT_WAIT_MS;
    return 0;
  }

  fail(c: Counter, now: number): void {
    c.failures++;
    c.lastFailureAt = now;
    c.refusalLogged = false;
    const past = c.failures - this.free;
    if (past >= 0) c.blockedUntil = now + delayAfter(past + 1, this.limits.loginDelayMaxMs);
  }
}

const fresh = (): Counter => ({ failures: 0, inFlight: [], blockedUntil: 0, lastFailureAt: 0, refusalLogged: false });

function isKnown(known: Known | undefined, address: string, now: number): boolean {
  const at = known?.addresses.find(([a]) => a === address)?.[1];
  return at !== undefined && now - at < KNOWN_FOR_MS;
}

function remember(known: Known | undefined, address: string, now: number): ThrottleRow {
  const addresses = (known?.addresses ?? []).filter(([a, at]) => a !== address && now - at < KNOWN_FOR_MS);
  addresses.push([address, now]);
  const kept = addresses.slice(-KNOWN_PER_ACCOUNT);
  return { state: JSON.stringify({ addresses: kept }), expiresAt: now + KNOWN_FOR_MS, holdsDelay: false };
}

type Settle = 'succeeded' | 'failed' | 'abandoned';
type Begun = { allowed: true; until: number; known: boolean } | { allowed: false; retryAfterMs: number; unlogged: boolean };

/** The login throttle over its counters (see the top of this file). */
export class TableLoginThrottle implements LoginThrottle {
  private readonly address: Kind;
  private readonly account: Kind;
  /** Counters of (account, known address) pairs; same rule as an account's. */
  private readonly pair: Kind;
  /** At most one "throttled" log line per address per minute, whatever usernames it tries. */
  private readonly refusalLog = new PerKeyRate(REFUSAL_LOG_EVERY_MS);

  constructor(
    limits: ThrottleLimits,
    private readonly table: ThrottleTable,
  ) {
    this.address = new Kind('login-address', limits.loginFailuresFreePerAddress, limits);
    this.account = new Kind('login-account', limits.loginFailuresFree, limits);
    this.pair = new Kind('login-pair', limits.loginFailuresFree, limits);
  }

  /** The counters an attempt reads, in this order: address, account, pair, then the account's known addresses. */
  private keys({ account, address }: LoginKeys): ThrottleKey[] {
    return [
      { scope: this.address.scope, key: address },
      { scope: this.account.scope, key: account },
      { scope: this.pair.scope, key: `${account}\n${address}` },
      { scope: 'login-known', key: account },
    ];
  }

  async begin(login: LoginKeys, now = Date.now()): Promise<ThrottleVerdict> {
    const kinds = [this.address, this.account, this.pair];
    const begun = await this.table.update<Begun>(this.keys(login), now, (states) => {
      const counters = kinds.map((kind, i) => kind.read(states[i] ?? null, now));
      const known = isKnown(parsed(knownSchema, states[3] ?? null), login.address, now);
      // A known address is judged by its pair's counter instead of the account's.
      const checked = known ? [0, 2] : [0, 1];
      const waitMs = Math.max(...checked.map((i) => kinds[i]!.wait(counters[i], now)));
      const rows: Array<ThrottleRow | null | undefined> = [];
      if (waitMs > 0) {
        // Looked up, never created: a refused attempt leaves no trace but the log line's time.
        const unlogged = checked.some((i) => counters[i] !== undefined && !counters[i].refusalLogged);
        for (const i of checked) {
          const c = counters[i];
          if (c && !c.refusalLogged) rows[i] = kinds[i]!.row({ ...c, refusalLogged: true });
        }
        return { rows, result: { allowed: false, retryAfterMs: waitMs, unlogged } };
      }
      // Every failure counts on the account too, wherever it came from.
      const until = now + RESERVATION_MS;
      for (const i of known ? [0, 1, 2] : [0, 1]) {
        const c = counters[i] ?? fresh();
        c.inFlight.push(until);
        rows[i] = kinds[i]!.row(c);
      }
      return { rows, result: { allowed: true, until, known } };
    });
    if (!begun.allowed) return { allowed: false, retryAfterMs: begun.retryAfterMs, firstRefusal: begun.unlogged && this.refusalLog.take(login.address, now) };
    let settled = false;
    const settle = async (outcome: Settle, at: number): Promise<void> => {
      if (settled) return;
      settled = true;
      await this.settle(login, begun.known, begun.until, outcome, at);
    };
    return {
      allowed: true,
      attempt: {
        succeeded: (at = Date.now()) => settle('succeeded', at),
        failed: (at = Date.now()) => settle('failed', at),
        abandoned: (at = Date.now()) => settle('abandoned', at),
      },
    };
  }

  private async settle(login: LoginKeys, known: boolean, until: number, outcome: Settle, at: number): Promise<void> {
    const kinds = [this.address, this.account, this.pair];
    await this.table.update(this.keys(login), at, (states) => {
      const rows: Array<ThrottleRow | null | undefined> = [];
      for (const i of known ? [0, 1, 2] : [0, 1]) {
        const kind = kinds[i]!;
        // A success clears the account's (and pair's) counter, never the address's.
        if (outcome === 'succeeded' && kind !== this.address) {
          rows[i] = null;
          continue;
        }
        const c = kind.read(states[i] ?? null, at) ?? fresh();
        const mine = c.inFlight.indexOf(until);
        if (mine >= 0) c.inFlight.splice(mine, 1);
        if (outcome === 'failed') kind.fail(c, at);
        rows[i] = kind.row(c);
      }
      if (outcome === 'succeeded') rows[3] = remember(parsed(knownSchema, states[3] ?? null), login.address, at);
      return { rows, result: undefined };
    });
  }
}

/** The throttle of one server process: counters in memory. */
export class MemoryLoginThrottle extends TableLoginThrottle {
  constructor(limits: ThrottleLimits & Partial<Pick<ServerLimits, 'throttleEntries'>>) {
    super(limits, new MemoryThrottleTable(limits.throttleEntries ?? DEFAULT_ENTRIES));
  }
}
