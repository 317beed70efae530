import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * Groups in the built extension's Sharing dialog (issue 14 item 2): your groups are suggested as
 * `@name`, sharing with one shows a row with its member count, and each member shows as having
 * access through the group; "Notify by email" and its message apply to a group share as to a
 * person's (mail read from the server's outbox, where it goes without SMTP).
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

  async function outbox(): Promise<ParsedMail[]> {
    const dir = join(server.dataDir, 'outbox');
    const names = await readdir(dir).catch(() => [] as string[]);
    return Promise.all(names.filter((n) => n.endsWith('.eml')).sort().map(async (n) => simpleParser(await readFile(join(dir, n)))));
  }
  const mailsTo = async (address: string, name: string) =>
    (await outbox()).filter((m) => (m.to as AddressObject | undefined)?.value[0]?.address === address && (m.subject ?? '').includes(name));

  async function shareWithGroup(manager: ManagerPage, name: string, mail: { notify: boolean; message?: string }) {
    await manager.create(name);
    await visible(manager.row(name));
    const dialog = await manager.openSharing(name);
    if (!mail.notify) await dialog.root.getByLabel('Notify by email').uncheck();
    if (mail.message) await dialog.root.getByLabel(/Message \(optional/).fill(mail.message);
    await dialog.root.getByRole('combobox', { name: 'Share with (username or email)' }).fill('@Flow lab');
    await manager.page.keyboard.press('Enter');
    await eventually(async () => (await dialog.root.getByTestId('group-Flow lab').count()) === 1, 'the group row');
    await dialog.close();
  }

  it('a group share with "Notify by email" off mails no member; with it on, the message reaches them', async () => {
    const manager = await alice.manager();
    await shareWithGroup(manager, 'Quiet panel', { notify: false });
    await shareWithGroup(manager, 'Told panel', { notify: true, message: 'See tube 3' });
    await eventually(async () => (await mailsTo('carol@example.org', 'Told panel')).length === 1, 'the mail of the told share');
    expect((await mailsTo('carol@example.org', 'Told panel'))[0]?.text).toContain('See tube 3');
    // The quiet share was queued before the told one: its mail would be in the outbox by now.
    expect(await mailsTo('carol@example.org', 'Quiet panel')).toEqual([]);
    expect(await mailsTo('dave@example.org', 'Quiet panel')).toEqual([]);
  });
});
