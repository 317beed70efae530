import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.ts';
import { eventually, visible, type ManagerPage, type SharingDialogPage } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * The Sharing dialog as Drive and Cytobank have it, in the built extension with two browser
 * profiles (alice and bob) against the real server: suggestions as you type, picked with the
 * keyboard; connect-then-share, completed in alice's open dialog when bob accepts in his popup;
 * a mail message that reaches the mail (read from the server's outbox, the test mail sink);
 * Make public asked first; each person's role; keyboard-only use with no serious axe violation.
 */
describe('the Sharing dialog', () => {
  let server: TestServer;
  let alice: Person;
  let bob: Person;
  let aliceToken: string;

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['alice', 'bob', 'carol', 'dave', 'leo', 'mo']) await server.addUser(name);
    for (const other of ['carol', 'dave', 'leo', 'mo']) await server.connect('alice', other);
    aliceToken = await server.login('alice');
    alice = await signedInPerson(server, 'alice');
    bob = await signedInPerson(server, 'bob');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await bob?.browser.dispose();
    await server?.dispose();
  });

  async function dialogFor(name: string): Promise<{ manager: ManagerPage; dialog: SharingDialogPage }> {
    const manager = await alice.manager();
    await manager.create(name);
    await visible(manager.row(name));
    return { manager, dialog: await manager.openSharing(name) };
  }
  const field = (dialog: SharingDialogPage) => dialog.root.getByRole('combobox', { name: 'Share with (username or email)' });

  it('suggests connections as you type; the keyboard picks one and shares', async () => {
    const { manager, dialog } = await dialogFor('Suggest panel');
    await field(dialog).click();
    await manager.page.keyboard.type('ca');
    await visible(dialog.root.getByRole('option', { name: /carol/ }));
    // Only people matching what was typed: dave does not start with or contain "ca".
    expect(await dialog.root.getByRole('listbox').getByRole('option').count()).toBe(1);
    await manager.page.keyboard.press('ArrowDown');
    expect(await field(dialog).getAttribute('aria-activedescendant')).toBe('share-person-0');
    await manager.page.keyboard.press('Enter');
    expect(await field(dialog).inputValue()).toBe('carol');
    expect(await field(dialog).getAttribute('aria-expanded')).toBe('false');
    await manager.page.keyboard.press('Enter');
    await eventually(async () => (await dialog.accessRow('carol').textContent())?.includes('Full access (shared directly)') ?? false, 'carol to have access');
    await dialog.close();
  });

  it('connect-then-share: the share waits for bob, and shows in the open dialog once he accepts in his popup', async () => {
    const { dialog } = await dialogFor('Waiting panel');
    await dialog.shareWith('bob');
    await visible(dialog.root.getByTestId('connect-first'));
    await dialog.root.getByRole('button', { name: 'Connect and share' }).click();
    await eventually(async () => (await dialog.accessRow('bob').textContent())?.includes('waiting for bob to accept your connection') ?? false, 'the share to wait for bob');

    const his = await bob.popup();
    await visible(his.page.getByTestId('connection-request'));
    await his.page.getByRole('button', { name: 'Accept alice' }).click();
    // No reload: the dialog that stayed open shows bob with access.
    await eventually(async () => (await dialog.accessRow('bob').textContent())?.includes('Full access (shared directly)') ?? false, 'bob to have access');
    await dialog.close();
  });

  it('notify by email with a message: the mail carries it', async () => {
    const { dialog } = await dialogFor('Message panel');
    expect(await dialog.root.getByRole('checkbox', { name: 'Notify by email' }).isChecked()).toBe(true);
    await field(dialog).fill('dave');
    await dialog.root.getByLabel('Message (optional, goes into the email)').fill('Gates are on tube 3 <b>now</b>');
    await dialog.root.getByRole('button', { name: 'Share', exact: true }).click();
    await eventually(async () => (await dialog.accessRow('dave').textContent())?.includes('Full access') ?? false, 'dave to have access');
    await dialog.close();
    let mail: ParsedMail | undefined;
    await eventually(async () => (mail = (await outbox(server)).find((m) => to(m) === 'dave@example.org' && /Message panel/.test(m.subject ?? ''))) !== undefined, "dave's share mail");
    expect(mail?.text).toContain('> Gates are on tube 3 <b>now</b>');
    expect(mail?.html).toContain('Gates are on tube 3 &lt;b&gt;now&lt;/b&gt;');
  });

  it('Make public asks first: cancel leaves it private, confirm makes it public', async () => {
    const { dialog } = await dialogFor('Public panel');
    await dialog.root.getByRole('button', { name: 'Make public…' }).click();
    const confirm = dialog.root.getByTestId('public-confirm');
    await visible(confirm);
    expect(await confirm.textContent()).toContain('read-only');
    expect(await confirm.textContent()).toContain('clone it into private copies');
    expect(await confirm.textContent()).toContain('Only staff can mark it curated');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await eventually(async () => (await confirm.count()) === 0, 'the question to go away');
    expect(await dialog.root.getByText('Only the people above can see this experiment.').count()).toBe(1);
    expect(await dialog.root.getByRole('button', { name: 'Make public…' }).isVisible()).toBe(true);

    await dialog.togglePublic();
    await visible(dialog.root.getByRole('button', { name: 'Make private' }));
    await eventually(async () => (await dialog.root.getByText('Everyone with an account on this server can view this experiment.').count()) === 1, 'public');
    await dialog.close();
  });

  it('each row says the role: owner, direct, project leader and member with the restricted levels', async () => {
    const exp = randomUUID();
    const project = randomUUID();
    const ok = async (intent: Record<string, unknown>) => expect(await server.intent(aliceToken, intent)).toMatchObject({ ok: true });
    await ok({ type: 'create', experimentId: exp, name: 'Roles panel' });
    await ok({ type: 'share', experimentId: exp, user: 'carol' });
    await ok({ type: 'project-create', projectId: project, name: 'Lymphoma' });
    await ok({ type: 'project-member', projectId: project, user: 'leo', role: 'leader' });
    await ok({ type: 'project-member', projectId: project, user: 'mo', role: 'member' });
    await ok({ type: 'project-policy', projectId: project, policy: { access: 'restricted', illustrations: 'view-only', cloning: 'files-only' } });
    await ok({ type: 'move', experimentId: exp, projectId: project });

    const manager = await alice.manager();
    await visible(manager.row('Roles panel'));
    const dialog = await manager.openSharing('Roles panel');
    const role = (user: string) => dialog.root.getByTestId(`role-${user}`);
    await eventually(async () => (await role('mo').textContent())?.includes('restricted') ?? false, 'the project people with their levels');
    expect(await role('alice').textContent()).toBe('Owner');
    expect(await role('carol').textContent()).toBe('Full access (shared directly)');
    expect(await role('leo').textContent()).toBe(
      'Project leader · restricted access: can view, not edit tags or gates; may download files; illustrations view-only; may clone the files only',
    );
    expect(await role('mo').textContent()).toContain('Project member · restricted access');
    await dialog.close();
  });

  it('works with the keyboard alone, with no serious axe violation', async () => {
    const manager = await alice.manager();
    await manager.create('Keyboard panel');
    const opener = manager.page.getByRole('button', { name: 'Sharing: Keyboard panel' }).first();
    await opener.focus();
    await manager.page.keyboard.press('Enter');
    const dialog = manager.page.getByRole('dialog');
    await visible(dialog);
    const focusedId = () => manager.page.evaluate(() => document.activeElement?.id ?? '');
    for (let i = 0; i < 12 && (await focusedId()) !== 'share-person'; i++) await manager.page.keyboard.press('Tab');
    expect(await focusedId()).toBe('share-person');

    await manager.page.keyboard.type('d');
    await visible(dialog.getByRole('listbox'));
    expect(await seriousViolations(manager.page)).toEqual([]);
    // Escape closes the list only; the dialog stays.
    await manager.page.keyboard.press('Escape');
    await eventually(async () => (await dialog.getByRole('listbox').isHidden()), 'the list to close');
    expect(await dialog.isVisible()).toBe(true);
    await manager.page.keyboard.press('ArrowDown');
    await visible(dialog.getByRole('option', { name: /dave/ }));
    await manager.page.keyboard.press('Enter');
    expect(await dialog.getByRole('combobox', { name: /Share with/ }).inputValue()).toBe('dave');
    // Past the role choice to Notify by email, each a tab stop of its own.
    const focusedName = () => manager.page.evaluate(() => (document.activeElement?.closest('label')?.textContent ?? document.activeElement?.textContent ?? '').trim());
    const tabTo = async (name: string) => {
      for (let i = 0; i < 6 && (await focusedName()) !== name; i++) await manager.page.keyboard.press('Tab');
      expect(await focusedName()).toBe(name);
    };
    await tabTo('Notify by email');
    await manager.page.keyboard.press('Space');
    expect(await dialog.getByRole('checkbox', { name: 'Notify by email' }).isChecked()).toBe(false);
    expect(await dialog.getByLabel('Message (optional, goes into the email)').count()).toBe(0);
    await tabTo('Share'); // past the end date
    await manager.page.keyboard.press('Enter');
    await eventually(async () => (await dialog.getByTestId('access-dave').textContent())?.includes('Full access') ?? false, 'dave to have access');

    // Make public by keyboard: the question takes the focus on Cancel, which Enter answers.
    await dialog.getByRole('button', { name: 'Make public…' }).focus();
    await manager.page.keyboard.press('Enter');
    await visible(dialog.getByTestId('public-confirm'));
    expect(await manager.page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    expect(await seriousViolations(manager.page)).toEqual([]);
    await manager.page.keyboard.press('Enter');
    await eventually(async () => (await manager.page.evaluate(() => document.activeElement?.textContent)) === 'Make public…', 'focus back on Make public');

    await manager.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
  });
});

const to = (m: ParsedMail) => (m.to as AddressObject | undefined)?.value[0]?.address;

/** The server's mail without an SMTP relay: one .eml file per message in DATA/outbox. */
async function outbox(server: TestServer): Promise<ParsedMail[]> {
  const dir = join(server.dataDir, 'outbox');
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(names.filter((n) => n.endsWith('.eml')).map(async (n) => simpleParser(await readFile(join(dir, n)))));
}
