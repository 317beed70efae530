import { describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { watchErrors } from './support/session.ts';
import { withExtensionSession } from './support/extension-session.ts';

/** Reviewer links from the Sharing dialog: made, opened without an account, revoked. */
describe('reviewer links in the Sharing dialog', () => {
  const session = withExtensionSession({ accounts: ['alice'], browsers: ['alice'] });

  it('creates a link whose page shows the experiment read-only, lists it, and revokes it to a 404', async () => {
    const mine = await session.alice.manager();
    const errors = watchErrors(mine.page);
    await mine.create('Reviewed cohort');
    const dialog = await mine.openSharing('Reviewed cohort');
    const section = dialog.root.getByTestId('review-links');
    await visible(section);
    await section.getByTestId('review-link-download').check();
    // The experiment reaches the server a moment after its creation: until then the server
    // refuses the link, so the click is repeated until the new URL shows.
    await eventually(async () => {
      if ((await section.getByTestId('review-link-url').count()) === 1) return true;
      await section.getByTestId('review-link-create').click();
      return false;
    }, 'the reviewer link to be made');
    const url = await section.getByTestId('review-link-url').inputValue();
    expect(url.startsWith(session.server.url)).toBe(true);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Reviewed cohort');

    const rows = section.getByRole('table', { name: 'Reviewer links' }).locator('tbody tr');
    await eventually(async () => (await rows.count()) === 1, 'the link to be listed');
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells.slice(1, 4)).toEqual(['never', 'yes', 'active']);
    // The list never shows the secret.
    expect(await section.locator('table').textContent()).not.toContain(url.split('/').pop() ?? url);

    await rows.first().getByRole('button', { name: /^Revoke/ }).click();
    await eventually(async () => (await rows.first().locator('td').nth(3).textContent())?.startsWith('revoked') ?? false, 'the link to show revoked');
    expect(await section.getByTestId('review-link-url').count()).toBe(0);
    const after = await fetch(url);
    expect(after.status).toBe(404);
    expect(await after.text()).not.toContain('Reviewed cohort');
    expect(errors).toEqual([]);
    await dialog.close();
  });

  it('offline, says the links need the server instead of an error, and lists them once it is back', async () => {
    await session.server.stop();
    const mine = await session.alice.manager();
    const dialog = await mine.openSharing('Reviewed cohort');
    const section = dialog.root.getByTestId('review-links');
    await visible(section.getByTestId('review-links-offline'));
    expect(await section.getByRole('alert').count()).toBe(0);
    expect(await section.getByTestId('review-link-create').count()).toBe(0);
    await session.server.start();
    const rows = section.getByRole('table', { name: 'Reviewer links' }).locator('tbody tr');
    await eventually(async () => (await rows.count()) === 1, 'the list once the server is back');
    expect(await section.getByTestId('review-links-offline').count()).toBe(0);
  });
});
