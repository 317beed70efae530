/**
 * What a key does in a one-tab-stop list (the WAI-ARIA listbox pattern): the arrows, Home, End,
 * Page Up and Page Down move the active row; Enter opens it; a row action's letter runs that
 * action. Pure, so the keyboard contract is tested without a browser.
 */
export type KeyOutcome = { kind: 'move'; to: number } | { kind: 'open' } | { kind: 'action'; key: string } | null;

export type KeyPress = { key: string; altKey?: boolean; ctrlKey?: boolean; metaKey?: boolean };

export function listboxKey(press: KeyPress, active: number, count: number, page: number, actionKeys: readonly string[]): KeyOutcome {
  if (count === 0 || press.altKey || press.ctrlKey || press.metaKey) return null;
  const move = (to: number): KeyOutcome => ({ kind: 'move', to: Math.min(count - 1, Math.max(0, to)) });
  switch (press.key) {
    case 'ArrowDown': return move(active + 1);
    case 'ArrowUp': return move(active - 1);
    case 'Home': return move(0);
    case 'End': return move(count - 1);
    case 'PageDown': return move(active + page);
    case 'PageUp': return move(active - page);
    case 'Enter': return { kind: 'open' };
    default: {
      const key = press.key.toLowerCase();
      return actionKeys.includes(key) ? { kind: 'action', key } : null;
    }
  }
}
