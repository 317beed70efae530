import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.ts';
import { eventually, visible } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { PASSWORD, startTestServer, type TestServer } from './support/server.ts';

/**
 * The settings page of the built extension: opened from the popup, it shows the signed-in
 * account as the server knows it, and its mail preference is stored on the server, which then
 * sends (or does not send) share mail accordingly. The test server has no SMTP server, so its
 * mail is the `.eml` files of its outbox folder.
 */
async function outbox(server: TestServer): Promise<ParsedMail[]> {
  const dir = join(server.dataDir, 'outbox');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(files.map((f) => simpleParser(readFileSync(join(dir, f)))));
}
const to = (m: ParsedMail) => (m.to as AddressObject | undefined)?.value[0]?.address;
const shareMailToBob = (m: ParsedMail) => to(m) === 'bob@example.org' && /shared/.test(m.subject ?? '');

describe('the settings page', () => {
  let server: TestServer;
  let bob: Person;
  let aliceToken: string;
  let settings: Page;

  beforeAll(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    await server.addUser('bob');
    await server.connect('alice', 'bob');
    aliceToken = await server.login('alice');
    bob = await signedInPerson(server, 'bob');
  });
  afterAll(async () => {
    await bob?.browser.dispose();
    await server?.dispose();
  });

  const share = async (experimentId: string, name: string) => {
    expect(await server.intent(aliceToken, { type: 'create', experimentId, name })).toMatchObject({ ok: true });
    expect(await server.intent(aliceToken, { type: 'share', experimentId, user: 'bob' })).toMatchObject({ ok: true });
  };

  it('opens from the popup and shows the signed-in account', async () => {
    const popup = await bob.popup();
    const [page] = await Promise.all([bob.browser.context.waitForEvent('page'), popup.page.getByRole('button', { name: 'Settings' }).click()]);
    settings = page;
    await settings.waitForLoadState();
    expect(new URL(settings.url()).pathname).toBe('/settings.html');
    await visible(settings.getByTestId('settings-username'));
    expect(await settings.getByTestId('settings-username').textContent()).toBe('bob');
    expect(await settings.getByTestId('settings-email').textContent()).toBe('bob@example.org (confirmed)');
    expect(await settings.getByTestId('settings-server').textContent()).toBe(server.url);
    expect(await seriousViolations(settings)).toEqual([]);
  });

  it('turns share mail off and on, and the server honours it', async () => {
    const box = settings.getByLabel('Mail me when someone shares an experiment with me');
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await visible(settings.getByRole('status').filter({ hasText: 'Saved.' }));
    // Read back from the server: a fresh page shows what the server stored.
    await settings.reload();
    await visible(settings.getByTestId('settings-username'));
    expect(await settings.getByLabel('Mail me when someone shares an experiment with me').isChecked()).toBe(false);

    await share('quiet-share-1', 'Quiet share');
    // A marker mail queued after the share: mail goes out in order, so once the marker is out a
    // share mail to bob would be too.
    expect(await server.intent(aliceToken, { type: 'connect', email: 'carol@example.org' })).toMatchObject({ ok: true });
    await eventually(async () => (await outbox(server)).some((m) => to(m) === 'carol@example.org'), 'the marker mail');
    expect((await outbox(server)).filter(shareMailToBob)).toEqual([]);

    await settings.getByLabel('Mail me when someone shares an experiment with me').check();
    await visible(settings.getByRole('status').filter({ hasText: 'Saved.' }));
    await share('loud-share-1', 'Loud share');
    await eventually(async () => (await outbox(server)).some(shareMailToBob), 'the share mail to bob');
    const mail = (await outbox(server)).filter(shareMailToBob);
    expect(mail.map((m) => m.subject)).toEqual(['alice shared “Loud share” with you']);
    expect(mail[0]?.text).toContain('open Settings from the Cytoshare button');
  });

  it('changes the password, refusing a wrong current one', async () => {
    const form = settings.getByRole('form', { name: 'Password' });
    const change = async (current: string) => {
      await form.getByLabel('Current password').fill(current);
      await form.getByLabel('New password', { exact: true }).fill('a new long password');
      await form.getByLabel('New password again').fill('a new long password');
      await form.getByRole('button', { name: 'Change password' }).click();
    };
    await change('not my password');
    await visible(settings.getByRole('alert'));
    await change(PASSWORD);
    await visible(settings.getByRole('status').filter({ hasText: 'Password changed.' }));
    expect(await server.login('bob', 'a new long password')).toMatch(/.+/);
  });

  it('signs out, and then offers to sign in', async () => {
    await settings.getByRole('button', { name: 'Sign out' }).click();
    await visible(settings.getByRole('form', { name: 'Sign in' }));
  });
});
