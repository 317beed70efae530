/**
 * The canvas backend of the drawing model (shared/plot/scene.ts): what the Experiment Manager
 * paints, and what a figure's PNG is made from in the browser (`canvas.toBlob`).
 */
import { cssColor, FONT_FAMILY, type Box, type Scene, type SceneItem } from '../../../shared/plot/scene.ts';

const align = { start: 'left', middle: 'center', end: 'right' } as const;

export function paintItems(ctx: CanvasRenderingContext2D, items: readonly SceneItem[]): void {
  for (const item of items) {
    ctx.save();
    if ('clip' in item && item.clip) clipTo(ctx, item.clip);
    paintItem(ctx, item);
    ctx.restore();
  }
}

function clipTo(ctx: CanvasRenderingContext2D, box: Box): void {
  ctx.beginPath();
  ctx.rect(box.x, box.y, box.w, box.h);
  ctx.clip();
}

function paintItem(ctx: CanvasRenderingContext2D, item: SceneItem): void {
  if ('dash' in item && item.dash) ctx.setLineDash([...item.dash]);
  switch (item.kind) {
    case 'rect':
      if (item.fill) {
        ctx.fillStyle = cssColor(item.fill);
        ctx.fillRect(item.x, item.y, item.w, item.h);
      }
      if (item.stroke) {
        ctx.strokeStyle = cssColor(item.stroke);
        ctx.lineWidth = item.lineWidth ?? 1;
        ctx.strokeRect(item.x, item.y, item.w, item.h);
      }
      return;
    case 'line':
      ctx.strokeStyle = cssColor(item.stroke);
      ctx.lineWidth = item.lineWidth;
      ctx.beginPath();
      ctx.moveTo(item.x1, item.y1);
      ctx.lineTo(item.x2, item.y2);
      ctx.stroke();
      return;
    case 'polygon':
      ctx.strokeStyle = cssColor(item.stroke);
      ctx.lineWidth = item.lineWidth;
      ctx.beginPath();
      item.points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
      if (item.closed) ctx.closePath();
      ctx.stroke();
      return;
    case 'text':
      ctx.fillStyle = cssColor(item.fill);
      ctx.font = `${item.bold ? 'bold ' : ''}${item.size}px ${FONT_FAMILY}`;
      ctx.textAlign = align[item.anchor];
      ctx.textBaseline = item.baseline;
      if (item.rotate) {
        ctx.translate(item.x, item.y);
        ctx.rotate((item.rotate * Math.PI) / 180);
        ctx.fillText(item.text, 0, 0);
      } else {
        ctx.fillText(item.text, item.x, item.y);
      }
      return;
    case 'image': {
      const bitmap = document.createElement('canvas');
      bitmap.width = item.width;
      bitmap.height = item.height;
      bitmap.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(item.rgba), item.width, item.height), 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(bitmap, item.x, item.y, item.w, item.h);
      return;
    }
  }
}

/** A whole scene on a new canvas, as a PNG blob (the browser's encoder). */
export function sceneToPngBlob(scene: Scene): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(scene.width);
  canvas.height = Math.ceil(scene.height);
  paintItems(canvas.getContext('2d')!, scene.items);
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the figure could not be encoded'))), 'image/png'));
}
