/**
 * What bench/plot-paint.ts runs in the page, bundled with esbuild: the manager's local path from
 * the file's bytes to a painted plot, with the same code (parseFcs, densityOfEvents, paintPlot).
 */
import { parseFcs } from '../../shared/fcs/index.ts';
import { densityOfEvents, DensityQuery } from '../../shared/plot/answer.ts';
import { paintPlot, PLOT } from '../../extension/ui/manager/plot-draw.ts';

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

declare global {
  interface Window {
    plotFromFile(url: string, scale: 'lin' | 'log' | 'asinh'): Promise<{ totalMs: number; fetchMs: number; parseMs: number; binMs: number; paintMs: number }>;
    touchFile(url: string): Promise<{ totalMs: number }>;
  }
}

window.plotFromFile = async (url, scale) => {
  const canvas = document.querySelector('canvas')!;
  canvas.width = PLOT.width;
  canvas.height = PLOT.height;
  const t0 = performance.now();
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const t1 = performance.now();
  const parsed = parseFcs(bytes, { events: true });
  if (!parsed.ok) throw new Error(parsed.error.message);
  const t2 = performance.now();
  const answer = densityOfEvents(parsed.file, DensityQuery.parse({ x: 'FSC-A', y: 'SSC-A', bins: '256', scale }), [{ id: 'g', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [1000, 1000, 100000, 100000] }]);
  if (!answer) throw new Error('no answer');
  const t3 = performance.now();
  paintPlot(canvas.getContext('2d')!, answer, [{ id: 'g', name: 'Gate', label: `${answer.gates[0]!.percent.toFixed(1)}%`, rect: [1000, 1000, 100000, 100000] }], null);
  await frame(); // painted on screen, not only drawn
  const t4 = performance.now();
  return { totalMs: t4 - t0, fetchMs: t1 - t0, parseMs: t2 - t1, binMs: t3 - t2, paintMs: t4 - t3 };
};

/** The reference: the same bytes fetched, every float32 value read once, then a frame. */
window.touchFile = async (url) => {
  const t0 = performance.now();
  const buffer = await (await fetch(url)).arrayBuffer();
  const values = new Float32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  if (Number.isNaN(sum) && sum === 1) throw new Error('unreachable');
  await frame();
  return { totalMs: performance.now() - t0 };
};
