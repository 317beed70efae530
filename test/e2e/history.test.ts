import { describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { watchErrors } from './support/session.ts';
import { withExtensionSession } from './support/extension-session.ts';

/** The experiment view's History section: the owner sees the decisions, newest first, and checks the chain. */
describe('the sharing history in the Experiment Manager', () => {
  const session = withExtensionSession({ accounts: ['alice'], browsers: ['alice'] });

  it('lists create then publish, newest first, and Verify says the chain is intact', async () => {
    const mine = await session.alice.manager();
    const errors = watchErrors(mine.page);
    await mine.create('Audited run');
    const dialog = await mine.openSharing('Audited run');
    await dialog.togglePublic();
    await eventually(async () => (await dialog.root.getByRole('button', { name: 'Make private' }).count()) === 1, 'the experiment to turn public');
    await dialog.close();

    const history = mine.page.getByTestId('history');
    await visible(history);
    const verify = history.getByRole('button', { name: 'Verify' });
    // Verify asks the server again, so a publish still on its way shows up on a later click.
    await eventually(async () => {
      await verify.click();
      return (await history.getByTestId('history-verdict').textContent())?.includes('Intact: 2 entries') ?? false;
    }, 'the server to check a two-entry chain');
    const entries = history.getByTestId('history-entry');
    expect(await entries.count()).toBe(2);
    expect(await entries.nth(0).textContent()).toMatch(/#2 .*alice publish: accepted/);
    expect(await entries.nth(1).textContent()).toMatch(/#1 .*alice create: accepted/);
    expect(await history.getByRole('button', { name: 'Export CSV' }).isEnabled()).toBe(true);
    if (process.env.HISTORY_SHOT) await history.screenshot({ path: process.env.HISTORY_SHOT });
    expect(errors).toEqual([]);
  });
});
