import { describe, expect, it, vi } from 'vitest';
import { ListCache } from '../../extension/background/list-cache.ts';
import type { ExperimentRow, ListFilter } from '../../extension/core/contract.ts';

const row = (id: string, name: string, projectId: string | null = null): ExperimentRow => ({
  id, name, owner: 'alice', access: 'owner', public: false, curated: false, projectId, parentId: null, sharedWithOthers: false, isNew: false,
});

describe('the worker list cache', () => {
  const rows = [row('a', 'Alpha panel', 'p1'), row('b', 'Beta cohort'), row('c', 'Gamma PANEL', 'p1')];

  it('computes each filter once until invalidated', async () => {
    const compute = vi.fn(async (_filter: ListFilter) => rows);
    const cache = new ListCache(compute);
    await cache.query({ filter: 'all' });
    await cache.query({ filter: 'all', search: 'panel' });
    expect(compute).toHaveBeenCalledTimes(1);
    await cache.query({ filter: 'mine' });
    expect(compute).toHaveBeenCalledTimes(2);
    cache.invalidate();
    await cache.query({ filter: 'all' });
    expect(compute).toHaveBeenCalledTimes(3);
  });

  it('narrows by search (case-insensitive), project and ids, keeping the order', async () => {
    const cache = new ListCache(async () => rows);
    expect((await cache.query({ filter: 'all', search: 'PANEL' })).map((r) => r.id)).toEqual(['a', 'c']);
    expect((await cache.query({ filter: 'all', projectId: 'p1' })).map((r) => r.id)).toEqual(['a', 'c']);
    expect((await cache.query({ filter: 'all', ids: ['b', 'c'] })).map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('does not keep an answer computed across an invalidation, nor a failure', async () => {
    let release: (value: ExperimentRow[]) => void = () => {};
    const compute = vi.fn((_filter: ListFilter) => new Promise<ExperimentRow[]>((resolve) => (release = resolve)));
    const cache = new ListCache(compute);
    const early = cache.rows('all');
    cache.invalidate();
    release([row('old', 'Old')]);
    await early;
    const fresh = cache.rows('all');
    release(rows);
    expect((await fresh).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(compute).toHaveBeenCalledTimes(2);

    const failing = new ListCache(vi.fn().mockRejectedValueOnce(new Error('no')).mockResolvedValue(rows));
    await expect(failing.rows('all')).rejects.toThrow('no');
    expect(await failing.rows('all')).toHaveLength(3);
  });

  it('orders by the query\'s sort and searches owners and tag values', async () => {
    const more = [
      { ...row('x', 'Batch 10'), owner: 'carol', changedAt: 3, tagValues: ['Spleen'] },
      { ...row('y', 'Batch 2'), owner: 'bob', changedAt: 1 },
      { ...row('z', 'Batch 1'), changedAt: 2, tagValues: ['Liver'] },
    ];
    const cache = new ListCache(async () => more);
    expect((await cache.query({ filter: 'all', sort: 'name' })).map((r) => r.name)).toEqual(['Batch 1', 'Batch 2', 'Batch 10']);
    expect((await cache.query({ filter: 'all', sort: 'changed' })).map((r) => r.id)).toEqual(['x', 'z', 'y']);
    expect((await cache.query({ filter: 'all', sort: 'owner' })).map((r) => r.owner)).toEqual(['alice', 'bob', 'carol']);
    expect((await cache.query({ filter: 'all', search: 'CAROL' })).map((r) => r.id)).toEqual(['x']);
    expect((await cache.query({ filter: 'all', search: 'liver', sort: 'name' })).map((r) => r.id)).toEqual(['z']);
  });
});
