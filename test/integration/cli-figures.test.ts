import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFcs } from '../../shared/fcs/index.ts';
import { cleanup, world, type Run, type World } from './cli-helpers.ts';

/**
 * `cytoshare figure add|list|export` through the real binary and server. Mia owns the
 * experiment; Ned is a restricted member of its project (cloning disabled, so he may not
 * download the file, yet may export figures: they are drawn from the server's counts).
 * Expected gate shares are counted here from the events written into the file.
 */
const EVENTS = 2_000;
const events = new Float64Array(EVENTS * 2);
for (let i = 0; i < EVENTS; i++) {
  const low = i % 4 !== 0;
  events[2 * i] = (low ? 200 : 700) + ((i * 37) % 100);
  events[2 * i + 1] = (low ? 300 : 800) + ((i * 53) % 100);
}
const RECT = [150, 250, 350, 450] as const;
let inside = 0;
for (let i = 0; i < EVENTS; i++) {
  const [x, y] = [events[2 * i]!, events[2 * i + 1]!];
  if (x >= RECT[0] && x <= RECT[2] && y >= RECT[1] && y <= RECT[3]) inside++;
}
const SHARE = `${((inside / EVENTS) * 100).toFixed(1)}%`;

const codeOf = (run: Run): string | undefined => run.json?.error?.code ?? run.json?.draft?.code ?? run.json?.code;

