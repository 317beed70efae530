/**
 * One density plot as drawing primitives (scene.ts): the counts as an image (one pixel per bin,
 * log colour scale), the axes with ticks and channel titles, and the gates with their names and
 * percentages. The Experiment Manager's canvas, figure export to SVG and to PNG all draw this.
 */
import { toAxis, type DensityAnswer, type GateCount } from './answer.ts';
import type { Axis } from './density.ts';
import { forward, inverse } from './scale.ts';
import { textWidth, type Box, type Paint, type SceneItem } from './scene.ts';

export const PLOT = { width: 440, height: 400, left: 64, right: 12, top: 12, bottom: 44 } as const;
export const AREA = { x: PLOT.left, y: PLOT.top, w: PLOT.width - PLOT.left - PLOT.right, h: PLOT.height - PLOT.top - PLOT.bottom } as const;

const INK: Paint = [34, 34, 34, 1];
const FRAME: Paint = [51, 51, 51, 1];
const GATE: Paint = [208, 2, 27, 1];
const LABEL_BACK: Paint = [255, 255, 255, 0.85];
const WHITE: Paint = [255, 255, 255, 1];

/** Colours from few to many events (a viridis-like ramp), 256 entries. */
const RAMP: Array<[number, number, number]> = (() => {
  const stops: Array<[number, number, number]> = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const a = stops[Math.floor(t)]!;
    const b = stops[Math.min(stops.length - 1, Math.floor(t) + 1)]!;
    const f = t - Math.floor(t);
    out.push([Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)]);
  }
  return out;
})();

/** The counts as RGBA pixels, one per bin, y flipped (bin row 0 is the bottom); empty bins transparent. */
export function densityRgba(answer: DensityAnswer): Uint8ClampedArray {
  const n = answer.bins;
  const px = new Uint8ClampedArray(n * n * 4);
  let peak = 0;
  for (const c of answer.counts) if (c > peak) peak = c;
  // Log colour scale: a few events in a corner stay visible next to a dense population.
  const k = peak > 0 ? 255 / Math.log1p(peak) : 0;
  for (let iy = 0; iy < n; iy++) {
    const row = (n - 1 - iy) * n;
    for (let ix = 0; ix < n; ix++) {
      const c = answer.counts[iy * n + ix]!;
      if (c === 0) continue;
      const [r, g, b] = RAMP[Math.min(255, Math.max(0, Math.round(Math.log1p(c) * k)))]!;
      const at = (row + ix) * 4;
      px[at] = r;
      px[at + 1] = g;
      px[at + 2] = b;
      px[at + 3] = 255;
    }
  }
  return px;
}

/** Raw channel value → pixel of the plot along an axis; values with no place on the axis go to its low end. */
export function toPixelX(axis: Axis, v: number): number {
  const u = forward(axis, v);
  const f = Number.isNaN(u) ? 0 : (u - axis.lo) / (axis.hi - axis.lo);
  return AREA.x + f * AREA.w;
}
export function toPixelY(axis: Axis, v: number): number {
  const u = forward(axis, v);
  const f = Number.isNaN(u) ? 0 : (u - axis.lo) / (axis.hi - axis.lo);
  return AREA.y + AREA.h - f * AREA.h;
}
/** Pixel of the plot → raw channel value, clamped to the plot area. */
export function fromPixelX(axis: Axis, px: number): number {
  const f = Math.min(1, Math.max(0, (px - AREA.x) / AREA.w));
  return inverse(axis, axis.lo + f * (axis.hi - axis.lo));
}
export function fromPixelY(axis: Axis, py: number): number {
  const f = Math.min(1, Math.max(0, (AREA.y + AREA.h - py) / AREA.h));
  return inverse(axis, axis.lo + f * (axis.hi - axis.lo));
}

/** A short label for a tick value: 0, 250, 1.5k, 26k, 1M, 0.01. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(2)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(2)}k`;
  if (a >= 1 || a === 0) return `${+v.toPrecision(3)}`;
  return `${+v.toPrecision(1)}`;
}

/** Tick values in raw units: powers of ten on log and asinh axes (with 0 and negatives for asinh), round steps on linear ones. */
export function ticks(axis: Axis): number[] {
  const lo = inverse(axis, axis.lo);
  const hi = inverse(axis, axis.hi);
  if (axis.scale === 'lin') {
    const step0 = (hi - lo) / 5;
    const mag = 10 ** Math.floor(Math.log10(step0));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
    const out: number[] = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
    return out;
  }
  const out: number[] = axis.scale === 'asinh' ? [0] : [];
  for (let p = 0; 10 ** p <= hi; p++) if (10 ** p >= lo) out.push(10 ** p);
  if (axis.scale === 'asinh') for (let p = 0; -(10 ** p) >= lo; p++) out.unshift(-(10 ** p));
  // asinh squeezes small values together: keep ticks at least 18 px apart.
  const kept: number[] = [];
  for (const v of out) if (kept.length === 0 || Math.abs(toPixelX(axis, v) - toPixelX(axis, kept[kept.length - 1]!)) >= 18) kept.push(v);
  return kept;
}

/** A gate as drawn: a rectangle or the vertices of a polygon, in raw units of the plot's x and y. */
export type GateShape = { id: string; name: string; label: string } & ({ rect: readonly [number, number, number, number] } | { polygon: ReadonlyArray<readonly [number, number]> });

type GateLike = { id: string; name: string; xChannel: string; yChannel: string } & ({ rect: readonly [number, number, number, number] } | { polygon: ReadonlyArray<readonly [number, number]> });

