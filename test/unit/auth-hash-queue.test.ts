import { describe, expect, it } from 'vitest';
import { HashQueue, HashQueueFull } from '../../sync-server/auth/hash-queue.ts';
import { clientAddressKey } from '../../sync-server/auth/client-address.ts';
import { delayAfter, MemoryLoginThrottle } from '../../sync-server/auth/login-throttle.ts';

/** A job that finishes when the test says so, recording when it started. */
function gate(order: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { work: () => (order.push(name), done), open };
}

describe('the password hash queue', () => {
  it('serves a newcomer lane before the rest of a flood from another lane', async () => {
    const q = new HashQueue(1, 10);
    const order: string[] = [];
    const flood = Array.from({ length: 5 }, (_, i) => gate(order, `flood${i}`));
    const floodRuns = flood.map((g) => q.run('10.0.0.1', g.work));
    const honest = gate(order, 'honest');
    const honestRun = q.run('10.0.0.2', honest.work);
    flood[0]!.open();
    await floodRuns[0];
    honest.open();
    await honestRun;
    expect(order.slice(0, 2)).toEqual(['flood0', 'honest']);
    for (const g of flood) g.open();
    await Promise.all(floodRuns);
    expect(q.computed).toBe(6);
  });

  it('refuses past its per-lane bound instead of queuing without end', async () => {
    const q = new HashQueue(1, 2);
    const order: string[] = [];
    const running = gate(order, 'a');
    const first = q.run('x', running.work);
    const waiting = [q.run('x', async () => 1), q.run('x', async () => 2)];
    await expect(q.run('x', async () => 3)).rejects.toBeInstanceOf(HashQueueFull);
    // Another lane still gets in line.
    const other = q.run('y', async () => 4);
    running.open();
    await first;
    expect(await Promise.all([...waiting, other])).toEqual([1, 2, 4]);
  });
});

describe('the login throttle', () => {
  const limits = { loginFailuresFree: 2, loginFailuresFreePerAddress: 4, loginDelayMaxMs: 8_000, loginFailureMemoryMs: 60_000 };

  it('doubles the wait from 1 s up to the cap', () => {
    expect([1, 2, 3, 4, 5, 40].map((k) => delayAfter(k, 8_000))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('counts attempts in flight, so concurrent guesses get only the free ones', async () => {
    const t = new MemoryLoginThrottle(limits);
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => t.begin({ account: 'alice', address: 'a' }, 0)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(2);
  });

  it('doubles the wait past the free failures, caps it, and forgets a counter after a quiet period', async () => {
    const t = new MemoryLoginThrottle(limits);
    let now = 1_000_000;
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const v = await t.begin({ account: 'alice', address: `a${i}` }, now);
      if (!v.allowed) throw new Error(`refused at ${i}`);
      await v.attempt.failed(now);
      const next = await t.begin({ account: 'alice', address: `b${i}` }, now);
      if (next.allowed) await next.attempt.abandoned(now);
      waits.push(next.allowed ? 0 : next.retryAfterMs);
      now += (waits.at(-1) as number) + 1;
    }
    expect(waits).toEqual([0, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect((await t.begin({ account: 'alice', address: 'c' }, now + 61_000)).allowed).toBe(true);
  });
});

describe('client address keys', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6, and groups IPv6 by /64', () => {
    expect(clientAddressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(clientAddressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientAddressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey(undefined)).toBe('unknown');
  });
});
