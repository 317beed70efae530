/**
 * Drawing a density plot on a canvas: the counts as an image (one pixel per bin, scaled up
 * without smoothing), a small axis renderer, and the gates as labelled rectangles. Canvas 2D and
 * ImageData do it in a few hundred lines with no library: a plotting library would bring its own
 * data model and hundreds of kB for two axes and a picture.
 */
import type { DensityAnswer } from '../../../shared/plot/answer.ts';
import { toAxis } from '../../../shared/plot/answer.ts';
import type { Axis } from '../../../shared/plot/density.ts';
import { forward, inverse } from '../../../shared/plot/scale.ts';

export const PLOT = { width: 440, height: 400, left: 64, right: 12, top: 12, bottom: 44 } as const;
export const AREA = { x: PLOT.left, y: PLOT.top, w: PLOT.width - PLOT.left - PLOT.right, h: PLOT.height - PLOT.top - PLOT.bottom } as const;

/** Colours from few to many events (a viridis-like ramp), 256 entries as packed RGB. */
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

/** The counts as an image, one pixel per bin, y flipped (bin row 0 is the bottom); empty bins transparent. */
export function densityImage(answer: DensityAnswer): ImageData {
  const n = answer.bins;
  const image = new ImageData(n, n);
  const px = image.data;
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
  return image;
}

/** Raw channel value → canvas pixel along an axis; values with no place on the axis go to its low end. */
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
/** Canvas pixel → raw channel value, clamped to the plot area. */
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

/** What the person is drawing: a rectangle by its two corners, or a polygon's vertices so far (canvas pixels). */
export type Sketch = { kind: 'rect'; corners: [number, number, number, number] } | { kind: 'polygon'; points: Array<[number, number]>; cursor: [number, number] | null };

/** Paints everything: background, density, axes with ticks and titles, gates, and the rectangle being dragged. */
export function paintPlot(ctx: CanvasRenderingContext2D, answer: DensityAnswer, gates: GateShape[], sketch: Sketch | null): void {
  const x = toAxis(answer.x);
  const y = toAxis(answer.y);
  ctx.save();
  ctx.clearRect(0, 0, PLOT.width, PLOT.height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, PLOT.width, PLOT.height);
  const image = densityImage(answer);
  const bitmap = document.createElement('canvas');
  bitmap.width = answer.bins;
  bitmap.height = answer.bins;
  bitmap.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, AREA.x, AREA.y, AREA.w, AREA.h);

  ctx.strokeStyle = '#333';
  ctx.lineWidth = 1;
  ctx.strokeRect(AREA.x + 0.5, AREA.y + 0.5, AREA.w, AREA.h);
  ctx.fillStyle = '#222';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of ticks(x)) {
    const px = Math.round(toPixelX(x, v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, AREA.y + AREA.h);
    ctx.lineTo(px, AREA.y + AREA.h + 4);
    ctx.stroke();
    ctx.fillText(tickLabel(v), px, AREA.y + AREA.h + 6);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of ticks(y)) {
    const py = Math.round(toPixelY(y, v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(AREA.x - 4, py);
    ctx.lineTo(AREA.x, py);
    ctx.stroke();
    ctx.fillText(tickLabel(v), AREA.x - 6, py);
  }
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(`${answer.x.channel} (${answer.x.scale})`, AREA.x + AREA.w / 2, PLOT.height - 2);
  ctx.save();
  ctx.translate(12, AREA.y + AREA.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(`${answer.y.channel} (${answer.y.scale})`, 0, 0);
  ctx.restore();

  // Gates, clipped to the plot area.
  ctx.save();
  ctx.beginPath();
  ctx.rect(AREA.x, AREA.y, AREA.w, AREA.h);
  ctx.clip();
  ctx.lineWidth = 2;
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  for (const g of gates) {
    ctx.strokeStyle = '#d0021b';
    let left: number;
    let top: number;
    if ('rect' in g) {
      const [x1, y1, x2, y2] = g.rect;
      left = Math.min(toPixelX(x, x1), toPixelX(x, x2));
      const right = Math.max(toPixelX(x, x1), toPixelX(x, x2));
      top = Math.min(toPixelY(y, y1), toPixelY(y, y2));
      const bottom = Math.max(toPixelY(y, y1), toPixelY(y, y2));
      ctx.strokeRect(left, top, right - left, bottom - top);
    } else {
      const pts = g.polygon.map(([vx, vy]) => [toPixelX(x, vx), toPixelY(y, vy)] as const);
      ctx.beginPath();
      pts.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px, py) : ctx.lineTo(px, py)));
      ctx.closePath();
      ctx.stroke();
      left = Math.min(...pts.map((p) => p[0]));
      top = Math.min(...pts.map((p) => p[1]));
    }
    const text = `${g.name} ${g.label}`;
    const w = ctx.measureText(text).width;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(left + 2, top + 2, w + 6, 16);
    ctx.fillStyle = '#d0021b';
    ctx.fillText(text, left + 5, top + 4);
  }
  if (sketch) {
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = '#000';
    if (sketch.kind === 'rect') {
      const [ax, ay, bx, by] = sketch.corners;
      ctx.strokeRect(Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay));
    } else {
      ctx.beginPath();
      [...sketch.points, ...(sketch.cursor ? [sketch.cursor] : [])].forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px, py) : ctx.lineTo(px, py)));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#000';
      for (const [px, py] of sketch.points) ctx.fillRect(px - 2, py - 2, 5, 5);
    }
  }
  ctx.restore();
  ctx.restore();
}
