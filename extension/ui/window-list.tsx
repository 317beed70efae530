import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * A list that renders only the rows in (or near) its scrolled viewport. The popup opens on a
 * list of up to a hundred rows of which about eight are visible; building and laying out the
 * others only delayed the first paint. Rows have one fixed height (`rowHeight`, set in CSS as
 * well), so the spacers above and below the window keep the scrollbar true to the whole list.
 *
 * Keyboard use still works: a focused row near the window's edge scrolls into view, which moves
 * the window with it. Each item carries `aria-setsize` / `aria-posinset`, so assistive
 * technology announces "3 of 100" although only a few items are in the DOM.
 */
type Props<T> = {
  items: T[];
  rowHeight: number;
  /** Visible height in pixels (the list's max-height). */
  height: number;
  label: string;
  class: string;
  testId?: string;
  keyOf: (item: T) => string;
  render: (item: T) => ComponentChildren;
  /** Called when the window reaches the end of `items`: the owner may load more. */
  onNearEnd?: () => void;
};

const OVERSCAN = 4;

export function WindowList<T>({ items, rowHeight, height, label, class: className, testId, keyOf, render, onNearEnd }: Props<T>) {
  const ref = useRef<HTMLUListElement>(null);
  const [top, setTop] = useState(0);
  // A shorter list (after a search) must not keep a scroll offset past its end.
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && el.scrollTop !== top) setTop(el.scrollTop);
  }, [items.length]);
  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + OVERSCAN);
  const nearEnd = last >= items.length;
  useLayoutEffect(() => {
    if (nearEnd) onNearEnd?.();
  }, [nearEnd, items.length]);
  return (
    <ul
      ref={ref}
      class={className}
      aria-label={label}
      data-testid={testId}
      style={{ maxHeight: `${height}px`, overflowY: 'auto' }}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
    >
      {first > 0 && <li aria-hidden="true" class="spacer" style={{ height: `${first * rowHeight}px` }} />}
      {items.slice(first, last).map((item, i) => (
        <li key={keyOf(item)} class="window-row" aria-setsize={items.length} aria-posinset={first + i + 1} style={{ height: `${rowHeight}px` }}>
          {render(item)}
        </li>
      ))}
      {last < items.length && <li aria-hidden="true" class="spacer" style={{ height: `${(items.length - last) * rowHeight}px` }} />}
    </ul>
  );
}
