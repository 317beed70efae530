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
 * Bins are equal in plot units; their edges, mapped back to raw units (`binEdges`), decide:
 * bin i holds e[i] ≤ v < e[i+1], the last one also its upper edge. Events outside the range, NaN, or ≤ 0 on a log axis are counted apart
 * (`total − inRange`), never clamped into edge bins.
 *
 * Counts are row-major with y as the row: counts[iy · bins + ix], iy = 0 at the bottom.
 */
import { inPolygon, polygonArrays, type Polygon } from '../fcs/gate.ts';
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

/**
 * The `bins + 1` bin edges in raw channel units, ascending: equal steps in plot units, mapped
 * back. They define the bins: bin i holds e[i] ≤ v < e[i+1], the last one also e[bins]. The top
 * edge is widened by a relative 1e-12, so the channel's top value R is inside although 10^log10(R)
 * may round just below R.
 */
export function binEdges(axis: Axis, bins: number): Float64Array {
  const out = new Float64Array(bins + 1);
  const w = (axis.hi - axis.lo) / bins;
  for (let i = 0; i < bins; i++) out[i] = inverse(axis, axis.lo + i * w);
  const top = inverse(axis, axis.hi);
  out[bins] = top + Math.abs(top) * 1e-12;
  return out;
}

/** The bin of a raw value among `edges` (from `binEdges`), or -1 when it is outside or NaN. */
export function binAmong(edges: Float64Array, v: number): number {
  const last = edges.length - 2;
  if (!(v >= edges[0]! && v <= edges[last + 1]!)) return -1;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The bin of a raw value on an axis of `bins` bins, or -1 when it is outside. */
export function binOf(axis: Axis, bins: number, v: number): number {
  return binAmong(binEdges(axis, bins), v);
}

/*
 * Binning a million events must take milliseconds, and Math.log10/asinh per value cost more than
 * all the rest. So each value's bin is first guessed with a cheap approximation of the scale (the
 * float's exponent and a quadratic in its mantissa, within ~0.005 of log2), then settled exactly
 * against the raw edges: a step or two, and the result is exactly `binAmong`'s.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LN2 = Math.LN2;
const LOG10_2 = Math.log10(2);

/** log2(x) for x > 0, to about 0.005 (exact at powers of two); normal doubles only. */
function approxLog2(x: number): number {
  f64[0] = x;
  const hi = u32[HI]!;
  const m = (hi & 0xfffff) / 0x100000;
  return ((hi >>> 20) & 0x7ff) - 1023 + m * (1.3466 - 0.3466 * m);
}

/** asinh(z) to within a few hundredths: a cubic near 0, ln(2|z|) + 1/(4z²) beyond. */
function approxAsinh(z: number): number {
  const a = z < 0 ? -z : z;
  const r = a < 1 ? a - (a * a * a) / 6 : approxLog2(a) * LN2 + LN2 + 1 / (4 * a * a);
  return z < 0 ? -r : r;
}

/** The guess of a value's bin on one axis: i ≈ a + b · approx(v), approx per scale. */
type Guess = { kind: number; a: number; b: number; invC: number; last: number; bottom: number; top: number };

function guessOf(axis: Axis, edges: Float64Array): Guess {
  const k = (edges.length - 1) / (axis.hi - axis.lo);
  const kind = axis.scale === 'lin' ? 0 : axis.scale === 'log' ? 1 : 2;
  return { kind, a: -axis.lo * k, b: kind === 1 ? k * LOG10_2 : k, invC: 1 / axis.cofactor, last: edges.length - 2, bottom: edges[0]!, top: edges[edges.length - 1]! };
}

/** `binAmong(edges, v)`, computed as the guess then a step or two along the edges. */
function binFast(g: Guess, edges: Float64Array, v: number): number {
  if (!(v >= g.bottom && v <= g.top)) return -1;
  const u = g.kind === 0 ? v : g.kind === 1 ? approxLog2(v) : approxAsinh(v * g.invC);
  const last = g.last;
  let i = Math.floor(g.a + g.b * u);
  if (!(i >= 0)) i = 0; // also NaN
  else if (i > last) i = last;
  while (i > 0 && v < edges[i]!) i--;
  while (i < last && v >= edges[i + 1]!) i++;
  return i;
}

/** A 2-D histogram filled a chunk of events at a time. */
export class DensityGrid {
  readonly counts: Uint32Array;
  /** Events offered, and those that fell inside both axes. */
  total = 0;
  inRange = 0;
  private readonly xEdges: Float64Array;
  private readonly yEdges: Float64Array;
  private readonly xGuess: Guess;
  private readonly yGuess: Guess;

  constructor(
    readonly x: Axis,
    readonly y: Axis,
    readonly bins: number,
  ) {
    if (!Number.isInteger(bins) || bins < 1) throw new RangeError('bins must be a positive integer');
    this.counts = new Uint32Array(bins * bins);
    this.xEdges = binEdges(x, bins);
    this.yEdges = binEdges(y, bins);
    this.xGuess = guessOf(x, this.xEdges);
    this.yGuess = guessOf(y, this.yEdges);
  }

  /** Adds `rows` events of row-major `values` (row width `stride`; x in column `xc`, y in `yc`). */
  add(values: Float64Array, stride: number, xc: number, yc: number, rows: number): void {
    const { counts, bins, xEdges, yEdges, xGuess, yGuess } = this;
    let inside = 0;
    for (let r = 0, at = 0; r < rows; r++, at += stride) {
      const i = binFast(xGuess, xEdges, values[at + xc]!);
      if (i < 0) continue;
      const j = binFast(yGuess, yEdges, values[at + yc]!);
      if (j < 0) continue;
      counts[j * bins + i]!++;
      inside++;
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

/** Events of `rows` row-major values inside the polygon: the same test as `eventsInPolygon` in shared/fcs/gate.ts. */
export function countInPolygon(values: Float64Array, stride: number, xc: number, yc: number, rows: number, polygon: Polygon): number {
  const { xs, ys } = polygonArrays(polygon);
  // Its bounding box first: most events of a plot lie outside a given gate.
  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    xlo = Math.min(xlo, xs[i]!);
    xhi = Math.max(xhi, xs[i]!);
    ylo = Math.min(ylo, ys[i]!);
    yhi = Math.max(yhi, ys[i]!);
  }
  let n = 0;
  for (let r = 0, at = 0; r < rows; r++, at += stride) {
    const x = values[at + xc]!;
    const y = values[at + yc]!;
    if (x >= xlo && x <= xhi && y >= ylo && y <= yhi && inPolygon(xs, ys, x, y)) n++;
  }
  return n;
}

/** A gate's shape, as `countInGate` takes it. */
export type GateArea = { rect: Rect } | { polygon: Polygon };

export function countInGate(values: Float64Array, stride: number, xc: number, yc: number, rows: number, area: GateArea): number {
  return 'rect' in area ? countInRect(values, stride, xc, yc, rows, area.rect) : countInPolygon(values, stride, xc, yc, rows, area.polygon);
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
