/**
 * Binned 2-D histograms ("density plots") of two channels, and the number of events inside
 * gates: the pure core that the server (events streamed from disk, a chunk at a time) and the
 * page (a parsed file in memory) both run, so a plot and its percentages are the same wherever
 * they are computed.
 *
 * Axis range, in raw channel units, from the channel's $PnR (R):
 *   lin [0, R], log [1, R], asinh [-cofactor, R]  (a little room below 0, where compensated and
 *   mass cytometry data put noise).
 * A channel without a range (float data with no $PnR) takes the largest value in the data.
 * Bins are equal in plot units; bin i of n covers [lo + i·w, lo + (i+1)·w), the last one also
 * its upper edge. Events outside the range, NaN, or ≤ 0 on a log axis are counted apart
 * (`total − inRange`), never clamped into edge bins.
 *
 * Counts are row-major with y as the row: counts[iy · bins + ix], iy = 0 at the bottom.
 */
import { forward, inverse, type AxisTransform } from './scale.ts';

export type Axis = AxisTransform & Readonly<{ lo: number; hi: number }>;

/** Raw-unit lower bound of an axis over a channel. */
function rawLow(t: AxisTransform): number {
  return t.scale === 'lin' ? 0 : t.scale === 'log' ? 1 : -t.cofactor;
}

/**
 * The axis over a channel with range `range` ($PnR; 0 when unknown), or else up to `dataMax`
 * (the largest value seen; pass it only when the range is unknown). Never empty: when the top
 * would not be above the bottom, the axis spans one unit.
 */
export function axisFor(t: AxisTransform, range: number, dataMax = Number.NaN): Axis {
  const top = range > 0 ? range : Number.isFinite(dataMax) ? dataMax : 1;
  const lo = forward(t, rawLow(t));
  let hi = forward(t, top);
  if (!(hi > lo)) hi = lo + 1;
  return { scale: t.scale, cofactor: t.cofactor, lo, hi };
}

/** The `bins + 1` bin edges in raw channel units, ascending. */
export function binEdges(axis: Axis, bins: number): number[] {
  const out: number[] = [];
  const w = (axis.hi - axis.lo) / bins;
  for (let i = 0; i <= bins; i++) out.push(inverse(axis, i === bins ? axis.hi : axis.lo + i * w));
  return out;
}

/** The bin of a raw value on an axis of `bins` bins, or -1 when it is outside. */
export function binOf(axis: Axis, bins: number, v: number): number {
  const u = forward(axis, v);
  if (!(u >= axis.lo && u <= axis.hi)) return -1;
  const i = Math.floor(((u - axis.lo) / (axis.hi - axis.lo)) * bins);
  return i >= bins ? bins - 1 : i;
}

/**
 * Bin index of column `col` of `rows` row-major values (row width `stride`) into `out`, -1 when
 * outside. One tight loop per scale: a million events must bin in a few milliseconds.
 */
function binColumn(axis: Axis, bins: number, values: Float64Array, stride: number, col: number, rows: number, out: Int32Array): void {
  const { lo, hi } = axis;
  const k = bins / (hi - lo);
  const last = bins - 1;
  if (axis.scale === 'lin') {
    for (let r = 0, at = col; r < rows; r++, at += stride) {
      const u = values[at]!;
      out[r] = u >= lo && u <= hi ? Math.min(last, Math.floor((u - lo) * k)) : -1;
    }
  } else if (axis.scale === 'log') {
    for (let r = 0, at = col; r < rows; r++, at += stride) {
      const v = values[at]!;
      const u = v > 0 ? Math.log10(v) : Number.NaN;
      out[r] = u >= lo && u <= hi ? Math.min(last, Math.floor((u - lo) * k)) : -1;
    }
  } else {
    const c = axis.cofactor;
    for (let r = 0, at = col; r < rows; r++, at += stride) {
      const u = Math.asinh(values[at]! / c);
      out[r] = u >= lo && u <= hi ? Math.min(last, Math.floor((u - lo) * k)) : -1;
    }
  }
}

/** A 2-D histogram filled a chunk of events at a time. */
export class DensityGrid {
  readonly counts: Uint32Array;
  /** Events offered, and those that fell inside both axes. */
  total = 0;
  inRange = 0;
  private ix = new Int32Array(0);
  private iy = new Int32Array(0);

  constructor(
    readonly x: Axis,
    readonly y: Axis,
    readonly bins: number,
  ) {
    if (!Number.isInteger(bins) || bins < 1) throw new RangeError('bins must be a positive integer');
    this.counts = new Uint32Array(bins * bins);
  }

  /** Adds `rows` events of row-major `values` (row width `stride`; x in column `xc`, y in `yc`). */
  add(values: Float64Array, stride: number, xc: number, yc: number, rows: number): void {
    if (this.ix.length < rows) {
      this.ix = new Int32Array(rows);
      this.iy = new Int32Array(rows);
    }
    const { ix, iy, counts, bins } = this;
    binColumn(this.x, bins, values, stride, xc, rows, ix);
    binColumn(this.y, bins, values, stride, yc, rows, iy);
    let inside = 0;
    for (let r = 0; r < rows; r++) {
      const a = ix[r]!;
      const b = iy[r]!;
      if (a >= 0 && b >= 0) {
        counts[b * bins + a]!++;
        inside++;
      }
    }
    this.total += rows;
    this.inRange += inside;
  }

  /** The largest count of one bin (the top of the colour scale). */
  peak(): number {
    let m = 0;
    for (const c of this.counts) if (c > m) m = c;
    return m;
  }
}

export type Rect = readonly [number, number, number, number];

/**
 * Events of `rows` row-major values whose (x, y) lie in the rectangle, edges included, corners
 * in any order; NaN is never inside. The same test as `eventsInRect` in shared/fcs/gate.ts,
 * so a gate's count on a plot is the number of events its export writes.
 */
export function countInRect(values: Float64Array, stride: number, xc: number, yc: number, rows: number, rect: Rect): number {
  const [x1, y1, x2, y2] = rect;
  const xlo = Math.min(x1, x2);
  const xhi = Math.max(x1, x2);
  const ylo = Math.min(y1, y2);
  const yhi = Math.max(y1, y2);
  let n = 0;
  for (let r = 0, at = 0; r < rows; r++, at += stride) {
    const x = values[at + xc]!;
    const y = values[at + yc]!;
    if (x >= xlo && x <= xhi && y >= ylo && y <= yhi) n++;
  }
  return n;
}

/** Largest finite value of column `col`, folded into `max`. */
export function columnMax(values: Float64Array, stride: number, col: number, rows: number, max: number): number {
  let m = max;
  for (let r = 0, at = col; r < rows; r++, at += stride) {
    const v = values[at]!;
    if (v > m && v !== Number.POSITIVE_INFINITY) m = v;
  }
  return m;
}

/** Percentage of `part` in `whole`, 0 for an empty file. */
export function percentOf(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}
