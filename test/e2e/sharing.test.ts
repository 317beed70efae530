import { describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { withExtensionSession } from './support/extension-session.ts';

describe('sharing between two people, through the UI', () => {
  const session = withExtensionSession({ accounts: ['alice', 'bob', 'carol'], browsers: ['alice', 'bob'] });

  it('alice asks bob to connect from her popup, and bob accepts in his', async () => {
    const hers = await session.alice.popup();
    await hers.page.getByLabel('Connect with a user (email)').fill('bob@example.org');
    await hers.page.getByRole('button', { name: 'Send request' }).click();
    await eventually(async () => (await hers.page.getByText('request sent, waiting for an answer').count()) === 1, 'the request to be sent');

    const his = await session.bob.popup();
    await visible(his.page.getByTestId('connection-request'));
    await his.page.getByRole('button', { name: 'Accept alice' }).click();
    await visible(his.page.getByTestId('connection-alice'));
    await visible(hers.page.getByTestId('connection-bob'));
  });

  it('alice shares an experiment with bob, who finds it in his popup Inbox', async () => {
    const manager = await session.alice.manager();
    await manager.create('CD8 T-cell panel');
    await visible(manager.row('CD8 T-cell panel'));
    const dialog = await manager.openSharing('CD8 T-cell panel');
    await dialog.shareWith('bob');
    await visible(dialog.accessRow('bob'));
    await eventually(async () => (await dialog.accessRow('bob').textContent())?.includes('Full access') ?? false, 'the share to be accepted');

    const popup = await session.bob.popup();
    await eventually(async () => (await popup.inbox().textContent())?.includes('CD8 T-cell panel') ?? false, "the share in bob's Inbox");
    await popup.markViewed('CD8 T-cell panel');
    await eventually(async () => (await popup.inbox().count()) === 0, 'the Inbox to empty');
    expect(await popup.experiments().textContent()).toContain('CD8 T-cell panel');
  });

  it('a share to someone not connected is explained in the dialog with a Connect action, and nothing is recorded', async () => {
    const manager = await session.alice.manager();
    await visible(manager.row('CD8 T-cell panel'));
    const dialog = await manager.openSharing('CD8 T-cell panel');
    await dialog.shareWith('carol');
    await visible(manager.page.getByTestId('connect-first'));
    expect(await manager.page.getByTestId('connect-first').textContent()).toContain('You are not connected with carol');
    await visible(dialog.root.getByRole('button', { name: 'Connect and share' }));
    expect(await dialog.accessRow('carol').count()).toBe(0);
    expect(await manager.page.getByTestId('pending-count').count()).toBe(0);
    await dialog.close();
  });

  it('the manager filters and searches', async () => {
    const mine = await session.alice.manager();
    await mine.create('Bone marrow MRD');
    await mine.filter('Mine');
    await visible(mine.row('Bone marrow MRD'));
    await mine.page.getByLabel('Search experiments').fill('marrow');
    await eventually(async () => (await mine.page.getByTestId('experiment-row').count()) === 1, 'the search to narrow the list');
    await mine.filter('Shared with me');
    await visible(mine.page.getByText('No experiments here.'));

    const theirs = await session.bob.manager();
    await theirs.filter('Shared with me');
    await visible(theirs.row('CD8 T-cell panel'));
    expect(await theirs.row('Bone marrow MRD').count()).toBe(0);
    await theirs.filter('Mine');
    await visible(theirs.page.getByText('No experiments here.'));
  });
});
