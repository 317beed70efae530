import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFcs } from '../../shared/fcs/index.ts';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { watchErrors } from './support/session.ts';
import { withExtensionSession } from './support/extension-session.ts';

/**
 * Projects and files through the Experiment Manager, two people in two browsers: alice manages
 * a project and uploads files; bob is a restricted member whose project disallows download.
 */
const PROJECT = 'Lymphoma cohort';
const EXPERIMENT = 'Bone marrow panel';

function smallFcs(): Uint8Array {
  const channels = [{ name: 'FSC-A' }, { name: 'SSC-A' }, { name: 'CD8', label: 'CD8 FITC' }];
  const events = new Float64Array(200 * channels.length).map((_, i) => (i * 37) % 1000);
  return writeFcs({ channels, events, keywords: { $CYT: 'e2e' } });
}

describe('projects and files in the Experiment Manager', () => {
  const session = withExtensionSession({ accounts: ['alice', 'bob'], connections: [['alice', 'bob']], browsers: ['alice', 'bob'] });
  let dir: string;
  let hers: ManagerPage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoshare-fcs-'));
    const good = smallFcs();
    writeFileSync(join(dir, 'donor1.fcs'), good);
    // Cut inside the DATA segment: the parser names the segment and the missing bytes.
    writeFileSync(join(dir, 'cut-short.fcs'), good.subarray(0, good.length - 300));
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a manager creates a project, adds a member, restricts members and adds an experiment', async () => {
    hers = await session.alice.manager();
    await hers.create(EXPERIMENT);
    await visible(hers.row(EXPERIMENT));
    const project = await hers.createProject(PROJECT);
    await visible(project.member('alice'));
    expect(await project.member('alice').getByLabel('Role of alice').inputValue()).toBe('manager');

    await project.addMember('bob', 'Member');
    await visible(project.member('bob'));
    expect(await project.member('bob').getByLabel('Role of bob').inputValue()).toBe('member');
    await project.restrict('Disabled (no download, no clone)');
    await eventually(async () => (await project.root.textContent())?.includes('no download or clone') ?? false, 'the policy to be saved');

    await project.addExperiment(EXPERIMENT);
    await visible(hers.row(EXPERIMENT));
    expect(await hers.page.getByTestId('experiment-row').count()).toBe(1);
  });

  it('the manager uploads an FCS file through the file input: the progress bar completes and the file appears', async () => {
    const errors = watchErrors(hers.page);
    await hers.open(EXPERIMENT);
    const files = hers.experiment().files();
    await files.upload(join(dir, 'donor1.fcs'));
    await visible(files.row('donor1.fcs'));
    const bar = files.progress();
    expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
    expect(await files.root.getByRole('progressbar', { name: 'Uploaded donor1.fcs' }).count()).toBe(1);
    expect(await files.row('donor1.fcs').textContent()).toContain('200');
    expect(await files.row('donor1.fcs').textContent()).toContain('CD8');
    await expect(files.download('donor1.fcs').isEnabled()).resolves.toBe(true);

    // A tag for bob to find read-only.
    await hers.addAxes('donor1.fcs', 'Donor');
    await hers.setTag('donor1.fcs', 'Donor', 'D-001');
    await eventually(async () => (await hers.page.getByTestId('pending-count').count()) === 0, 'the tag to settle');
    expect(errors).toEqual([]);
  });

  it('a malformed file is refused in plain words, naming what is wrong', async () => {
    const files = hers.experiment().files();
    await files.upload(join(dir, 'cut-short.fcs'));
    await visible(files.refusal());
    const words = (await files.refusal().textContent()) ?? '';
    expect(words).toContain('cut-short.fcs was not accepted.');
    expect(words).toContain('The file is not a readable FCS file.');
    expect(words).toMatch(/DATA segment/);
    expect(words).toMatch(/cut short|contradict/);
    expect(await files.row('cut-short.fcs').count()).toBe(0);
  });

  it('a restricted member sees the download disabled with the reason, and cannot edit tags', async () => {
    const his = await session.bob.manager();
    await his.project(PROJECT);
    await visible(his.row(EXPERIMENT));
    await his.open(EXPERIMENT);
    const files = his.experiment().files();
    await visible(files.row('donor1.fcs'));
    expect(await files.download('donor1.fcs').isDisabled()).toBe(true);
    expect(await files.root.getByTestId('download-lock').textContent()).toBe("Download: This project's settings do not allow downloading its files.");
    expect(await files.root.getByLabel('Upload an FCS file (or drop it here)').count()).toBe(0);

    expect(await his.page.getByTestId('read-only').textContent()).toBe('Read-only: You can view this experiment but not change it.');
    await eventually(async () => (await his.tagValue('donor1.fcs', 'Donor')) === 'D-001', 'the tag to arrive');
    expect(await his.tagCell('donor1.fcs', 'Donor').evaluate((el) => el.tagName)).not.toBe('INPUT');
    expect(await his.page.getByLabel('Add dimension').count()).toBe(0);

    // Cloning is disabled too, with the project's reason; and bob manages nothing in the project.
    expect(await his.experiment().view.getByRole('button', { name: 'Clone', exact: true }).isDisabled()).toBe(true);
    expect(await his.page.getByTestId('clone-lock').textContent()).toContain("The project's settings do not allow cloning.");
    const project = his.page.getByTestId('project-view');
    expect(await project.getByRole('button', { name: 'Add person' }).isDisabled()).toBe(true);
    expect(await project.textContent()).toContain('Only the managers of this project can do this.');
  });

  it('the owner moves an experiment to the trash and restores it from the Trash filter', async () => {
    const mine = await session.alice.manager();
    await mine.create('Old titration');
    await mine.open('Old titration');
    await mine.experiment().button('Move to trash').click();
    await eventually(async () => (await mine.row('Old titration').count()) === 0, 'the experiment to leave All');

    await mine.filter('Trash');
    await visible(mine.row('Old titration'));
    await mine.open('Old titration');
    // Deleting for good asks first; cancelling keeps it.
    await mine.experiment().button('Delete for good…').click();
    await visible(mine.page.getByRole('group', { name: /Delete “Old titration” for good\?/ }));
    await mine.experiment().button('Cancel').click();
    await mine.experiment().button('Restore').click();
    await eventually(async () => (await mine.row('Old titration').count()) === 0, 'the experiment to leave the Trash');

    await mine.filter('All');
    await visible(mine.row('Old titration'));
    expect(await mine.experiment().button('Move to trash').isEnabled()).toBe(true);
  });
});
