import { ErrorCode } from '../../shared/codes.ts';

/**
 * Every password hash the server computes (login, sign-up, password change) runs here: at most
 * `concurrency` at once (scrypt runs on libuv's pool of 4 threads, which file I/O shares too),
 * the rest waiting in one queue per lane (a client address); a free slot goes to the lane
 * served longest ago. A flood from
 * one address therefore delays a newcomer from another address by at most one hash per busy
 * lane, not by the whole flood; and each lane holds at most `perLane` waiting hashes, past
 * which the request is refused with TOO_MANY_ATTEMPTS instead of queuing without bound.
 */
export class HashQueueFull extends Error {
  readonly code = ErrorCode.TOO_MANY_ATTEMPTS;
  constructor() {
    super('too many password checks waiting from this address');
    this.name = 'HashQueueFull';
  }
}

export class HashQueue {
  private running = 0;
  /** Jobs waiting, per lane. */
  private readonly waiting = new Map<string, Array<() => void>>();
  /** Per lane with work running or waiting: when it was last served (a tick of `clock`), and how many of its jobs run. */
  private readonly lanes = new Map<string, { servedAt: number; running: number }>();
  private clock = 0;
  /** Hashes started since the server started (tests count them; a throttled attempt adds none). */
  computed = 0;

  constructor(
    private readonly concurrency: number,
    private readonly perLane: number,
  ) {}

  run<T>(lane: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        const state = this.lanes.get(lane) ?? { servedAt: 0, running: 0 };
        state.servedAt = ++this.clock;
        state.running++;
        this.lanes.set(lane, state);
        this.running++;
        this.computed++;
        work()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            state.running--;
            if (state.running === 0 && !this.waiting.has(lane)) this.lanes.delete(lane);
            this.next();
          });
      };
      if (this.running < this.concurrency && this.waiting.size === 0) {
        start();
        return;
      }
      const waiting = this.waiting.get(lane) ?? [];
      if (waiting.length >= this.perLane) {
        reject(new HashQueueFull());
        return;
      }
      waiting.push(start);
      this.waiting.set(lane, waiting);
      if (!this.lanes.has(lane)) this.lanes.set(lane, { servedAt: 0, running: 0 });
    });
  }

  /** Starts waiting jobs while slots are free, each from the lane served longest ago. */
  private next(): void {
    while (this.running < this.concurrency && this.waiting.size > 0) {
      let pick: string | null = null;
      let oldest = Infinity;
      for (const lane of this.waiting.keys()) {
        const servedAt = this.lanes.get(lane)?.servedAt ?? 0;
        if (servedAt < oldest) {
          oldest = servedAt;
          pick = lane;
        }
      }
      const jobs = this.waiting.get(pick as string) as Array<() => void>;
      const start = jobs.shift() as () => void;
      if (jobs.length === 0) this.waiting.delete(pick as string);
      start();
    }
  }
}
