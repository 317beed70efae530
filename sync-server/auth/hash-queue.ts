import { ErrorCode } from '../../shared/codes.ts';

/**
 * Every password hash the server computes (login, sign-up, password change) runs here: at most
 * `concurrency` at once (scrypt runs on libuv's pool of 4 threads, which file I/O shares too),
 * the rest waiting in one queue per lane (a client address), served round-robin. A flood from
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
  /** Lanes with waiting work, in turn order: the first is served next, then moves to the back. */
  private readonly lanes = new Map<string, Array<() => void>>();
  /** Hashes started since the server started (tests count them; a throttled attempt adds none). */
  computed = 0;

  constructor(
    private readonly concurrency: number,
    private readonly perLane: number,
  ) {}

  run<T>(lane: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        this.computed++;
        work()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
      };
      if (this.running < this.concurrency && this.lanes.size === 0) {
        start();
        return;
      }
      const waiting = this.lanes.get(lane) ?? [];
      if (waiting.length >= this.perLane) {
        reject(new HashQueueFull());
        return;
      }
      waiting.push(start);
      this.lanes.set(lane, waiting);
    });
  }

  private next(): void {
    while (this.running < this.concurrency) {
      const first = this.lanes.entries().next();
      if (first.done) return;
      const [lane, waiting] = first.value;
      const start = waiting.shift() as () => void;
      this.lanes.delete(lane);
      if (waiting.length > 0) this.lanes.set(lane, waiting);
      start();
    }
  }
}
