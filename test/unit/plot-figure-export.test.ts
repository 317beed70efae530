import { inflateSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseFcs, writeFcs } from '../../shared/fcs/index.ts';
import { densityOfEvents, toAxis } from '../../shared/plot/answer.ts';
import { figureScene, figureSize, type PanelData } from '../../shared/plot/figure-scene.ts';
import { PLOT, toPixelX, toPixelY } from '../../shared/plot/plot-scene.ts';
import { crc32, encodePng, storedDeflate } from '../../shared/plot/png.ts';
import { rasterize } from '../../shared/plot/scene-raster.ts';
import { sceneToSvg } from '../../shared/plot/scene-svg.ts';
import type { Figure } from '../../shared/schemas/figures.ts';

/**
 * Figure export: one drawing model, painted as SVG and as a PNG raster. The expected gate
 * percentages are counted here with a plain loop over the events, not with shared/plot.
 */
let seed = 11;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const N = 5_000;
const events = new Float64Array(N * 2);
for (let i = 0; i < N; i++) {
  const low = rnd() < 0.7;
  events[i * 2] = (low ? 300 : 700) + 100 * (rnd() - 0.5);
  events[i * 2 + 1] = (low ? 250 : 650) + 100 * (rnd() - 0.5);
}
const parsed = parseFcs(writeFcs({ channels: [{ name: 'FSC-A', range: 1024 }, { name: 'SSC-A', range: 1024 }], events, dataType: 'F' }), { events: true });
if (!parsed.ok) throw new Error('fixture did not parse');
const file = parsed.file;

const RECT = [200, 150, 420, 380] as const;
const gates = [
  { id: 'gate-low1', name: 'Low <cells> & "friends"', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [...RECT] as [number, number, number, number] },
  { id: 'gate-high', name: 'High', xChannel: 'FSC-A', yChannel: 'SSC-A', polygon: [[600, 550], [820, 550], [820, 780], [600, 780]] as Array<[number, number]> },
  { id: 'gate-else', name: 'Elsewhere', xChannel: 'FSC-A', yChannel: 'CD3', rect: [0, 0, 1, 1] as [number, number, number, number] },
];
function independentPercent(x0: number, y0: number, x1: number, y1: number): string {
  let inside = 0;
  for (let i = 0; i < N; i++) {
    const x = events[i * 2]!;
    const y = events[i * 2 + 1]!;
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) inside++;
  }
  return `${((inside / N) * 100).toFixed(1)}%`;
}
const LOW = independentPercent(...RECT);
const HIGH = independentPercent(600, 550, 820, 780);

const figure: Figure = {
  name: 'Populations',
  columns: 2,
  panels: [
    { file: 'tube1.fcs', x: 'FSC-A', y: 'SSC-A', gates: 'all', scale: 'lin', cofactor: 150 },
    { file: 'tube1.fcs', x: 'FSC-A', y: 'SSC-A', gates: ['gate-high'], scale: 'asinh', cofactor: 150 },
    { file: 'gone.fcs', x: 'FSC-A', y: 'SSC-A', gates: 'all', scale: 'lin', cofactor: 150 },
  ],
};
const data: PanelData[] = figure.panels.map((panel) =>
  panel.file === 'tube1.fcs'
    ? { panel, answer: densityOfEvents(file, { x: panel.x, y: panel.y, bins: 128, scale: panel.scale, cofactor: panel.cofactor }, gates), note: null }
    : { panel, answer: null, note: 'gone.fcs is no longer in the experiment' },
);
const scene = figureScene(figure, data, gates);

