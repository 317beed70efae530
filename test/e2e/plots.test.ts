import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsInPolygon, eventsInRect, parseFcs, writeFcs } from '../../shared/fcs/index.ts';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { watchErrors } from './support/session.ts';
import { withExtensionSession } from './support/extension-session.ts';

/**
 * Plots in the Experiment Manager, two people in two browsers: alice owns an experiment in a
 * project and may download its file, so her page plots it from the file itself; bob is a
 * restricted member at cloning "disabled", so his plot comes from the server's histogram.
 * Alice drags a gate on the plot; both see it with the same percentage.
 */
const PROJECT = 'Plot cohort';
const EXPERIMENT = 'Spleen gating';
const EVENTS = 20_000;

/** Two populations on FSC-A × CD8 plus a background, all in [0, 1024). */
function sampleFcs(): Uint8Array {
  const channels = [{ name: 'FSC-A', range: 1024 }, { name: 'SSC-A', range: 1024 }, { name: 'CD8', label: 'CD8 FITC', range: 1024 }];
  const events = new Float64Array(EVENTS * 3);
  let s = 42;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const around = (c: number, w: number) => Math.min(1023, Math.max(0, c + (rnd() + rnd() + rnd() - 1.5) * w));
  for (let i = 0; i < EVENTS; i++) {
    const pop = i % 3;
    const row = pop === 0 ? [around(250, 150), around(300, 200), around(250, 150)] : pop === 1 ? [around(700, 150), around(500, 200), around(750, 150)] : [rnd() * 1023, rnd() * 1023, rnd() * 1023];
    events.set(row, i * 3);
  }
  return writeFcs({ channels, events, keywords: { $CYT: 'e2e' } });
}

