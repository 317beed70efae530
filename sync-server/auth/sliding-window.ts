/**
 * At most `max()` admissions per key in any sliding window of `windowMs`: the times of each
 * key's admissions are kept, oldest first. An admission holds its place until `release` gives
 * it back (work that turned out not to happen). In memory, bounded: past `maxKeys` keys the
 * least recently used one is forgotten first, so endless keys never grow memory.
 */
export type WindowVerdict = { allowed: true; release: () => void } | { allowed: false; retryAfterMs: number };

export class SlidingWindow {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly max: () => number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  admit(key: string, now = Date.now()): WindowVerdict {
    const times = (this.recent.get(key) ?? []).filter((t) => now - t < this.windowMs);
    this.recent.delete(key);
    if (times.length >= this.max()) {
      this.recent.set(key, times);
      return { allowed: false, retryAfterMs: times[0]! + this.windowMs - now };
    }
    times.push(now);
    this.recent.set(key, times);
    if (this.recent.size > this.maxKeys) this.recent.delete(this.recent.keys().next().value!);
    let released = false;
    return {
      allowed: true,
      release: () => {
        if (released) return;
        released = true;
        const list = this.recent.get(key);
        const at = list?.indexOf(now) ?? -1;
        if (list && at >= 0) list.splice(at, 1);
      },
    };
  }
}
