import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCode, ErrorCode } from '../../shared/codes.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import { CurationQueuePage, dropFile, ExperimentTools, linkedTo, rowById } from './support/families.ts';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { signedInPerson, watchErrors, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * Curation, clones and gate exports through the Experiment Manager, three people in three
 * browsers: alice owns a public experiment, carol is staff and curates it, bob reads it as the
 * public does, clones it, then (once alice shares it with him) makes a linked clone.
 */
const EXPERIMENT = 'Spleen atlas';
const GATE = 'Lymphocytes';
/** The gate's rectangle; its edges fall between integer values, so no event sits on an edge. */
const RECT: [number, number, number, number] = [0.5, 0.5, 499.5, 499.5];

/** Event e has FSC-A = (3e·37) mod 1000, SSC-A = ((3e+1)·37) mod 1000, CD8 = ((3e+2)·37) mod 1000. */
function fcs(events: number): Uint8Array {
  const channels = [{ name: 'FSC-A' }, { name: 'SSC-A' }, { name: 'CD8', label: 'CD8 FITC' }];
  const values = new Float64Array(events * channels.length).map((_, i) => (i * 37) % 1000);
  return writeFcs({ channels, events: values, keywords: { $CYT: 'e2e' } });
}

/** How many of the first `events` events fall in RECT, counted here rather than by the product. */
function insideGate(events: number): number {
  let n = 0;
  for (let e = 0; e < events; e++) {
    const x = (3 * e * 37) % 1000;
    const y = ((3 * e + 1) * 37) % 1000;
    if (x >= RECT[0] && x <= RECT[2] && y >= RECT[1] && y <= RECT[3]) n++;
  }
  return n;
}

const settled = (m: ManagerPage, what: string) => eventually(async () => (await m.page.getByTestId('pending-count').count()) === 0, what);

