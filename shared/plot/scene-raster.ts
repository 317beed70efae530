/**
 * A scene (scene.ts) painted into RGBA pixels without a canvas, for PNG export where there is no
 * browser (the CLI). Shapes are filled spans with alpha blending; lines are stamped squares
 * along their length; text uses the bitmap font. Plain, not antialiased: exported plots are
 * boxes, tick marks and an image of bins, which this draws exactly.
 */
import { CELL_WIDTH, glyph } from './bitmap-font.ts';
import { textWidth, type Box, type Paint, type Scene, type SceneItem } from './scene.ts';

export type Raster = { width: number; height: number; rgba: Uint8ClampedArray };

type Clip = { x0: number; y0: number; x1: number; y1: number };

export function rasterize(scene: Scene): Raster {
  const width = Math.ceil(scene.width);
  const height = Math.ceil(scene.height);
  const r: Raster = { width, height, rgba: new Uint8ClampedArray(width * height * 4) };
  for (const item of scene.items) paint(r, item);
  return r;
}

function clipOf(r: Raster, box: Box | undefined): Clip {
  const whole = { x0: 0, y0: 0, x1: r.width, y1: r.height };
  if (!box) return whole;
  return { x0: Math.max(0, Math.floor(box.x)), y0: Math.max(0, Math.floor(box.y)), x1: Math.min(r.width, Math.ceil(box.x + box.w)), y1: Math.min(r.height, Math.ceil(box.y + box.h)) };
}

/** Fills pixels [x0, x1) × [y0, y1) (rounded) with `paint`, blended over what is there. */
function fill(r: Raster, clip: Clip, x0: number, y0: number, x1: number, y1: number, [cr, cg, cb, ca]: Paint): void {
  const xa = Math.max(clip.x0, Math.round(x0));
  const xb = Math.min(clip.x1, Math.round(x1));
  const ya = Math.max(clip.y0, Math.round(y0));
  const yb = Math.min(clip.y1, Math.round(y1));
  const a = Math.min(1, Math.max(0, ca));
  const px = r.rgba;
  for (let y = ya; y < yb; y++) {
    for (let x = xa, at = (y * r.width + xa) * 4; x < xb; x++, at += 4) {
      if (a >= 1) {
        px[at] = cr;
        px[at + 1] = cg;
        px[at + 2] = cb;
        px[at + 3] = 255;
        continue;
      }
      const da = px[at + 3]! / 255;
      const oa = a + da * (1 - a);
      if (oa === 0) continue;
      px[at] = (cr * a + px[at]! * da * (1 - a)) / oa;
      px[at + 1] = (cg * a + px[at + 1]! * da * (1 - a)) / oa;
      px[at + 2] = (cb * a + px[at + 2]! * da * (1 - a)) / oa;
      px[at + 3] = oa * 255;
    }
  }
}

/** A straight stroke: squares of the line's width stamped every half pixel (dashes skip theirs). */
function stroke(r: Raster, clip: Clip, x1: number, y1: number, x2: number, y2: number, width: number, color: Paint, dash?: readonly [number, number]): void {
  const half = width / 2;
  // An axis-aligned stroke is one rectangle: exact edges, as a canvas draws them.
  if ((x1 === x2 || y1 === y2) && !dash) {
    fill(r, clip, Math.min(x1, x2) - half, Math.min(y1, y2) - half, Math.max(x1, x2) + half, Math.max(y1, y2) + half, color);
    return;
  }
  const length = Math.hypot(x2 - x1, y2 - y1);
  const steps = Math.max(1, Math.ceil(length * 2));
  let last = '';
  for (let i = 0; i <= steps; i++) {
    const d = (i / steps) * length;
    if (dash && d % (dash[0] + dash[1]) > dash[0]) continue;
    const x = x1 + ((x2 - x1) * i) / steps;
    const y = y1 + ((y2 - y1) * i) / steps;
    const key = `${Math.round(x - half)},${Math.round(y - half)}`;
    if (key === last) continue; // translucent strokes must not darken where stamps overlap
    last = key;
    fill(r, clip, x - half, y - half, x + half, y + half, color);
  }
}

