import { z } from 'zod';
import type { ThrottleRow } from '../store/store.ts';
import { MemoryThrottleTable, type ThrottleTable } from './throttle-table.ts';

/**
 * At most `max()` admissions per key in any sliding window of `windowMs`: the times of each
 * key's admissions are kept, oldest first. An admission holds its place until `release` gives
 * it back (work that turned out not to happen). Kept in a `ThrottleTable` under `scope`: in
 * memory by default, bounded (past its bound the least recently used key is forgotten first, so
 * endless keys never grow it), or in the database shared by several nodes.
 */
export type WindowVerdict = { allowed: true; release: () => Promise<void> } | { allowed: false; retryAfterMs: number };

const timesSchema = z.array(z.number());

export class SlidingWindow {
  private readonly table: ThrottleTable;

  constructor(
    private readonly max: () => number,
    private readonly windowMs: number,
    maxKeys: number,
    private readonly scope = 'window',
    table?: ThrottleTable,
  ) {
    this.table = table ?? new MemoryThrottleTable(maxKeys);
  }

  async admit(key: string, now = Date.now()): Promise<WindowVerdict> {
    const keys = [{ scope: this.scope, key }];
    const retryAfterMs = await this.table.update(keys, now, ([state]) => {
      const times = this.live(state ?? null, now);
      if (times.length >= this.max()) return { rows: [undefined], result: times[0]! + this.windowMs - now };
      times.push(now);
      return { rows: [this.row(times)], result: 0 };
    });
    if (retryAfterMs > 0) return { allowed: false, retryAfterMs };
    let released = false;
    return {
      allowed: true,
      release: async () => {
        if (released) return;
        released = true;
        await this.table.update(keys, now, ([state]) => {
          const times = this.live(state ?? null, now);
          const at = times.indexOf(now);
          if (at < 0) return { rows: [undefined], result: undefined };
          times.splice(at, 1);
          return { rows: [times.length > 0 ? this.row(times) : null], result: undefined };
        });
      },
    };
  }

  /** The admissions still in the window at `now`, oldest first. */
  private live(state: string | null, now: number): number[] {
    let times: number[] = [];
    try {
      if (state !== null) times = timesSchema.parse(JSON.parse(state));
    } catch {
      // Unreadable: counts as none.
    }
    return times.filter((t) => now - t < this.windowMs).sort((a, b) => a - b);
  }

  private row(times: number[]): ThrottleRow {
    return { state: JSON.stringify(times), expiresAt: times.at(-1)! + this.windowMs, holdsDelay: times.length >= this.max() };
  }
}
