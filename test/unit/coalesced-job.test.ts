import { describe, expect, it } from 'vitest';
import { Coalesced } from '../../shared/coalesced-job.ts';

/** The job runner behind live mode (extension) and the expiry timer (server). */
describe('Coalesced runs one job at a time and never drops a request', () => {
  it('calls during a run cause exactly one more run, and their promise waits for it', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const job = new Coalesced(async () => {
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
    }, () => {});
    const first = job.run();
    expect(job.busy).toBe(true);
    const second = job.run();
    const third = job.run();
    release();
    await Promise.all([first, second, third]);
    expect(runs).toBe(2);
    expect(job.busy).toBe(false);
    await job.run();
    expect(runs).toBe(3);
  });

  it('a failing run is reported and the next request still runs', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const job = new Coalesced(async () => {
      runs++;
      if (runs === 1) throw new Error('boom');
    }, (e) => errors.push(e));
    await job.run();
    await job.run();
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('idle waits for the run in progress without asking for another', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const job = new Coalesced(async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
    }, () => {});
    await job.idle();
    expect(runs).toBe(0);
    void job.run();
    const idle = job.idle();
    release();
    await idle;
    expect(runs).toBe(1);
    expect(job.busy).toBe(false);
  });
});
