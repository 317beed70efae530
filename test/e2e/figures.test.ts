import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFcs } from '../../shared/fcs/index.ts';
import { seriousViolations } from './support/axe.ts';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { watchErrors } from './support/session.ts';
import { withExtensionSession } from './support/extension-session.ts';

/**
 * Illustrations in the Experiment Manager, two browsers: alice saves the plot as a figure; bob,
 * a restricted member whose project says illustrations "view only", sees it and exports it, but
 * cannot add one (the reason is shown); once the project says "create", he adds one and alice
 * sees it arrive.
 */
const PROJECT = 'Figure cohort';
const EXPERIMENT = 'Thymus figures';

function sampleFcs(): Uint8Array {
  const events = new Float64Array(3_000 * 2);
  for (let i = 0; i < 3_000; i++) events.set([(i % 3 === 0 ? 700 : 250) + (i % 97), (i % 3 === 0 ? 600 : 300) + (i % 89)], i * 2);
  return writeFcs({ channels: [{ name: 'FSC-A', range: 1024 }, { name: 'SSC-A', range: 1024 }], events });
}

describe('figures saved from the plot, shared live', () => {
  const session = withExtensionSession({ accounts: ['alice', 'bob'], connections: [['alice', 'bob']], browsers: ['alice', 'bob'] });
  let dir: string;
  let hers: ManagerPage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoshare-figures-'));
    writeFileSync(join(dir, 'thymus.fcs'), sampleFcs());
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const figures = (page: ManagerPage) => page.page.getByTestId('figures');
  const saveButton = (page: ManagerPage) => figures(page).getByRole('button', { name: 'Save the plot as a figure' });

  it('alice saves the plot as a named figure', async () => {
    const errors = watchErrors((hers = await session.alice.manager()).page);
    await hers.create(EXPERIMENT);
    const project = await hers.createProject(PROJECT);
    await project.addMember('bob', 'Member');
    await visible(project.member('bob'));
    await project.restrict('Disabled (no download, no clone)', 'View only');
    await eventually(async () => (await project.root.textContent())?.includes('may view illustrations') ?? false, 'the policy to be saved');
    await project.addExperiment(EXPERIMENT);
    await visible(hers.row(EXPERIMENT));
    await hers.open(EXPERIMENT);
    await hers.experiment().files().upload(join(dir, 'thymus.fcs'));
    await visible(hers.experiment().files().row('thymus.fcs'));
    await eventually(async () => (await hers.page.getByTestId('plot-canvas').getAttribute('data-painted')) === 'yes', 'the plot');

    // The manager paints the shared plot model through its canvas backend: bins in colour, gates none yet.
    const coloured = await hers.page.getByTestId('plot-canvas').evaluate((el) => {
      const data = (el as HTMLCanvasElement).getContext('2d')!.getImageData(70, 14, 360, 330).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 40) n++;
      return n;
    });
    expect(coloured).toBeGreaterThan(500);

    await figures(hers).getByLabel('Figure name').fill('Scatter overview');
    await saveButton(hers).click();
    await visible(figures(hers).locator('li[data-figure="Scatter overview"]'));
    expect(await figures(hers).getByTestId('figures-lock').count()).toBe(0);
    expect(await seriousViolations(hers.page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('bob, at "view only", sees the figure and exports it as SVG, but may not add one and is told why', async () => {
    const his = await session.bob.manager();
    const errors = watchErrors(his.page);
    await his.project(PROJECT);
    await visible(his.row(EXPERIMENT));
    await his.open(EXPERIMENT);
    const row = figures(his).locator('li[data-figure="Scatter overview"]');
    await visible(row);
    expect(await saveButton(his).isDisabled()).toBe(true);
    expect(await figures(his).getByTestId('figures-lock').textContent()).toContain('view figures but not create them');
    expect(await row.getByRole('button', { name: 'Remove figure Scatter overview' }).count()).toBe(0);
    expect(await seriousViolations(his.page)).toEqual([]);

    const [download] = await Promise.all([his.page.waitForEvent('download'), row.getByRole('button', { name: 'Export figure Scatter overview as SVG' }).click()]);
    expect(download.suggestedFilename()).toBe('Scatter overview.svg');
    const svg = readFileSync((await download.path())!, 'utf8');
    expect(svg).toContain('>Scatter overview</text>');
    expect(svg).toContain('>thymus.fcs: FSC-A × SSC-A</text>');
    const [png] = await Promise.all([his.page.waitForEvent('download'), row.getByRole('button', { name: 'Export figure Scatter overview as PNG' }).click()]);
    expect(png.suggestedFilename()).toBe('Scatter overview.png');
    const bytes = readFileSync((await png.path())!);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([440 + 32, 400 + 22 + 36 + 32]);
    expect(errors).toEqual([]);
    await his.page.close();
  });

  it('at "create", bob saves a figure and alice sees it arrive', async () => {
    const project = await hers.project(PROJECT);
    await project.restrict('Disabled (no download, no clone)', 'Create');
    await eventually(async () => (await project.root.textContent())?.includes('may create illustrations') ?? false, 'the policy to be saved');

    const his = await session.bob.manager();
    await his.project(PROJECT);
    await visible(his.row(EXPERIMENT));
    await his.open(EXPERIMENT);
    await eventually(async () => !(await saveButton(his).isDisabled()), 'bob may save figures');
    await eventually(async () => (await his.page.getByTestId('plot-canvas').getAttribute('data-painted')) === 'yes', 'bob’s plot');
    await figures(his).getByLabel('Figure name').fill('Bob’s view');
    await saveButton(his).click();
    await visible(figures(his).locator('li[data-figure="Bob’s view"]'));

    await hers.open(EXPERIMENT);
    await visible(figures(hers).locator('li[data-figure="Bob’s view"]'));
  });
});