describe('curation, clones and gate exports in the Experiment Manager', () => {
  let server: TestServer;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dir: string;
  let hers: ManagerPage;
  let his: ManagerPage;
  let copyId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoshare-fcs-'));
    writeFileSync(join(dir, 'donor1.fcs'), fcs(200));
    server = await startTestServer();
    await server.addUser('alice');
    await server.addUser('bob');
    await server.addUser('carol', undefined, true);
    await server.connect('alice', 'bob');
    [alice, bob, carol] = await Promise.all([signedInPerson(server, 'alice'), signedInPerson(server, 'bob'), signedInPerson(server, 'carol')]);
  });
  afterAll(async () => {
    await Promise.all([alice?.browser.dispose(), bob?.browser.dispose(), carol?.browser.dispose()]);
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an owner publishes and asks for curation; staff marks it curated from the queue; another user finds it under Curated', async () => {
    hers = await alice.manager();
    const errors = watchErrors(hers.page);
    await hers.create(EXPERIMENT);
    const files = hers.experiment().files();
    await files.upload(join(dir, 'donor1.fcs'));
    await visible(files.row('donor1.fcs'));
    await hers.addAxes('donor1.fcs', 'Donor');
    await hers.setTag('donor1.fcs', 'Donor', 'D-001');

    // A private experiment cannot be put forward: the button says why.
    const tools = new ExperimentTools(hers.page);
    expect(await tools.button('Request curation').isDisabled()).toBe(true);
    expect(await tools.view.getByText(describeCode(ErrorCode.NOT_PUBLIC)).count()).toBe(1);

    const sharing = await hers.openSharing(EXPERIMENT);
    await sharing.togglePublic();
    await visible(sharing.root.getByRole('button', { name: 'Make private' }));
    await sharing.close();
    await eventually(() => tools.button('Request curation').isEnabled(), 'Request curation to be offered');
    await tools.button('Request curation').click();
    await eventually(async () => (await tools.view.getByRole('status').filter({ hasText: 'Curation requested' }).count()) === 1, 'the request to be confirmed');
    await settled(hers, 'the request to reach the server');

    const staff = await carol.manager();
    const queue = new CurationQueuePage(staff.page);
    await queue.open();
    await eventually(async () => (await queue.request(EXPERIMENT).count()) === 1 || (await queue.reload(), false), 'the request in the queue');
    expect(await queue.request(EXPERIMENT).textContent()).toContain('by alice');
    await queue.markCurated(EXPERIMENT);
    await visible(queue.root.getByText('No experiment waits for curation.'));

    const reader = await bob.manager();
    await reader.filter('Curated');
    await visible(reader.row(EXPERIMENT));
    await visible(reader.row(EXPERIMENT).getByRole('img', { name: 'Curated' }));
    await visible(reader.row(EXPERIMENT).getByRole('img', { name: 'Public' }));
    expect(await reader.row(EXPERIMENT).textContent()).toContain('by alice');

    // The owner sees the mark too, and is no longer asked to request it.
    await visible(tools.view.getByText('Curated by staff.'));
    expect(await tools.button('Request curation').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a public reader clones the files only: a private copy under Mine, with the files and without tags', async () => {
    his = await bob.manager();
    await his.filter('Public');
    await his.open(EXPERIMENT);
    const tools = new ExperimentTools(his.page);
    // A public reader may copy but not link: the linked choice disables Clone, with the reason.
    const form = tools.view.getByRole('form', { name: 'Clone' });
    await form.getByRole('checkbox', { name: 'Linked to this experiment' }).check();
    expect(await form.getByRole('button', { name: 'Clone', exact: true }).isDisabled()).toBe(true);
    expect(await his.page.getByTestId('clone-lock').textContent()).toBe(describeCode(ErrorCode.NOT_A_SHARING_MANAGER));

    copyId = await tools.clone('Files only', false);
    // The view moves to the copy: until it has, the original (with its tags) is still shown.
    await visible(tools.view.getByText('Owner: bob. 0 other people have access.', { exact: true }));
    const files = his.experiment().files();
    await visible(files.row('donor1.fcs'));
    expect(await files.row('donor1.fcs').textContent()).toContain('200');
    expect(await tools.view.textContent()).toContain('No sample tags yet.');
    expect(await his.page.getByTestId('tags-table').count()).toBe(0);

    await his.filter('Mine');
    const row = rowById(his.page, copyId);
    await visible(row);
    expect(await row.textContent()).toContain(`${EXPERIMENT} (clone)`);
    expect(await row.getByRole('img', { name: 'Public' }).count()).toBe(0);
    expect(await row.getByRole('img', { name: 'Curated' }).count()).toBe(0);
    expect(await his.row(EXPERIMENT).filter({ hasText: 'by alice' }).count()).toBe(0);
  });

  it('a full-access user makes a linked clone, grouped under its parent in the list', async () => {
    const sharing = await hers.openSharing(EXPERIMENT);
    await sharing.shareWith('bob');
    await visible(sharing.accessRow('bob'));
    await sharing.close();

    await his.filter('All');
    await his.open(EXPERIMENT);
    const tools = new ExperimentTools(his.page);
    const form = tools.view.getByRole('form', { name: 'Clone' });
    await form.getByRole('checkbox', { name: 'Linked to this experiment' }).check();
    await eventually(() => form.getByRole('button', { name: 'Clone', exact: true }).isEnabled(), 'full access to arrive');

    const linkedId = await tools.clone('Everything', true);
    // A full clone keeps the tags, unlike the files-only copy.
    await eventually(async () => (await his.tagValue('donor1.fcs', 'Donor')) === 'D-001', 'the cloned tag');
    const family = linkedTo(his.page, EXPERIMENT);
    await visible(family.locator(rowById(his.page, linkedId)));
    expect(await family.locator(rowById(his.page, copyId)).count()).toBe(0);
    await visible(rowById(his.page, copyId));
  });

  it('a gate export from the experiment view makes a new experiment in the family with the gated events', async () => {
    await hers.filter('All');
    await hers.open(EXPERIMENT);
    const tools = new ExperimentTools(hers.page);
    await tools.addGate(GATE, 'FSC-A', 'SSC-A', RECT);
    expect(await tools.gate(GATE).textContent()).toContain('FSC-A × SSC-A');
    await settled(hers, 'the gate to reach the server');

    const exportId = await tools.exportGate(GATE);
    const files = hers.experiment().files();
    const name = `donor1 [${GATE}].fcs`;
    await visible(files.row(name));
    const expected = insideGate(200);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(200);
    expect(await files.row(name).getByRole('cell').first().textContent()).toBe(String(expected));
    expect(await files.row(name).textContent()).toContain('FSC-A, SSC-A, CD8');
    await eventually(async () => (await hers.page.getByLabel('Experiment name').inputValue()) === `${EXPERIMENT} — ${GATE}`, 'the export name');

    const exported = linkedTo(hers.page, EXPERIMENT).locator(rowById(hers.page, exportId));
    await visible(exported);
    expect(await exported.getByRole('img', { name: 'Public' }).count()).toBe(0);
  });

  it('dropping a file on the files section uploads it with a progress bar', async () => {
    await his.filter('Mine');
    await rowById(his.page, copyId).getByRole('button', { name: `${EXPERIMENT} (clone)`, exact: true }).click();
    const files = his.experiment().files();
    await visible(files.row('donor1.fcs'));
    const errors = watchErrors(his.page);

    const dropped = await dropFile(his.page, 'dropped.fcs', fcs(50));
    await visible(files.row('dropped.fcs'));
    expect(await files.row('dropped.fcs').getByRole('cell').first().textContent()).toBe('50');
    const bar = files.root.getByRole('progressbar', { name: 'Uploaded dropped.fcs' });
    await visible(bar);
    expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
    expect(await dropped.labels()).toContain('Uploading dropped.fcs');
    expect(await files.root.getByRole('status').textContent()).toBe('dropped.fcs uploaded.');
    expect(await files.root.getByTestId('dropzone').getAttribute('class')).not.toContain('dragging');
    expect(errors).toEqual([]);
  });
});
