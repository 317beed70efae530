import { describe, expect, it } from 'vitest';
import { compareRows, naturalCompare, type Sortable } from '../../extension/core/list-order.ts';

const row = (id: string, name: string, owner = 'alice', changedAt: number | null = null): Sortable => ({ id, name, owner, changedAt });
const names = (rows: Sortable[]) => rows.map((r) => r.name);

describe('natural name order', () => {
  it('puts "Batch 2" before "Batch 10" and ignores case and accents', () => {
    expect(['Batch 10', 'batch 2', 'Batch 1'].sort(naturalCompare)).toEqual(['Batch 1', 'batch 2', 'Batch 10']);
    expect(naturalCompare('Été', 'ete')).toBe(0);
    expect(naturalCompare('Zebra', 'apple')).toBeGreaterThan(0);
  });
});

describe('list orders', () => {
  const rows = [row('a', 'Batch 10', 'carol', 5), row('b', 'Batch 2', 'bob', 9), row('c', 'alpha', 'Bob', null), row('d', 'Batch 2', 'alice', 9)];

  it('by name: natural, ties by id so the order never changes between reloads', () => {
    expect([...rows].sort(compareRows('name')).map((r) => r.id)).toEqual(['c', 'b', 'd', 'a']);
  });

  it('by last change: newest first, unknown times last, ties by name', () => {
    expect([...rows].sort(compareRows('changed')).map((r) => r.id)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('by owner: owners in natural order (case ignored), then by name', () => {
    expect(names([...rows].sort(compareRows('owner')))).toEqual(['Batch 2', 'alpha', 'Batch 2', 'Batch 10']);
    expect([...rows].sort(compareRows('owner')).map((r) => r.owner)).toEqual(['alice', 'Bob', 'bob', 'carol']);
  });
});
