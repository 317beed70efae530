import { ErrorCode } from '../../shared/codes.ts';
import type { Store } from '../store/store.ts';
import { LruCache } from '../lru-cache.ts';

/** The pseudo-account that owns the server's own client ids; no username can take this form. */
export const SERVER_ACCOUNT = '@server';

export type ClaimLimits = {
  /** New ids this socket may still claim (ServerLimits.clientIdsPerSocket less what it claimed). */
  socketAllowance: number;
  /** ServerLimits.clientIdsPerAccountPerDay. */
  perAccountPerDay: number;
};

export type ClaimResult =
  | { ok: true; claimed: number[] }
  | { ok: false; code: typeof ErrorCode.FOREIGN_CLIENT_ID | typeof ErrorCode.TOO_MANY_CLIENT_IDS; ids: number[] };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Owners kept in memory; the store is the source of truth, so the least recently used are simply forgotten. */
export const OWNERS_CACHED = 100_000;

/**
 * Which account each Yjs client id belongs to. A client id is claimed by the first account
 * that writes with it; afterwards a struct under that id from any other account is a forgery.
 * The server's own ids (every Y.Doc it writes stored changes with) belong to SERVER_ACCOUNT,
 * claimed before the first struct under them is stored, so nobody can write under them.
 * Owners are cached (the OWNERS_CACHED most recently used): the lookup sits on the path of
 * every update.
 *
 * New ids per account per day are counted in memory (a restart starts the count again): the
 * bound is there to stop one account from taking ids by the hundred thousand, and a restart
 * costs the attacker as much as it costs us, so a persisted counter would buy little.
 */
export class ClientRegistry {
  private readonly owners: LruCache<number, string>;
  /** Ids this process reserved for its own Y.Docs (one per room write), kept out of the cache's eviction. */
  private readonly serverIds = new Set<number>();
  private readonly claimedToday = new Map<string, number>();
  private day = Math.floor(Date.now() / DAY_MS);

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
    ownersCached: number = OWNERS_CACHED,
  ) {
    this.owners = new LruCache(ownersCached);
  }

  /** Owners held in memory (bounded by OWNERS_CACHED). */
  get cachedOwners(): number {
    return this.owners.size;
  }

  /** True when every id of `clientIds` is already known to belong to `username`: nothing to claim or look up. */
  ownsAll(clientIds: number[], username: string): boolean {
    for (const id of clientIds) if (this.owners.get(id) !== username) return false;
    return true;
  }

  /**
   * Claims for `username` every id of `clientIds` nobody owns yet, unless some belong to
   * another account (FOREIGN_CLIENT_ID) or the new ones exceed what this socket or this
   * account may still claim today (TOO_MANY_CLIENT_IDS): then nothing is claimed. Checking and
   * claiming happen with no await between them, so two sockets cannot both take one new id.
   */
  async claim(clientIds: number[], username: string, limits: ClaimLimits | null = null): Promise<ClaimResult> {
    const known = await this.lookUp(clientIds);
    const foreign = clientIds.filter((id) => {
      const owner = known.get(id);
      return owner !== undefined && owner !== username;
    });
    if (foreign.length > 0) return { ok: false, code: ErrorCode.FOREIGN_CLIENT_ID, ids: foreign };
    const fresh = [...new Set(clientIds.filter((id) => !known.has(id)))];
    if (fresh.length === 0) return { ok: true, claimed: [] };
    if (limits !== null) {
      const today = this.countToday(username);
      if (fresh.length > limits.socketAllowance || today + fresh.length > limits.perAccountPerDay) {
        return { ok: false, code: ErrorCode.TOO_MANY_CLIENT_IDS, ids: fresh };
      }
      this.claimedToday.set(username, today + fresh.length);
    }
    for (const id of fresh) this.owners.set(id, username);
    await this.store.registerClients(fresh, username);
    if (this.store.bus) {
      // Another server node may have registered one of them to someone else at the same
      // moment: the database kept the first, which is the owner everywhere.
      const stored = await this.store.clientOwners(fresh);
      const lost = fresh.filter((id) => stored.get(id) !== username);
      if (lost.length > 0) {
        for (const id of lost) this.owners.set(id, stored.get(id) ?? username);
        return { ok: false, code: ErrorCode.FOREIGN_CLIENT_ID, ids: lost };
      }
    }
    return { ok: true, claimed: fresh };
  }

  /**
   * A new client id for a Y.Doc the server writes with, registered to SERVER_ACCOUNT before
   * it is used: random like Yjs' own, and never one an account already holds.
   */
  async reserveServerId(): Promise<number> {
    for (;;) {
      const id = Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
      if (this.owners.get(id) !== undefined) continue;
      const claimed = await this.claim([id], SERVER_ACCOUNT);
      if (claimed.ok && claimed.claimed.length === 1) {
        this.serverIds.add(id);
        return id;
      }
    }
  }

  /**
   * Ids with structs in a stored document that no account has claimed. Every client write has
   * gone through `claim` since ids were registered, so such structs were written by the server
   * itself (before its ids were registered too): they become SERVER_ACCOUNT's, and a client
   * can no longer write under them. Returns how many were adopted.
   */
  async adoptUnowned(clientIds: Iterable<number>): Promise<number> {
    const ids = [...new Set(clientIds)].filter((id) => this.owners.get(id) === undefined);
    if (ids.length === 0) return 0;
    const known = await this.lookUp(ids);
    const unowned = ids.filter((id) => !known.has(id));
    if (unowned.length === 0) return 0;
    for (const id of unowned) this.owners.set(id, SERVER_ACCOUNT);
    await this.store.registerClients(unowned, SERVER_ACCOUNT);
    return unowned.length;
  }

  isServerId(id: number): boolean {
    return this.serverIds.has(id) || this.owners.get(id) === SERVER_ACCOUNT;
  }

  /** The owners of `clientIds` that have one, from the cache or else the store (and then cached). */
  private async lookUp(clientIds: number[]): Promise<Map<number, string>> {
    const known = new Map<number, string>();
    const unknown: number[] = [];
    for (const id of clientIds) {
      const owner = this.owners.get(id);
      if (owner === undefined) unknown.push(id);
      else known.set(id, owner);
    }
    if (unknown.length === 0) return known;
    for (const [id, owner] of await this.store.clientOwners(unknown)) {
      // A claim made while the store was answering wins: it is in the cache already.
      const claimed = this.owners.get(id) ?? owner;
      known.set(id, claimed);
      this.owners.set(id, claimed);
    }
    for (const id of unknown) {
      const claimed = known.has(id) ? undefined : this.owners.get(id);
      if (claimed !== undefined) known.set(id, claimed);
    }
    return known;
  }

  private countToday(username: string): number {
    const day = Math.floor(this.now() / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.claimedToday.clear();
    }
    return this.claimedToday.get(username) ?? 0;
  }
}
