import { describe, expect } from 'vitest';
import { eachStore } from './support/store-contract.ts';

/**
 * The store contract for what every store on the same data sees at once: shared secrets, file
 * tickets and throttle tries, on every adapter (the set-up is in support/store-contract.ts).
 */
eachStore({}, (it) => {
  describe('secrets, file tickets and throttles', () => {
    it('keeps the first secret stored under a name, for every store on the data', async ({ store, opened }) => {
      const other = await opened.openAnother();
      const [a, b] = await Promise.all([store.sharedSecret('k', 'first'), other.sharedSecret('k', 'second')]);
      expect(a).toBe(b);
      expect(await store.sharedSecret('k', 'third')).toBe(a);
      expect(await store.sharedSecret('other', 'x')).toBe('x');
    });

    it('keeps file tickets once each, for every store on the data, at most so many live per account', async ({ store, opened }) => {
      const other = await opened.openAnother();
      const ticket = (hash: string, expiresAt = 1_000) => ({ hash, username: 'alice', sessionHash: 's1', purpose: '{"kind":"upload"}', expiresAt });
      expect(await store.issueFileTicket(ticket('t1'), 2, 100)).toBe(true);
      expect(await other.issueFileTicket(ticket('t2'), 2, 100)).toBe(true);
      expect(await store.issueFileTicket(ticket('t3'), 2, 100)).toBe(false);
      expect(await other.redeemFileTicket('t1', 200)).toEqual(ticket('t1'));
      expect(await store.redeemFileTicket('t1', 200)).toBeNull();
      expect(await store.issueFileTicket(ticket('t3', 300), 2, 200)).toBe(true);
      // Expired: not good any more, and no longer counted.
      expect(await store.redeemFileTicket('t3', 300)).toBeNull();
      expect(await other.issueFileTicket(ticket('t4', 5_000), 1, 1_000)).toBe(true);
      expect(await store.redeemFileTicket('unknown', 0)).toBeNull();
    });

    it('counts throttle tries atomically for every store on the data, forgets them when they expire, and bounds each scope', async ({ store, opened }) => {
      const other = await opened.openAnother();
      const key = { scope: 'login-account', key: 'alice' };
      const addOne = (s: typeof store) =>
        s.updateThrottle([key], 100, 10, ([state]) => {
          const n = state === null ? 0 : Number(state);
          return { rows: [{ state: String(n + 1), expiresAt: 1_000, holdsDelay: n + 1 >= 5 }], result: n };
        });
      // Tries spread over two stores (two nodes) count once each, none lost to a race.
      const seen = await Promise.all(Array.from({ length: 12 }, (_, i) => addOne(i % 2 ? other : store)));
      expect(seen.sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
      const read = (s: typeof store, keys: Array<{ scope: string; key: string }>, now: number) => s.updateThrottle(keys, now, 10, (states) => ({ rows: [], result: states }));
      expect(await read(other, [key], 999)).toEqual(['12']);
      expect(await read(store, [key], 1_000)).toEqual([null]);
      // null deletes, undefined leaves as it is.
      const two = [key, { scope: 'login-account', key: 'bob' }];
      await store.updateThrottle(two, 100, 10, () => ({ rows: [{ state: 'a', expiresAt: 900, holdsDelay: false }, { state: 'b', expiresAt: 900, holdsDelay: false }], result: null }));
      await other.updateThrottle(two, 110, 10, () => ({ rows: [null, undefined], result: null }));
      expect(await read(store, two, 120)).toEqual([null, 'b']);

      // At most 3 rows in a scope: a flood of fresh keys drops the ones holding no delay, oldest first, never one holding a delay.
      const put = (name: string, at: number, holdsDelay: boolean, scope = 'login-address') =>
        other.updateThrottle([{ scope, key: name }], at, 3, () => ({ rows: [{ state: name, expiresAt: 1e9, holdsDelay }], result: null }));
      await put('held', 200, true);
      await put('other-scope', 200, false, 'signup-address');
      for (let i = 0; i < 50; i++) await put(`fresh${i}`, 300 + i, false);
      const scope = (names: string[], s = 'login-address') => read(store, names.map((k) => ({ scope: s, key: k })), 400);
      expect(await scope(['held', 'fresh47', 'fresh48', 'fresh49', 'fresh46'])).toEqual(['held', null, 'fresh48', 'fresh49', null]);
      expect(await scope(['other-scope'], 'signup-address')).toEqual(['other-scope']);
    });
  });
});
