import { describe, expect, it } from 'vitest';
import { conflict, idle, shown, step, type DraftEvent, type DraftState } from '../../extension/ui/draft-field.ts';

/** Runs events against a synced value that may change between them; collects what was written. */
function run(events: Array<DraftEvent | { remote: string }>, start = 'D-001', valid?: (d: string) => boolean) {
  let state: DraftState = idle;
  let current = start;
  const writes: string[] = [];
  for (const e of events) {
    if ('remote' in e) {
      current = e.remote;
      continue;
    }
    const next = step(state, e, current, valid);
    state = next.state;
    if (next.write !== null) {
      writes.push(next.write);
    }
  }
  return { state, current, writes, shows: shown(state, current), theirs: conflict(state, current) };
}

const input = (text: string): DraftEvent => ({ type: 'input', text });
const commit: DraftEvent = { type: 'commit' };

describe('a live field with a draft (draft-field.ts)', () => {
  it('idle: shows the synced value, remote changes included, and commits nothing', () => {
    expect(run([{ remote: 'D-002' }, commit])).toMatchObject({ shows: 'D-002', writes: [], theirs: null });
  });

  it('typing then committing with nothing changed underneath writes the draft and keeps showing it', () => {
    const r = run([input('D-0'), input('D-010'), commit]);
    expect(r.writes).toEqual(['D-010']);
    expect(r.shows).toBe('D-010');
    expect(r.state).toEqual({ kind: 'sent', value: 'D-010', replaced: 'D-001' });
  });

  it('a remote change while typing leaves the draft shown and reports their value', () => {
    const r = run([input('D-0'), { remote: 'bob' }, input('D-00')]);
    expect(r.shows).toBe('D-00');
    expect(r.theirs).toBe('bob');
    expect(r.writes).toEqual([]);
  });

  it('committing with a change underneath writes nothing and asks', () => {
    const r = run([input('alice'), { remote: 'bob' }, commit]);
    expect(r.writes).toEqual([]);
    expect(r.state).toMatchObject({ kind: 'editing', draft: 'alice', asking: true });
    expect(r.shows).toBe('alice');
    // Committing again (leaving the field) still asks: only a choice writes.
    expect(run([input('alice'), { remote: 'bob' }, commit, commit]).writes).toEqual([]);
  });

  it('keep mine writes the draft over theirs', () => {
    const r = run([input('alice'), { remote: 'bob' }, commit, { type: 'keepMine' }]);
    expect(r.writes).toEqual(['alice']);
    expect(r.shows).toBe('alice');
    expect(r.state).toEqual({ kind: 'sent', value: 'alice', replaced: 'bob' });
  });

  it('take theirs drops the draft and shows their value', () => {
    const r = run([input('alice'), { remote: 'bob' }, commit, { type: 'takeTheirs' }]);
    expect(r).toMatchObject({ writes: [], shows: 'bob', state: idle, theirs: null });
  });

  it('Escape drops the draft, with or without a change underneath', () => {
    expect(run([input('alice'), { type: 'escape' }])).toMatchObject({ writes: [], shows: 'D-001', state: idle });
    expect(run([input('alice'), { remote: 'bob' }, { type: 'escape' }])).toMatchObject({ writes: [], shows: 'bob', state: idle });
  });

  it('"changed underneath" is measured from the value the draft started from', () => {
    // Changed and changed back before the commit: nothing changed underneath.
    expect(run([input('alice'), { remote: 'bob' }, { remote: 'D-001' }, commit]).writes).toEqual(['alice']);
    // Their value equal to the draft: nothing to decide, nothing to write.
    expect(run([input('same'), { remote: 'same' }, commit])).toMatchObject({ writes: [], state: idle, shows: 'same' });
    // A draft typed back to where it started: their value wins without asking.
    expect(run([input('x'), input('D-001'), { remote: 'bob' }, commit])).toMatchObject({ writes: [], state: idle, shows: 'bob' });
  });

  it('after a write the field shows it until the synced value moves, then follows the synced value', () => {
    let r = run([input('alice'), commit]);
    expect(r.shows).toBe('alice');
    const landed = step(r.state, { type: 'observe' }, 'alice');
    expect(landed.state).toEqual(idle);
    r = run([input('alice'), commit, { remote: 'carol' }, { type: 'observe' }]);
    expect(r).toMatchObject({ state: idle, shows: 'carol' });
    expect(step({ kind: 'sent', value: 'alice', replaced: 'D-001' }, { type: 'failed' }, 'D-001').state).toEqual(idle);
  });

  it('typing again before the own write came back is no conflict with the value it replaced', () => {
    const r = run([input('alice'), commit, input('alice2')]);
    expect(r.theirs).toBeNull();
    expect(run([input('alice'), commit, input('alice2'), commit]).writes).toEqual(['alice', 'alice2']);
    // But someone else's value arriving meanwhile is one.
    expect(run([input('alice'), commit, input('alice2'), { remote: 'bob' }]).theirs).toBe('bob');
  });

  it('an invalid draft (an empty name) is dropped on commit and on keep mine', () => {
    const nonEmpty = (d: string) => d.trim() !== '';
    expect(run([input('  '), commit], 'Study', nonEmpty)).toMatchObject({ writes: [], state: idle, shows: 'Study' });
    expect(run([input(''), { remote: 'Bob study' }, { type: 'keepMine' }], 'Study', nonEmpty)).toMatchObject({ writes: [], shows: 'Bob study' });
  });
});