/** A small XML well-formedness check: balanced tags, quoted attributes, only known entities. */
function parseXml(text: string): Array<{ tag: string; attrs: Record<string, string>; text: string }> {
  const out: Array<{ tag: string; attrs: Record<string, string>; text: string }> = [];
  const stack: Array<{ tag: string; text: string }> = [];
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = token.exec(body)) !== null) {
    at = token.lastIndex;
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[5])) throw new Error(`bad entity in ${m[5]}`);
      if (stack.length === 0 && m[5].trim() !== '') throw new Error('text outside the root');
      const open = stack[stack.length - 1];
      if (open) open.text += m[5];
      continue;
    }
    const [, close, tag, attrText, selfClose] = m;
    if (close) {
      if (stack.pop()?.tag !== tag) throw new Error(`unbalanced </${tag}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    const element = { tag: tag!, attrs, text: '' };
    out.push(element);
    if (!selfClose) stack.push(element);
  }
  if (at !== body.length || stack.length > 0) throw new Error('not well-formed');
  return out;
}
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

describe('a figure as SVG', () => {
  const svg = sceneToSvg(scene, (d) => deflateSync(d));
  const elements = parseXml(svg);
  const texts = elements.filter((e) => e.tag === 'text').map((e) => unescape(e.text));

  it('is a well-formed SVG document of the figure’s size', () => {
    const root = elements[0]!;
    expect(root.tag).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    const { width, height } = figureSize(figure);
    expect([Number(root.attrs.width), Number(root.attrs.height)]).toEqual([width, height]);
    expect(width).toBe(2 * PLOT.width + 16 * 3);
  });

  it('names the figure, each panel and the channels with their scale', () => {
    expect(texts).toContain('Populations');
    expect(texts.filter((t) => t === 'tube1.fcs: FSC-A × SSC-A')).toHaveLength(2);
    expect(texts).toContain('FSC-A (lin)');
    expect(texts).toContain('SSC-A (asinh, cofactor 150)');
    expect(texts).toContain('gone.fcs is no longer in the experiment');
  });

  it('labels each gate drawn with its name and the share of events counted independently', () => {
    const labels = elements.filter((e) => e.tag === 'text' && e.attrs.class === 'gate-label').map((e) => unescape(e.text));
    // Panel 1 draws every gate on FSC-A × SSC-A; panel 2 only the one chosen; "Elsewhere" is on other channels.
    expect(labels).toEqual([`Low <cells> & "friends" ${LOW}`, `High ${HIGH}`, `High ${HIGH}`]);
    expect(LOW).not.toBe('0.0%');
    expect(svg).not.toContain('<cells>');
  });

  it('draws a rectangle gate as a rect and a polygon gate as a polygon, inside the plot area', () => {
    const red = elements.filter((e) => e.attrs.stroke === 'rgb(208,2,27)');
    expect(red.map((e) => e.tag)).toEqual(['rect', 'polygon', 'polygon']);
    expect(red.every((e) => e.attrs['clip-path']?.startsWith('url(#clip'))).toBe(true);
  });

  it('embeds each density as a PNG image', () => {
    const images = elements.filter((e) => e.tag === 'image');
    expect(images).toHaveLength(2);
    const png = Buffer.from(images[0]!.attrs.href!.replace('data:image/png;base64,', ''), 'base64');
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBe(128);
  });
});

/** Reads a PNG back: every chunk's CRC checked, IHDR, and the pixels of filter type 0 rows. */
function readPng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const buf = Buffer.from(png);
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  const chunks: Array<{ type: string; data: Buffer }> = [];
  while (at < buf.length) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    expect((crc32(buf.subarray(at + 4, at + 8 + len)) ^ 0xffffffff) >>> 0, `${type} crc`).toBe(buf.readUInt32BE(at + 8 + len));
    chunks.push({ type, data });
    at += 12 + len;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ihdr = chunks[0]!.data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([...ihdr.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
  const raw = inflateSync(chunks[1]!.data);
  expect(raw.length).toBe(height * (width * 4 + 1));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return { width, height, rgba };
}

describe('a figure as PNG', () => {
  const raster = rasterize(scene);
  const { width, height } = figureSize(figure);

  it.each([
    ['zlib-compressed (the CLI)', (d: Uint8Array) => deflateSync(d)],
    ['stored blocks (no compressor)', storedDeflate],
  ])('is a valid PNG of the figure’s size, %s', (_how, deflate) => {
    const png = readPng(encodePng(raster.width, raster.height, raster.rgba, deflate));
    expect([png.width, png.height]).toEqual([width, height]);
    expect(Buffer.from(png.rgba).equals(Buffer.from(raster.rgba))).toBe(true);
  });

  const pixel = (x: number, y: number) => [...raster.rgba.subarray((Math.round(y) * raster.width + Math.round(x)) * 4, (Math.round(y) * raster.width + Math.round(x)) * 4 + 4)];

  it('paints the rectangle gate’s edge red where the plot maps its corner', () => {
    const answer = data[0]!.answer!;
    // The first panel's plot starts at (16, 16 + 36 + 22).
    const ox = 16;
    const oy = 74;
    const left = ox + toPixelX(toAxis(answer.x), RECT[0]);
    const midY = oy + (toPixelY(toAxis(answer.y), RECT[1]) + toPixelY(toAxis(answer.y), RECT[3])) / 2;
    expect(pixel(left, midY)).toEqual([208, 2, 27, 255]);
    expect(pixel(left + 10, midY)).not.toEqual([208, 2, 27, 255]);
  });

  it('paints the densities: coloured bins where events are, white where none are', () => {
    let coloured = 0;
    for (let i = 0; i < raster.rgba.length; i += 4) {
      const [r, g, b] = [raster.rgba[i]!, raster.rgba[i + 1]!, raster.rgba[i + 2]!];
      if (b > r + 20 && b > 60 && g > 0) coloured++;
    }
    expect(coloured).toBeGreaterThan(1000);
    expect(pixel(16 + PLOT.width - 20, 74 + 20)).toEqual([255, 255, 255, 255]);
  });

  it('writes text in ink: the figure’s title is not blank', () => {
    let ink = 0;
    for (let y = 16; y < 34; y++) for (let x = 16; x < 140; x++) if (pixel(x, y)[0]! < 100) ink++;
    expect(ink).toBeGreaterThan(50);
  });
});
