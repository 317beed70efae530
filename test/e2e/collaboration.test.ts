import { describe, expect, it } from 'vitest';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { withExtensionSession } from './support/extension-session.ts';

describe('editing together, and what a public viewer may do', () => {
  const session = withExtensionSession({ accounts: ['alice', 'bob'], connections: [['alice', 'bob']], browsers: ['alice', 'bob'] });

  const tagIs = (page: ManagerPage, file: string, dimension: string, value: string) =>
    eventually(async () => (await page.tagValue(file, dimension)) === value, `${dimension} of ${file} to read "${value}"`);

  it('alice and bob edit the same sample tags and each sees the other change', async () => {
    const mine = await session.alice.manager();
    const id = await mine.create('Donor study');
    await mine.addAxes('donor1.fcs', 'Donor');
    await mine.setTag('donor1.fcs', 'Donor', 'D-001');
    const dialog = await mine.openSharing('Donor study');
    await dialog.shareWith('bob');
    await eventually(async () => (await dialog.accessRow('bob').textContent())?.includes('Full access') ?? false, 'the share to be accepted');
    await dialog.close();

    const theirs = await session.bob.manager(`exp=${id}`);
    await tagIs(theirs, 'donor1.fcs', 'Donor', 'D-001');
    await theirs.setTag('donor1.fcs', 'Donor', 'D-002');
    await tagIs(mine, 'donor1.fcs', 'Donor', 'D-002');

    await mine.addAxes('donor2.fcs', 'Donor');
    await mine.setTag('donor2.fcs', 'Donor', 'D-003');
    await tagIs(theirs, 'donor2.fcs', 'Donor', 'D-003');
  });

  it('a public experiment is read-only for bob: no editable cells, sharing controls disabled with the reason', async () => {
    const mine = await session.alice.manager();
    const id = await mine.create('Published atlas');
    await mine.addAxes('atlas.fcs', 'Tissue');
    await mine.setTag('atlas.fcs', 'Tissue', 'spleen');
    const dialog = await mine.openSharing('Published atlas');
    await dialog.togglePublic();
    await eventually(async () => (await dialog.root.getByRole('button', { name: 'Make private' }).count()) === 1, 'the experiment to turn public');
    await dialog.close();

    const theirs = await session.bob.manager();
    await theirs.filter('Public');
    await visible(theirs.row('Published atlas'));
    await theirs.open('Published atlas');
    await tagIs(theirs, 'atlas.fcs', 'Tissue', 'spleen');
    expect(await theirs.tagCell('atlas.fcs', 'Tissue').evaluate((el) => el.tagName)).not.toBe('INPUT');
    expect(await theirs.page.getByTestId('read-only').textContent()).toContain('You can view this experiment but not change it.');
    expect(await theirs.page.getByLabel('Add file').count()).toBe(0);
    expect(id).toBeTruthy();

    const sharing = await theirs.openSharing('Published atlas');
    expect(await sharing.root.getByRole('button', { name: 'Make private' }).isDisabled()).toBe(true);
    expect(await sharing.root.getByLabel('Share with (username or email)').isDisabled()).toBe(true);
    expect(await sharing.root.textContent()).toContain('Only the owner or people with full access can change sharing.');
  });
});
