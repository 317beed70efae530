import { describe, expect, it } from 'vitest';
import { listboxKey } from '../../extension/ui/listbox-keys.ts';

const at = (key: string, active = 5, count = 20, page = 8) => listboxKey({ key }, active, count, page, ['s', 'v']);

describe('the one-tab-stop list keys', () => {
  it('move the active row and stop at the ends', () => {
    expect(at('ArrowDown')).toEqual({ kind: 'move', to: 6 });
    expect(at('ArrowUp')).toEqual({ kind: 'move', to: 4 });
    expect(at('ArrowUp', 0)).toEqual({ kind: 'move', to: 0 });
    expect(at('ArrowDown', 19)).toEqual({ kind: 'move', to: 19 });
    expect(at('Home')).toEqual({ kind: 'move', to: 0 });
    expect(at('End')).toEqual({ kind: 'move', to: 19 });
    expect(at('PageDown')).toEqual({ kind: 'move', to: 13 });
    expect(at('PageDown', 15)).toEqual({ kind: 'move', to: 19 });
    expect(at('PageUp', 3)).toEqual({ kind: 'move', to: 0 });
  });

  it('Enter opens, action letters run their action in either case, other keys pass', () => {
    expect(at('Enter')).toEqual({ kind: 'open' });
    expect(at('S')).toEqual({ kind: 'action', key: 's' });
    expect(at('v')).toEqual({ kind: 'action', key: 'v' });
    expect(at('x')).toBeNull();
    expect(at('Tab')).toBeNull();
    expect(listboxKey({ key: 's', ctrlKey: true }, 0, 3, 1, ['s'])).toBeNull();
    expect(at('ArrowDown', 0, 0)).toBeNull();
  });
});
