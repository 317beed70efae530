import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFcs } from '../../shared/fcs/index.ts';
import { eventually, visible, PopupPage } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * axe-core on every screen (no serious or critical violation), keyboard-only use of the main
 * path, and the screenshots the README shows, taken of a realistic state.
 */
const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
/**
 * The README's screenshots are rewritten only on request (`UPDATE_SCREENSHOTS=1`): otherwise
 * every local run would leave the tracked images changed. The shots are still taken, elsewhere.
 */
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
const SHOTS = UPDATE ? 'test/e2e/screenshots' : mkdtempSync(join(tmpdir(), 'cytoshare-shots-'));

type AxeViolation = { id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> };

async function seriousViolations(page: Page): Promise<string[]> {
  // Extension pages forbid inline scripts; evaluating the source goes around the page's CSP.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Events a screenshot can show: two populations (small cells and larger ones) in scatter and
 * fluorescence, spread by a fixed pseudo-random sequence so every run draws the same plot.
 */
function cytometryLike(count: number, channels: number): Float64Array {
  let seed = 12345;
  const uniform = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const spread = () => (uniform() + uniform() + uniform() - 1.5) / 1.5;
  const centres = [[60_000, 40_000, 20_000, 5_000], [130_000, 95_000, 3_000, 30_000]];
  const events = new Float64Array(count * channels);
  for (let e = 0; e < count; e++) {
    const centre = centres[uniform() < 0.65 ? 0 : 1]!;
    for (let c = 0; c < channels; c++) events[e * channels + c] = Math.max(0, centre[c % centre.length]! * (1 + 0.45 * spread()));
  }
  return events;
}

describe('accessibility and screenshots', () => {
  let server: TestServer;
  let alice: Person;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer();
    for (const name of ['alice', 'bob', 'carol']) await server.addUser(name);
    await server.connect('alice', 'bob');
    await server.connect('alice', 'carol');
    // A realistic state: alice owns a linked family, one public experiment, and bob shared one with her.
    const a = await server.login('alice');
    const b = await server.login('bob');
    const ids = { panel: randomUUID(), analysis: randomUUID(), atlas: randomUUID(), bobs: randomUUID() };
    const ok = async (token: string, intent: Record<string, unknown>) => expect(await server.intent(token, intent)).toMatchObject({ ok: true });
    await ok(a, { type: 'create', experimentId: ids.panel, name: 'CD8 T-cell panel' });
    await ok(a, { type: 'create', experimentId: ids.analysis, name: 'CD8 panel — tSNE analysis' });
    await ok(a, { type: 'link', experimentId: ids.analysis, parentId: ids.panel });
    await ok(a, { type: 'share', experimentId: ids.panel, user: 'carol' });
    await ok(a, { type: 'create', experimentId: ids.atlas, name: 'Human spleen atlas' });
    await ok(a, { type: 'publish', experimentId: ids.atlas });
    await ok(b, { type: 'create', experimentId: ids.bobs, name: 'Donor cohort 2024' });
    await ok(b, { type: 'share', experimentId: ids.bobs, user: 'alice' });
    // A project holding the panel, with bob as a restricted member, and two FCS files in the panel.
    const project = randomUUID();
    await ok(a, { type: 'project-create', projectId: project, name: 'CD8 exhaustion study' });
    await ok(a, { type: 'project-member', projectId: project, user: 'bob', role: 'member' });
    await ok(a, { type: 'project-member', projectId: project, user: 'carol', role: 'leader' });
    await ok(a, { type: 'project-policy', projectId: project, policy: { access: 'restricted', illustrations: 'view-only', cloning: 'files-only' } });
    await ok(a, { type: 'move', experimentId: ids.panel, projectId: project });
    for (const [name, count] of [['donor1.fcs', 1200], ['donor2.fcs', 950]] as const) {
      const channels = [{ name: 'FSC-A' }, { name: 'SSC-A' }, { name: 'CD8', label: 'CD8 FITC' }, { name: 'PD-1', label: 'PD-1 PE' }];
      const bytes = writeFcs({ channels, events: cytometryLike(count, channels.length) });
      const put = await fetch(`${server.url}/api/experiments/${ids.panel}/files?name=${name}`, { method: 'PUT', headers: { authorization: `Bearer ${a}` }, body: bytes as Uint8Array<ArrayBuffer> });
      expect(put.status).toBe(201);
    }
    alice = await signedInPerson(server, 'alice');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await server?.dispose();
    if (!UPDATE) rmSync(SHOTS, { recursive: true, force: true });
  });

  it('the popup has no serious violations, signed out or in, and works from the keyboard', async () => {
    const signedOut = await signedInPerson(server, 'nobody', { profileDir: undefined, signIn: false });
    const form = await signedOut.popup();
    await visible(form.page.getByRole('form', { name: 'Sign in' }));
    expect(await seriousViolations(form.page)).toEqual([]);
    await signedOut.browser.dispose();

    const popup = await alice.popup();
    await popup.page.setViewportSize({ width: 400, height: 720 });
    await eventually(async () => (await popup.inbox().textContent())?.includes('Donor cohort 2024') ?? false, 'the Inbox');
    await eventually(async () => (await popup.page.getByTestId('experiment-row').count()) >= 4, 'the list');
    expect(await seriousViolations(popup.page)).toEqual([]);
    await popup.page.screenshot({ path: `${SHOTS}/popup.png`, fullPage: true });

    // Keyboard only: Tab to the list (one stop), arrow to the panel, S opens its Sharing dialog, Escape closes it.
    const list = popup.page.getByRole('listbox', { name: 'Experiments' });
    for (let i = 0; i < 40 && !(await list.evaluate((el) => el === document.activeElement)); i++) await popup.page.keyboard.press('Tab');
    expect(await list.evaluate((el) => el === document.activeElement)).toBe(true);
    const active = () => list.evaluate((el) => document.getElementById(el.getAttribute('aria-activedescendant') ?? '')?.textContent ?? '');
    for (let i = 0; i < 10 && !(await active()).includes('CD8 T-cell panel'); i++) await popup.page.keyboard.press('ArrowDown');
    expect(await active()).toContain('CD8 T-cell panel');
    await popup.page.keyboard.press('s');
    await visible(popup.page.getByRole('dialog'));
    await popup.page.keyboard.press('Escape');
    await popup.page.getByRole('dialog').waitFor({ state: 'hidden', timeout: 5_000 });
  });

  it('the Sharing dialog has no serious violations and shows access, linked experiments, reviewer links and locks', async () => {
    const popup = new PopupPage((await alice.popup()).page);
    // Tall enough that the screenshot shows the whole dialog, reviewer links included.
    await popup.page.setViewportSize({ width: 520, height: 1300 });
    const dialog = await popup.openSharing('CD8 T-cell panel');
    await visible(dialog.accessRow('carol'));
    await eventually(async () => (await dialog.root.textContent())?.includes('CD8 panel — tSNE analysis') ?? false, 'the linked experiment');
    // A reviewer link made from the keyboard: its new URL and the list are checked by axe too.
    const links = dialog.root.getByTestId('review-links');
    await visible(links);
    await links.getByTestId('review-link-download').focus();
    await popup.page.keyboard.press('Space');
    await links.getByTestId('review-link-create').focus();
    await popup.page.keyboard.press('Enter');
    await visible(links.getByTestId('review-link-url'));
    await visible(links.getByRole('table', { name: 'Reviewer links' }));
    expect(await seriousViolations(popup.page)).toEqual([]);
    await popup.page.screenshot({ path: `${SHOTS}/sharing-dialog.png` });
  });

  it('the Experiment Manager has no serious violations, with an experiment open', async () => {
    const manager = await alice.manager();
    await manager.page.setViewportSize({ width: 1280, height: 760 });
    await visible(manager.row('CD8 panel — tSNE analysis'));
    await manager.open('CD8 T-cell panel');
    // Each edit waits for the one before to settle, so the screenshot shows a calm state.
    const settled = () => eventually(async () => (await manager.page.getByTestId('pending-count').count()) === 0, 'the edit to settle', 3_000).catch(() => {});
    await manager.addAxes('donor1.fcs', 'Donor');
    await manager.addAxes('donor2.fcs', 'Stimulation');
    for (const [file, dimension, value] of [['donor1.fcs', 'Donor', 'D-001'], ['donor2.fcs', 'Stimulation', 'PMA'], ['donor2.fcs', 'Donor', 'D-002'], ['donor1.fcs', 'Stimulation', 'none']] as const) {
      await manager.setTag(file, dimension, value);
      await settled();
    }
    await manager.page.getByLabel('Gate name').fill('Lymphocytes');
    await manager.page.getByLabel('Rectangle (x1, y1, x2, y2)').fill('25000, 10000, 100000, 75000');
    await manager.page.getByRole('button', { name: 'Add gate' }).click();
    await visible(manager.page.getByRole('list', { name: 'Gates' }));
    await settled();
    await settled();
    expect(await seriousViolations(manager.page)).toEqual([]);
    await manager.page.screenshot({ path: `${SHOTS}/manager.png`, fullPage: true });
  });

  it('the plot with its gate and a saved figure have no serious violations', async () => {
    const manager = await alice.manager();
    await manager.page.setViewportSize({ width: 1280, height: 900 });
    await visible(manager.row('CD8 T-cell panel'));
    await manager.open('CD8 T-cell panel');
    const plot = manager.page.getByTestId('plot');
    await visible(plot);
    await plot.getByLabel('X channel').selectOption('FSC-A');
    await plot.getByLabel('Y channel').selectOption('SSC-A');
    await eventually(async () => (await plot.getByTestId('plot-canvas').getAttribute('aria-label'))?.includes('FSC-A against SSC-A') ?? false, 'the FSC-A × SSC-A plot');
    await eventually(async () => (await plot.getByTestId('plot-canvas').getAttribute('data-painted')) === 'yes', 'the plot to be painted');
    await visible(plot.getByTestId('plot-gates').locator('li[data-gate="Lymphocytes"]'));
    const figures = manager.page.getByTestId('figures');
    await figures.getByLabel('Figure name').fill('Donor 1 scatter');
    await figures.getByRole('button', { name: 'Save the plot as a figure' }).click();
    const row = figures.locator('li[data-figure="Donor 1 scatter"]');
    await visible(row);
    expect(await seriousViolations(manager.page)).toEqual([]);
    await plot.screenshot({ path: `${SHOTS}/plot.png` });
    // The figure as people get it: its PNG export, drawn from the server's density answers.
    const [png] = await Promise.all([manager.page.waitForEvent('download'), row.getByRole('button', { name: 'Export figure Donor 1 scatter as PNG' }).click()]);
    await png.saveAs(`${SHOTS}/figure.png`);
  });

  it('the project view and the files section have no serious violations', async () => {
    const manager = await alice.manager();
    await manager.page.setViewportSize({ width: 1280, height: 900 });
    const project = await manager.project('CD8 exhaustion study');
    await visible(project.member('bob'));
    await visible(project.member('carol'));
    await visible(manager.row('CD8 T-cell panel'));
    await manager.open('CD8 T-cell panel');
    const files = manager.experiment().files();
    await visible(files.row('donor2.fcs'));
    expect(await files.row('donor1.fcs').textContent()).toContain('1,200');
    expect(await seriousViolations(manager.page)).toEqual([]);
    await manager.page.screenshot({ path: `${SHOTS}/project.png`, fullPage: true });
  });
});
