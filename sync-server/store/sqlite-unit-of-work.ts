import type Database from 'better-sqlite3';
import type { Store, StoreTx } from './store.ts';
import type { SqliteUpdateLog } from './sqlite-update-log.ts';

/**
 * Units of work on the one SQLite connection. A unit of work spans awaits, so while one is open
 * every other call on the store waits for it to end: run on the same connection, its writes
 * would join the unit's transaction and vanish with its rollback. Each other call is
 * synchronous underneath, so once it starts it finishes before any unit of work can begin.
 * Appends to the journal bypass the wait: they never touch the connection.
 */
export class UnitOfWorkGate {
  private current: Promise<void> | null = null;

  get open(): boolean {
    return this.current !== null;
  }

  async idle(): Promise<void> {
    while (this.current) await this.current;
  }

  async run<T>(db: Database.Database, tx: StoreTx, work: (tx: StoreTx) => Promise<T>): Promise<T> {
    await this.idle();
    let end!: () => void;
    this.current = new Promise<void>((resolve) => (end = resolve));
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await work(tx);
        db.exec('COMMIT');
        return out;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.current = null;
      end();
    }
  }

  /**
   * The store callers get: every method waits while a unit of work is open, but for the ones
   * that never touch the connection under one. The unit of work itself gets the store unguarded.
   */
  guard(store: Store, log: SqliteUpdateLog): Store {
    const bypass = new Set<PropertyKey>(['close', 'transaction', 'lockDocument', 'lockNamed']);
    return new Proxy(store, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => Promise<unknown>;
        if (bypass.has(prop) || (prop === 'appendUpdate' && log.appendsToJournal)) return method.bind(target);
        return async (...args: unknown[]) => {
          if (this.current) await this.idle();
          return method.apply(target, args);
        };
      },
    });
  }
}