function text(r: Raster, clip: Clip, item: Extract<SceneItem, { kind: 'text' }>): void {
  const u = item.size / 10;
  const w = textWidth(item.text, item.size);
  // Along the reading direction: where the text starts; across it: where glyph row 0 lies.
  const along = item.anchor === 'start' ? 0 : item.anchor === 'middle' ? -w / 2 : -w;
  const across = item.baseline === 'top' ? u : item.baseline === 'middle' ? -3.5 * u : -9 * u;
  const bold = item.bold ? 1 : 0;
  let pen = along;
  for (const ch of item.text) {
    const columns = glyph(ch);
    for (let c = 0; c < 5; c++) {
      for (let row = 0; row < 8; row++) {
        if (!((columns[c]! >> row) & 1)) continue;
        const a = pen + c * u;
        const b = across + row * u;
        if (item.rotate === -90) fill(r, clip, item.x + b, item.y - a - u * (1 + bold), item.x + b + u, item.y - a, item.fill);
        else fill(r, clip, item.x + a, item.y + b, item.x + a + u * (1 + bold), item.y + b + u, item.fill);
      }
    }
    pen += u * CELL_WIDTH;
  }
}

function paint(r: Raster, item: SceneItem): void {
  const clip = clipOf(r, 'clip' in item ? item.clip : undefined);
  switch (item.kind) {
    case 'rect': {
      if (item.fill) fill(r, clip, item.x, item.y, item.x + item.w, item.y + item.h, item.fill);
      if (item.stroke) {
        const lw = item.lineWidth ?? 1;
        const { x, y, w, h } = item;
        for (const [ax, ay, bx, by] of [[x, y, x + w, y], [x + w, y, x + w, y + h], [x + w, y + h, x, y + h], [x, y + h, x, y]] as const) stroke(r, clip, ax, ay, bx, by, lw, item.stroke, item.dash);
      }
      return;
    }
    case 'line':
      return stroke(r, clip, item.x1, item.y1, item.x2, item.y2, item.lineWidth, item.stroke, item.dash);
    case 'polygon': {
      const pts = item.points;
      const edges = item.closed ? pts.length : pts.length - 1;
      for (let i = 0; i < edges; i++) {
        const [ax, ay] = pts[i]!;
        const [bx, by] = pts[(i + 1) % pts.length]!;
        stroke(r, clip, ax, ay, bx, by, item.lineWidth, item.stroke, item.dash);
      }
      return;
    }
    case 'text':
      return text(r, clip, item);
    case 'image':
      return image(r, clip, item);
  }
}

/** Nearest-neighbour stretch of the image over its box; transparent source pixels leave what is below. */
function image(r: Raster, clip: Clip, item: Extract<SceneItem, { kind: 'image' }>): void {
  const x0 = Math.max(clip.x0, Math.round(item.x));
  const x1 = Math.min(clip.x1, Math.round(item.x + item.w));
  const y0 = Math.max(clip.y0, Math.round(item.y));
  const y1 = Math.min(clip.y1, Math.round(item.y + item.h));
  const px = r.rgba;
  for (let y = y0; y < y1; y++) {
    const sy = Math.min(item.height - 1, Math.floor(((y + 0.5 - item.y) / item.h) * item.height));
    for (let x = x0; x < x1; x++) {
      const sx = Math.min(item.width - 1, Math.floor(((x + 0.5 - item.x) / item.w) * item.width));
      const from = (sy * item.width + sx) * 4;
      const a = item.rgba[from + 3]!;
      if (a === 0) continue;
      fill(r, { x0: x, y0: y, x1: x + 1, y1: y + 1 }, x, y, x + 1, y + 1, [item.rgba[from]!, item.rgba[from + 1]!, item.rgba[from + 2]!, a / 255]);
    }
  }
}
