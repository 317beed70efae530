import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * Windowed lists: only the rows in (or near) the scrolled viewport are built. The popup opens
 * on a list of up to a hundred rows of which about eight are visible, the manager on thousands;
 * building and laying out the others only delayed the first paint. Rows have one fixed height
 * (`rowHeight`, set in CSS as well), so the spacers above and below the window keep the
 * scrollbar true to the whole list. The viewport is measured (a flexible popup list grows or
 * shrinks with the room it gets); `height` is the first guess.
 *
 * Each item carries `aria-setsize` / `aria-posinset`, so assistive technology announces
 * "3 of 100" although only a few items are in the DOM.
 */
const OVERSCAN = 4;

/** Where rows sit: fixed heights (`fixedRows`) or a prefix sum of varying ones (`rowsOfHeights`). */
export type Layout = { count: number; offsetOf(index: number): number; indexAt(y: number): number };

export function fixedRows(count: number, rowHeight: number): Layout {
  return { count, offsetOf: (i) => i * rowHeight, indexAt: (y) => Math.floor(y / rowHeight) };
}

export function rowsOfHeights(heights: readonly number[]): Layout {
  const offsets = [0];
  for (const h of heights) offsets.push((offsets.at(-1) as number) + h);
  return {
    count: heights.length,
    offsetOf: (i) => offsets[Math.min(i, heights.length)] as number,
    indexAt(y) {
      // The last row starting at or above y.
      let lo = 0;
      let hi = heights.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((offsets[mid] as number) <= y) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

export function useWindowed<E extends HTMLElement>(layout: Layout, height: number, onNearEnd?: () => void) {
  const { count } = layout;
  const ref = useRef<E>(null);
  const [top, setTop] = useState(0);
  const [viewport, setViewport] = useState(height);
  // A shorter list (after a search) must not keep a scroll offset past its end.
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && el.scrollTop !== top) setTop(el.scrollTop);
  }, [count]);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight || height));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const first = Math.max(0, layout.indexAt(top) - OVERSCAN);
  const last = Math.min(count, layout.indexAt(top + viewport) + 1 + OVERSCAN);
  const nearEnd = last >= count;
  useLayoutEffect(() => {
    if (nearEnd) onNearEnd?.();
  }, [nearEnd, count]);
  const total = layout.offsetOf(count);
  return {
    ref,
    first,
    last,
    /** Rows that fit the viewport (of the first row's height): a Page Up / Page Down step. */
    page: Math.max(1, Math.floor(viewport / Math.max(1, layout.offsetOf(1)))),
    onScroll: (e: { currentTarget: HTMLElement }) => setTop(e.currentTarget.scrollTop),
    /** Scrolls just enough to show row `index` (keyboard moves), so its element exists. */
    reveal(index: number) {
      const el = ref.current;
      if (!el) return;
      const y = layout.offsetOf(index);
      const bottom = layout.offsetOf(index + 1);
      if (y < el.scrollTop) el.scrollTop = y;
      else if (bottom > el.scrollTop + el.clientHeight) el.scrollTop = bottom - el.clientHeight;
      setTop(el.scrollTop);
    },
    before: layout.offsetOf(first),
    after: total - layout.offsetOf(last),
  };
}
