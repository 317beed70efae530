import { describe, expect, it } from 'vitest';
import { Watches } from '../../extension/background/watches.ts';

/** A live mode stand-in that records which experiments it holds open. */
function fakeLive() {
  const open = new Map<string, number>();
  return {
    open,
    watch(id: string) {
      open.set(id, (open.get(id) ?? 0) + 1);
      return () => {
        const left = (open.get(id) ?? 1) - 1;
        if (left > 0) open.set(id, left);
        else open.delete(id);
      };
    },
  };
}

describe('the experiments the open pages keep live', () => {
  it('holds the union of every page once, and releases what no page shows', () => {
    const watches = new Watches();
    const live = fakeLive();
    const pageA = {};
    const pageB = {};
    watches.attach(live);
    watches.set(pageA, ['e1', 'e2']);
    watches.set(pageB, ['e2']);
    expect([...live.open]).toEqual([['e1', 1], ['e2', 1]]);
    watches.set(pageA, ['e3']);
    expect([...live.open.keys()].sort()).toEqual(['e2', 'e3']);
    watches.drop(pageB);
    expect([...live.open.keys()]).toEqual(['e3']);
  });

  it('applies what pages asked before live mode started, and moves to a new live mode', () => {
    const watches = new Watches();
    watches.set({}, ['e1']);
    const first = fakeLive();
    watches.attach(first);
    expect([...first.open.keys()]).toEqual(['e1']);
    const second = fakeLive();
    watches.attach(second);
    expect(first.open.size).toBe(0);
    expect([...second.open.keys()]).toEqual(['e1']);
    watches.attach(null);
    expect(second.open.size).toBe(0);
  });
});
