import type { Store, ThrottleChange, ThrottleKey, ThrottleRow } from '../store/store.ts';

/**
 * Where the login and sign-up throttles keep their counters: an atomic read-modify-write of a few
 * keys (see `Store.updateThrottle` for the contract). One server process keeps them in memory
 * (`MemoryThrottleTable`: a refused attempt costs a map lookup); several nodes on one PostgreSQL
 * database keep them there (`StoreThrottleTable`), so a guesser who spreads tries over the nodes
 * gets the budget of one. Either way each scope holds at most `maxRows` counters.
 */
export interface ThrottleTable {
  update<T>(keys: ThrottleKey[], now: number, change: ThrottleChange<T>): Promise<T>;
}

export class StoreThrottleTable implements ThrottleTable {
  constructor(
    private readonly store: Pick<Store, 'updateThrottle'>,
    private readonly maxRows: number,
  ) {}

  update<T>(keys: ThrottleKey[], now: number, change: ThrottleChange<T>): Promise<T> {
    return this.store.updateThrottle(keys, now, this.maxRows, change);
  }
}

export class MemoryThrottleTable implements ThrottleTable {
  /** Per scope, in the order written (re-inserted on each write), so the first is the least recently written. */
  private readonly scopes = new Map<string, Map<string, ThrottleRow>>();

  constructor(private readonly maxRows: number) {}

  async update<T>(keys: ThrottleKey[], now: number, change: ThrottleChange<T>): Promise<T> {
    const { rows, result } = change(keys.map((k) => this.live(k, now)?.state ?? null));
    for (const [i, k] of keys.entries()) {
      const row = rows[i];
      if (row === undefined) continue;
      const scope = this.scope(k.scope);
      const grew = this.live(k, now) === undefined;
      scope.delete(k.key);
      if (row === null) continue;
      scope.set(k.key, row);
      if (grew && scope.size > this.maxRows) this.evictOne(scope, keys, now);
    }
    return result;
  }

  private scope(name: string): Map<string, ThrottleRow> {
    let scope = this.scopes.get(name);
    if (!scope) this.scopes.set(name, (scope = new Map()));
    return scope;
  }

  private live(k: ThrottleKey, now: number): ThrottleRow | undefined {
    const row = this.scopes.get(k.scope)?.get(k.key);
    return row && row.expiresAt > now ? row : undefined;
  }

  /** The store's eviction order: an expired or delay-free counter first, else the least recently written; never one of `keys`. */
  private evictOne(scope: Map<string, ThrottleRow>, keys: ThrottleKey[], now: number): void {
    const kept = new Set(keys.map((k) => k.key));
    let fallback: string | undefined;
    for (const [key, row] of scope) {
      if (kept.has(key)) continue;
      if (row.expiresAt <= now || !row.holdsDelay) {
        scope.delete(key);
        return;
      }
      fallback ??= key;
    }
    if (fallback !== undefined) scope.delete(fallback);
  }
}
