import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * Groups in the built extension's Sharing dialog (issue 14 item 2): your groups are suggested as
 * `@name`, sharing with one shows a row with its member count, and each member shows as having
 * access through the group.
 */
describe('the Sharing dialog with groups', () => {
  let server: TestServer;
  let alice: Person;

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['alice', 'carol', 'dave']) await server.addUser(name);
    for (const other of ['carol', 'dave']) await server.connect('alice', other);
    const token = await server.login('alice');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      return (await res.json()) as { id: string };
    };
    const { id } = await post('/api/groups', { name: 'Flow lab' });
    for (const user of ['carol', 'dave']) await post(`/api/groups/${id}/members`, { user });
    alice = await signedInPerson(server, 'alice');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await server?.dispose();
  });

  it('suggests @group, shares with it, and shows the group row and each member through it', async () => {
    const manager = await alice.manager();
    await manager.create('Group panel');
    await visible(manager.row('Group panel'));
    const dialog = await manager.openSharing('Group panel');
    const field = dialog.root.getByRole('combobox', { name: 'Share with (username or email)' });
    await field.click();
    await manager.page.keyboard.type('@fl');
    await visible(dialog.root.getByRole('option', { name: /@Flow lab/ }));
    expect(await dialog.root.getByRole('option', { name: /@Flow lab/ }).textContent()).toContain('your group, 3 members');
    await manager.page.keyboard.press('ArrowDown');
    await manager.page.keyboard.press('Enter');
    expect(await field.inputValue()).toBe('@Flow lab');
    await manager.page.keyboard.press('Enter');
    await eventually(async () => (await dialog.root.getByTestId('group-Flow lab').textContent())?.includes('3 members') ?? false, 'the group row');
    await eventually(async () => (await dialog.accessRow('carol').textContent())?.includes('Full access (through group Flow lab)') ?? false, 'carol through the group');
    expect(await dialog.accessRow('dave').textContent()).toContain('through group Flow lab');
    await dialog.close();
  });
});