describe('density plots and gates drawn on them', () => {
  const session = withExtensionSession({ accounts: ['alice', 'bob'], connections: [['alice', 'bob']], browsers: ['alice', 'bob'] });
  let dir: string;
  let hers: ManagerPage;
  const bytes = sampleFcs();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoshare-plots-'));
    writeFileSync(join(dir, 'spleen.fcs'), bytes);
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const plot = (page: ManagerPage) => page.page.getByTestId('plot');

  /** Pixels of the plot area that are neither white nor black/grey: the density's colours. */
  const colouredPixels = (canvas: Locator) =>
    canvas.evaluate((el) => {
      const c = el as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(70, 14, c.width - 90, c.height - 64).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 40) n++;
      }
      return n;
    });

  async function pickChannels(page: ManagerPage): Promise<void> {
    await plot(page).getByLabel('X channel').selectOption('FSC-A');
    await plot(page).getByLabel('Y channel').selectOption('CD8');
    await eventually(async () => (await plot(page).getByTestId('plot-canvas').getAttribute('aria-label'))?.includes('FSC-A against CD8') ?? false, 'the FSC-A × CD8 plot');
  }

  it('alice plots her uploaded file, drags a rectangle gate and clicks a polygon gate: each appears with the share of events inside', async () => {
    const errors = watchErrors((hers = await session.alice.manager()).page);
    await hers.create(EXPERIMENT);
    const project = await hers.createProject(PROJECT);
    await project.addMember('bob', 'Member');
    await visible(project.member('bob'));
    await project.restrict('Disabled (no download, no clone)');
    await eventually(async () => (await project.root.textContent())?.includes('no download or clone') ?? false, 'the policy to be saved');
    await project.addExperiment(EXPERIMENT);
    await visible(hers.row(EXPERIMENT));
    await hers.open(EXPERIMENT);
    const files = hers.experiment().files();
    await files.upload(join(dir, 'spleen.fcs'));
    await visible(files.row('spleen.fcs'));

    await visible(plot(hers));
    await pickChannels(hers);
    const canvas = plot(hers).getByTestId('plot-canvas');
    expect(await canvas.getAttribute('data-painted')).toBe('yes');
    expect(await colouredPixels(canvas)).toBeGreaterThan(1_000);
    expect(await plot(hers).getByTestId('plot-summary').textContent()).toContain('Plotted in this browser from the file.');

    // Drag over the upper-right population.
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await hers.page.mouse.move(box.x + 250, box.y + 160);
    await hers.page.mouse.down();
    await hers.page.mouse.move(box.x + 330, box.y + 100, { steps: 5 });
    await hers.page.mouse.move(box.x + 420, box.y + 30, { steps: 5 });
    await hers.page.mouse.up();
    const legend = plot(hers).getByTestId('plot-gates').locator('li[data-gate="Gate 1"]');
    await visible(legend);
    const text = (await legend.textContent()) ?? '';

    // The rectangle as recorded in the gate list; the percentage must be that of its events.
    const listed = (await hers.page.getByTestId('gates').textContent()) ?? '';
    const rect = /FSC-A × CD8, \[([^\]]+)\]/.exec(listed)?.[1]?.split(',').map(Number) as [number, number, number, number];
    expect(rect).toHaveLength(4);
    const file = parseFcs(bytes, { events: true });
    if (!file.ok) throw new Error(file.error.message);
    const inside = eventsInRect(file.file, 'FSC-A', 'CD8', rect).length / 3;
    expect(inside).toBeGreaterThan(EVENTS / 10);
    expect(text).toContain(`${((inside / EVENTS) * 100).toFixed(1)}% (${inside.toLocaleString('en')} of ${EVENTS.toLocaleString('en')} events)`);

    // A polygon around the lower-left population: four clicks, then Enter.
    await plot(hers).getByLabel('New gates').selectOption('polygon');
    await canvas.scrollIntoViewIfNeeded();
    const at = (await canvas.boundingBox())!;
    for (const [px, py] of [[80, 340], [240, 340], [240, 170], [80, 170]] as const) await hers.page.mouse.click(at.x + px, at.y + py);
    await hers.page.keyboard.press('Enter');
    const second = plot(hers).getByTestId('plot-gates').locator('li[data-gate="Gate 2"]');
    await visible(second);
    const vertices = /FSC-A × CD8, polygon \(([^)]+)\)/.exec((await hers.page.getByTestId('gates').textContent()) ?? '')?.[1]?.split(';').map((p) => p.split(',').map(Number) as [number, number]);
    expect(vertices).toHaveLength(4);
    const inPolygon = eventsInPolygon(file.file, 'FSC-A', 'CD8', vertices!).length / 3;
    expect(inPolygon).toBeGreaterThan(EVENTS / 10);
    expect(await second.textContent()).toContain(`${((inPolygon / EVENTS) * 100).toFixed(1)}% (${inPolygon.toLocaleString('en')} of`);
    await eventually(async () => (await hers.page.getByTestId('pending-count').count()) === 0, 'the gates to settle');
    expect(errors).toEqual([]);
  });

  it('bob, who may view but not download, gets the plot from the server and sees both gates with the same percentages', async () => {
    const errors = watchErrors;
    const his = await session.bob.manager();
    const seen = errors(his.page);
    await his.project(PROJECT);
    await visible(his.row(EXPERIMENT));
    await his.open(EXPERIMENT);
    expect(await his.experiment().files().download('spleen.fcs').isDisabled()).toBe(true);
    await visible(plot(his));
    await pickChannels(his);
    const canvas = plot(his).getByTestId('plot-canvas');
    expect(await colouredPixels(canvas)).toBeGreaterThan(1_000);
    expect(await plot(his).getByTestId('plot-summary').textContent()).toContain('Plotted by the server');

    for (const name of ['Gate 1', 'Gate 2']) {
      const mine = (await plot(hers).getByTestId('plot-gates').locator(`li[data-gate="${name}"]`).textContent()) ?? '';
      const legend = plot(his).getByTestId('plot-gates').locator(`li[data-gate="${name}"]`);
      await eventually(async () => (await legend.textContent()) === mine, `bob to see "${mine}"`);
    }
    // Read-only: dragging on his plot makes no gate.
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await his.page.mouse.move(box.x + 100, box.y + 300);
    await his.page.mouse.down();
    await his.page.mouse.move(box.x + 200, box.y + 200, { steps: 5 });
    await his.page.mouse.up();
    expect(await plot(his).getByTestId('plot-gates').locator('li').count()).toBe(2);
    expect(seen).toEqual([]);
  });
});
