import { describe, expect, it } from 'vitest';
import { LruCache } from '../../sync-server/lru-cache.ts';

/** The cache behind density answers and client-id owners: bounded, the least recently used forgotten first. */
describe('LruCache', () => {
  it('keeps at most its bound, forgetting the least recently used (a read counts as a use)', () => {
    const cache = new LruCache<number, string>(2);
    cache.set(1, 'a');
    cache.set(2, 'b');
    expect(cache.get(1)).toBe('a');
    cache.set(3, 'c');
    expect(cache.size).toBe(2);
    expect(cache.get(2)).toBeUndefined();
    expect([cache.get(1), cache.get(3)]).toEqual(['a', 'c']);
    cache.set(1, 'A');
    cache.set(4, 'd');
    expect([cache.get(1), cache.get(3), cache.get(4)]).toEqual(['A', undefined, 'd']);
  });

  it('a bound of zero keeps nothing', () => {
    const cache = new LruCache<string, number>(0);
    cache.set('x', 1);
    expect(cache.get('x')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
