import type { WorkerCore } from './core-factory.ts';

/**
 * Keeps the replicas moving: push the outbox (`sync`), then pull the lists and every listed
 * experiment (`refresh`). Runs soon after each change a page makes, every few seconds while a
 * page is open, and on the worker's alarm otherwise. Never two at once: a request that arrives
 * while one runs is folded into one more run after it.
 */
export type Pump = { kick(delayMs?: number): void; stop(): void };

export function createPump(core: WorkerCore, onError: (error: unknown) => void): Pump {
  let running = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  async function run(): Promise<void> {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        if (!core.account) return;
        await core.sync();
        if (core.status() === 'offline') return;
        await core.refresh([], true);
        // Pulled after the lists, so an experiment shared a moment ago arrives in the same run.
        const ids = (await core.list('all')).map((row) => row.id);
        if (ids.length > 0) await core.refresh(ids, false);
      } while (again && !stopped);
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  }

  return {
    kick(delayMs = 0) {
      if (stopped || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        void run();
      }, delayMs);
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    },
  };
}
