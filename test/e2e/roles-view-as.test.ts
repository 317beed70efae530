import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, visible, type ManagerPage, type SharingDialogPage } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * Roles per person and "why" in the built extension against the real server: the Sharing
 * dialog offers Full access / Can view, shows each row's role and why, and changes a role in
 * place; the manager's "View as…" re-renders the experiment read-only as the chosen person
 * would see it, with a banner and an exit.
 */
describe('roles, the why line and View as…', () => {
  let server: TestServer;
  let alice: Person;

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['alice', 'vera', 'frank']) await server.addUser(name);
    for (const other of ['vera', 'frank']) await server.connect('alice', other);
    alice = await signedInPerson(server, 'alice');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await server?.dispose();
  });

  async function dialogFor(name: string): Promise<{ manager: ManagerPage; dialog: SharingDialogPage }> {
    const manager = await alice.manager();
    await manager.create(name);
    await visible(manager.row(name));
    return { manager, dialog: await manager.openSharing(name) };
  }
  const rowSays = (dialog: SharingDialogPage, user: string, text: string) => async () => (await dialog.accessRow(user).textContent())?.includes(text) ?? false;

  it('shares to view, shows the role and why on each row, and changes the role in place', async () => {
    const { dialog } = await dialogFor('Role panel');
    await dialog.root.getByTestId('share-role').selectOption('viewer');
    await dialog.shareWith('vera');
    await eventually(rowSays(dialog, 'vera', 'Can view (shared directly)'), 'vera to be a viewer');
    await eventually(async () => (await dialog.root.getByTestId('why-vera').textContent())?.includes('shared to view by alice') ?? false, 'the why line');
    expect(await dialog.root.getByTestId('why-alice').textContent()).toContain('owns the experiment');
    expect(await dialog.root.getByTestId('role-choice-vera').inputValue()).toBe('viewer');

    await dialog.root.getByTestId('role-choice-vera').selectOption('full');
    await eventually(rowSays(dialog, 'vera', 'Full access (shared directly)'), 'vera to have full access');
    await eventually(async () => (await dialog.root.getByTestId('why-vera').textContent())?.includes('shared with full access by alice') ?? false, 'the why line to follow');
    await dialog.root.getByTestId('role-choice-vera').selectOption('viewer');
    await eventually(rowSays(dialog, 'vera', 'Can view (shared directly)'), 'vera to be a viewer again');
    await dialog.close();
  });

  it('View as… shows the experiment read-only as the person would see it, with a banner and an exit', async () => {
    const manager = await alice.manager();
    await manager.open('Role panel');
    await manager.page.getByTestId('view-as-user').fill('vera');
    await manager.page.getByRole('button', { name: 'View as…' }).click();
    const banner = manager.page.getByTestId('view-as-banner');
    await visible(banner);
    const said = (await banner.textContent()) ?? '';
    expect(said).toContain('Viewing as vera');
    expect(said).toContain('can view');
    expect(said).toContain('Hidden from them: history, downloads');
    await visible(manager.page.getByTestId('view-as-preview').getByRole('heading', { name: 'Role panel' }));
    // Read-only: no name field, no Sharing button.
    expect(await manager.page.getByLabel('Experiment name').count()).toBe(0);

    await manager.page.getByTestId('view-as-exit').click();
    await visible(manager.page.getByTestId('experiment-view'));
    expect(await manager.page.getByTestId('view-as-preview').count()).toBe(0);

    await manager.page.getByTestId('view-as-user').fill('frank');
    await manager.page.getByRole('button', { name: 'View as…' }).click();
    await visible(manager.page.getByTestId('view-as-nothing'));
    expect(await manager.page.getByTestId('view-as-banner').textContent()).toContain('no access');
  });
});
