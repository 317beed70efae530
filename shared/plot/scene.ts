/**
 * The drawing model of plots and figures: a list of primitives in pixels (y down), built once by
 * plot-scene.ts and figure-scene.ts and painted by several backends: a canvas in the page
 * (extension/ui/manager/scene-canvas.ts), SVG text (scene-svg.ts) and an RGBA raster for PNG
 * (scene-raster.ts). A backend knows nothing of cytometry, so a plot looks the same in all three.
 */

/** Red, green, blue 0–255 and alpha 0–1. */
export type Paint = readonly [number, number, number, number];
export type Box = Readonly<{ x: number; y: number; w: number; h: number }>;

export type TextAnchor = 'start' | 'middle' | 'end';
export type TextBaseline = 'top' | 'middle' | 'bottom';

export type SceneItem =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill?: Paint; stroke?: Paint; lineWidth?: number; dash?: readonly [number, number]; clip?: Box }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: Paint; lineWidth: number; dash?: readonly [number, number]; clip?: Box }
  | { kind: 'polygon'; points: ReadonlyArray<readonly [number, number]>; closed: boolean; stroke: Paint; lineWidth: number; dash?: readonly [number, number]; clip?: Box }
  /** One line of text; `rotate` -90 turns it to read upwards about (x, y). */
  | { kind: 'text'; x: number; y: number; text: string; size: number; bold?: boolean; anchor: TextAnchor; baseline: TextBaseline; fill: Paint; rotate?: -90; clip?: Box; role?: 'gate-label' | 'title' | 'axis' }
  /** A `width` × `height` RGBA image (row 0 at the top, alpha 0 = transparent) stretched over the box without smoothing. */
  | { kind: 'image'; x: number; y: number; w: number; h: number; width: number; height: number; rgba: Uint8ClampedArray };

export type Scene = { width: number; height: number; items: SceneItem[] };

/** The advance of one character, as a share of the font size: every backend lays text out with it. */
export const CHAR_ADVANCE = 0.6;
export function textWidth(text: string, size: number): number {
  return [...text].length * size * CHAR_ADVANCE;
}

export const FONT_FAMILY = 'system-ui, sans-serif';

export function cssColor([r, g, b, a]: Paint): string {
  return a >= 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${a})`;
}