describe('cytoshare CLI: figures', () => {
  let w: World;
  let exp: string;
  let project: string;
  let figureId: string;
  beforeAll(async () => {
    w = await world(['mia', 'ned']);
    for (const user of ['mia', 'ned']) expect((await w.login(user)).code).toBe(0);
    exp = (await w.as('mia', ['exp', 'create', 'Figures'])).json.id;
    const path = join(w.root, 'tube1.fcs');
    writeFileSync(path, writeFcs({ channels: [{ name: 'FSC-A', range: 1024 }, { name: 'SSC-A', range: 1024 }], events, dataType: 'F' }));
    expect((await w.as('mia', ['file', 'add', exp, path])).code).toBe(0);
    expect((await w.as('mia', ['gate', 'add', exp, 'Lymphocytes', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', RECT.join(',')])).code).toBe(0);
    project = (await w.as('mia', ['project', 'create', 'Atlas'])).json.id;
    expect((await w.as('mia', ['project', 'add', project, exp])).code).toBe(0);
    expect((await w.as('mia', ['project', 'member', project, 'ned', '--role', 'member'])).code).toBe(0);
    expect((await w.as('mia', ['project', 'policy', project, '--access', 'restricted', '--illustrations', 'view-only', '--cloning', 'disabled'])).code).toBe(0);
    // Ned's profile learns his projects from his list, as the other project tests do.
    expect((await w.as('ned', ['exp', 'list'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => cleanup(w));

  it('the owner adds a figure and gets its id; a view-only member may not (exit 3, READ_ONLY) but lists it', async () => {
    const added = await w.as('mia', ['figure', 'add', exp, 'Lymphocytes by scatter', '--file', 'tube1.fcs', '--x', 'FSC-A', '--y', 'SSC-A', '--scale', 'lin']);
    expect(added.code).toBe(0);
    expect(added.json).toMatchObject({ id: expect.any(String), draft: { state: 'accepted' } });
    figureId = added.json.id;

    const refused = await w.as('ned', ['figure', 'add', exp, 'Mine', '--file', 'tube1.fcs', '--x', 'FSC-A', '--y', 'SSC-A']);
    expect(refused.code).toBe(3);
    expect(codeOf(refused)).toBe('READ_ONLY');

    const listed = await w.as('ned', ['figure', 'list', exp]);
    expect(listed.code).toBe(0);
    expect(listed.json).toEqual([
      { id: figureId, name: 'Lymphocytes by scatter', columns: 1, panels: [{ file: 'tube1.fcs', x: 'FSC-A', y: 'SSC-A', gates: 'all', scale: 'lin', cofactor: 150 }] },
    ]);
  });

  it('a member at illustrations "create" adds one; the owner sees it', async () => {
    expect((await w.as('mia', ['project', 'policy', project, '--access', 'restricted', '--illustrations', 'create', '--cloning', 'disabled'])).code).toBe(0);
    const added = await w.as('ned', ['figure', 'add', exp, 'CD scatter asinh', '--file', 'tube1.fcs', '--x', 'SSC-A', '--y', 'FSC-A', '--scale', 'asinh', '--cofactor', '5']);
    expect(added.code).toBe(0);
    const listed = await w.as('mia', ['figure', 'list', exp]);
    expect(listed.json.map((f: { name: string }) => f.name)).toEqual(['CD scatter asinh', 'Lymphocytes by scatter']);
    expect(listed.json[0].panels[0]).toMatchObject({ scale: 'asinh', cofactor: 5 });
  });

  it('exports a figure to PNG: a valid image of the reported size, with ink and density in it', async () => {
    const out = join(w.root, 'figure.png');
    const run = await w.as('ned', ['figure', 'export', exp, figureId, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ id: figureId, format: 'png', path: out, panels: [{ file: 'tube1.fcs', events: EVENTS, gates: [{ name: 'Lymphocytes', inside, percent: SHARE }], note: null }] });
    const png = readFileSync(out);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect([width, height]).toEqual([run.json.width, run.json.height]);
    expect(run.json.size).toBe(png.length);
    // The pixels: some near-white background, some dark ink, some coloured bins.
    const idat = png.indexOf('IDAT', 0, 'latin1');
    const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
    expect(raw.length).toBe(height * (width * 4 + 1));
    let white = 0, ink = 0, gateRed = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = y * (width * 4 + 1) + 1 + x * 4;
        const [r, g, b] = [raw[at]!, raw[at + 1]!, raw[at + 2]!];
        if (r > 250 && g > 250 && b > 250) white++;
        else if (r < 60 && g < 60 && b < 60) ink++;
        else if (r === 208 && g === 2 && b === 27) gateRed++;
      }
    }
    expect(white).toBeGreaterThan((width * height) / 2);
    expect(ink).toBeGreaterThan(200);
    expect(gateRed).toBeGreaterThan(100);
  });

  it('exports the same figure to SVG naming the gate with the share of events counted from the file', async () => {
    const out = join(w.root, 'figure.svg');
    const run = await w.as('ned', ['figure', 'export', exp, 'Lymphocytes by scatter', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain(`>Lymphocytes ${SHARE}</text>`);
    expect(svg).toContain('>Lymphocytes by scatter</text>');
    expect(svg).toContain('>FSC-A (lin)</text>');
    expect(svg).toMatch(/<image [^>]*href="data:image\/png;base64,/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('refuses an unknown figure (3), a bad --out or --scale (2), and says so in words', async () => {
    const unknown = await w.as('ned', ['figure', 'export', exp, 'fig-nothere', '--out', join(w.root, 'x.svg')]);
    expect(unknown.code).toBe(3);
    expect(codeOf(unknown)).toBe('UNKNOWN_FIGURE');
    expect(unknown.stderr).toContain('No such figure');
    expect((await w.as('ned', ['figure', 'export', exp, figureId, '--out', join(w.root, 'x.jpg')])).code).toBe(2);
    expect((await w.as('ned', ['figure', 'export', exp, figureId, '--out', join(w.root, 'missing', 'x.png')])).code).toBe(2);
    expect((await w.as('mia', ['figure', 'add', exp, 'Bad', '--file', 'tube1.fcs', '--x', 'FSC-A', '--y', 'SSC-A', '--scale', 'sqrt'])).code).toBe(2);
    const noChannel = await w.as('mia', ['figure', 'add', exp, 'Bad', '--file', 'tube1.fcs', '--x', 'FSC-A', '--y', 'CD3']);
    expect(noChannel.code).toBe(3);
    expect(codeOf(noChannel)).toBe('UNKNOWN_CHANNEL');
  });
});