/**
 * The gates drawn on a plot of `x` against `y`: those on these two channels (a gate on the same
 * channels the other way round is drawn with its axes swapped), optionally only the `chosen`
 * ids, each labelled with the share of the file's events inside it.
 */
export function gateShapesFor(gates: readonly GateLike[], counts: readonly GateCount[], x: string, y: string, chosen?: readonly string[]): GateShape[] {
  const byId = new Map(counts.map((c) => [c.id, c]));
  const only = chosen ? new Set(chosen) : null;
  const out: GateShape[] = [];
  for (const g of gates) {
    if (only && !only.has(g.id)) continue;
    const c = byId.get(g.id);
    const base = { id: g.id, name: g.name, label: c ? percentLabel(c.percent) : '' };
    if (g.xChannel === x && g.yChannel === y) out.push('rect' in g ? { ...base, rect: g.rect } : { ...base, polygon: g.polygon });
    else if (g.xChannel === y && g.yChannel === x) {
      out.push('rect' in g ? { ...base, rect: [g.rect[1], g.rect[0], g.rect[3], g.rect[2]] } : { ...base, polygon: g.polygon.map(([a, b]) => [b, a] as const) });
    }
  }
  return out;
}

export function percentLabel(percent: number): string {
  return `${percent.toFixed(1)}%`;
}

const offset = (dx: number, dy: number, box: Box): Box => ({ x: box.x + dx, y: box.y + dy, w: box.w, h: box.h });

/** The plot of `answer` with `gates`, its top-left corner at (ox, oy), PLOT.width × PLOT.height. */
export function plotItems(answer: DensityAnswer, gates: readonly GateShape[], ox = 0, oy = 0): SceneItem[] {
  const x = toAxis(answer.x);
  const y = toAxis(answer.y);
  const area = offset(ox, oy, AREA);
  const items: SceneItem[] = [
    { kind: 'rect', x: ox, y: oy, w: PLOT.width, h: PLOT.height, fill: WHITE },
    { kind: 'image', ...area, width: answer.bins, height: answer.bins, rgba: densityRgba(answer) },
    { kind: 'rect', x: area.x + 0.5, y: area.y + 0.5, w: area.w, h: area.h, stroke: FRAME, lineWidth: 1 },
  ];
  const bottom = area.y + area.h;
  for (const v of ticks(x)) {
    const px = Math.round(ox + toPixelX(x, v)) + 0.5;
    items.push({ kind: 'line', x1: px, y1: bottom, x2: px, y2: bottom + 4, stroke: FRAME, lineWidth: 1 });
    items.push({ kind: 'text', x: px, y: bottom + 6, text: tickLabel(v), size: 11, anchor: 'middle', baseline: 'top', fill: INK, role: 'axis' });
  }
  for (const v of ticks(y)) {
    const py = Math.round(oy + toPixelY(y, v)) + 0.5;
    items.push({ kind: 'line', x1: area.x - 4, y1: py, x2: area.x, y2: py, stroke: FRAME, lineWidth: 1 });
    items.push({ kind: 'text', x: area.x - 6, y: py, text: tickLabel(v), size: 11, anchor: 'end', baseline: 'middle', fill: INK, role: 'axis' });
  }
  items.push({ kind: 'text', x: area.x + area.w / 2, y: oy + PLOT.height - 2, text: axisTitle(answer.x), size: 12, anchor: 'middle', baseline: 'bottom', fill: INK, role: 'axis' });
  items.push({ kind: 'text', x: ox + 12, y: area.y + area.h / 2, text: axisTitle(answer.y), size: 12, anchor: 'middle', baseline: 'middle', fill: INK, rotate: -90, role: 'axis' });

  for (const g of gates) {
    let left: number;
    let top: number;
    if ('rect' in g) {
      const [x1, y1, x2, y2] = g.rect;
      left = Math.min(toPixelX(x, x1), toPixelX(x, x2)) + ox;
      const right = Math.max(toPixelX(x, x1), toPixelX(x, x2)) + ox;
      top = Math.min(toPixelY(y, y1), toPixelY(y, y2)) + oy;
      const low = Math.max(toPixelY(y, y1), toPixelY(y, y2)) + oy;
      items.push({ kind: 'rect', x: left, y: top, w: right - left, h: low - top, stroke: GATE, lineWidth: 2, clip: area });
    } else {
      const points = g.polygon.map(([vx, vy]) => [toPixelX(x, vx) + ox, toPixelY(y, vy) + oy] as const);
      items.push({ kind: 'polygon', points, closed: true, stroke: GATE, lineWidth: 2, clip: area });
      left = Math.min(...points.map((p) => p[0]));
      top = Math.min(...points.map((p) => p[1]));
    }
    const text = g.label ? `${g.name} ${g.label}` : g.name;
    items.push({ kind: 'rect', x: left + 2, y: top + 2, w: textWidth(text, 12) + 6, h: 16, fill: LABEL_BACK, clip: area });
    items.push({ kind: 'text', x: left + 5, y: top + 4, text, size: 12, bold: true, anchor: 'start', baseline: 'top', fill: GATE, clip: area, role: 'gate-label' });
  }
  return items;
}

/** "CD3 (asinh, cofactor 150)": the channel and the scale it is shown on. */
export function axisTitle(a: DensityAnswer['x']): string {
  return a.scale === 'asinh' ? `${a.channel} (asinh, cofactor ${+a.cofactor.toPrecision(4)})` : `${a.channel} (${a.scale})`;
}
