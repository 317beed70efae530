/**
 * Painting a density plot on the manager's canvas: the plot's drawing model
 * (shared/plot/plot-scene.ts, the same one figure export draws to SVG and PNG) through the
 * canvas backend, plus the gate being drawn, which only the page has.
 */
import type { DensityAnswer } from '../../../shared/plot/answer.ts';
import { PLOT, plotItems, type GateShape } from '../../../shared/plot/plot-scene.ts';
import { paintItems } from './scene-canvas.ts';

export { AREA, fromPixelX, fromPixelY, PLOT, tickLabel, ticks, toPixelX, toPixelY, type GateShape } from '../../../shared/plot/plot-scene.ts';

/** What the person is drawing: a rectangle by its two corners, or a polygon's vertices so far (canvas pixels). */
export type Sketch = { kind: 'rect'; corners: [number, number, number, number] } | { kind: 'polygon'; points: Array<[number, number]>; cursor: [number, number] | null };

/** Paints everything: background, density, axes with ticks and titles, gates, and the gate being drawn. */
export function paintPlot(ctx: CanvasRenderingContext2D, answer: DensityAnswer, gates: GateShape[], sketch: Sketch | null): void {
  ctx.clearRect(0, 0, PLOT.width, PLOT.height);
  paintItems(ctx, plotItems(answer, gates));
  if (!sketch) return;
  ctx.save();
  ctx.setLineDash([5, 4]);
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 2;
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
  ctx.restore();
}
