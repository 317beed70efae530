import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.ts';
import { eventually, visible } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * Transfers of ownership in the built extension (issue 14 item 6), two browser profiles against
 * the real server: bob's Inbox shows alice's offer with Accept and Decline, and the experiment
 * joins his list only once he accepts; alice's Experiment Manager shows her offer waiting, with
 * Cancel. Offers are made over the HTTP API, as `cytoshare transfer` makes them, and from the
 * manager's "Transfer ownership…" dialog, driven by the keyboard.
 */
describe('transfers in the Experiment Manager', () => {
  let server: TestServer;
  let alice: Person;
  let bob: Person;
  let aliceToken: string;

  beforeAll(async () => {
    server = await startTestServer({ mode: 'enterprise' });
    for (const name of ['alice', 'bob', 'carol']) await server.addUser(name);
    aliceToken = await server.login('alice');
    alice = await signedInPerson(server, 'alice');
    bob = await signedInPerson(server, 'bob');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await bob?.browser.dispose();
    await server?.dispose();
  });

  async function offer(experimentId: string): Promise<string> {
    const response = await fetch(`${server.url}/api/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${aliceToken}` },
      body: JSON.stringify({ experimentId, user: 'bob' }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { transfer: { id: string } }).transfer.id;
  }

  it('bob accepts in his Inbox and the experiment becomes his; alice saw it pending', async () => {
    const hers = await alice.manager();
    const id = await hers.create('Gift panel');
    await offer(id);
    const view = await alice.manager(`exp=${id}`);
    await visible(view.page.getByTestId('transfer-pending'));
    expect(await view.page.getByTestId('transfer-pending').textContent()).toContain('Transfer pending to bob');

    const his = await bob.manager();
    const offerRow = his.page.getByTestId('transfer-offer');
    await visible(offerRow);
    expect(await offerRow.textContent()).toContain('alice offers you ownership of “Gift panel”');
    expect(await his.row('Gift panel').count()).toBe(0);
    await offerRow.getByRole('button', { name: 'Accept' }).click();
    await visible(his.row('Gift panel'));
    await eventually(async () => (await his.page.getByTestId('transfer-offer').count()) === 0, 'the offer to leave the Inbox');
    await his.open('Gift panel');
    expect(await his.page.getByTestId('experiment-view').textContent()).toContain('Owner: bob.');
  });

  it('alice cancels her offer in the manager; bob never sees the experiment', async () => {
    const hers = await alice.manager();
    const id = await hers.create('Kept panel');
    await offer(id);
    const view = await alice.manager(`exp=${id}`);
    const pending = view.page.getByTestId('transfer-pending');
    await visible(pending);
    await pending.getByRole('button', { name: 'Cancel transfer' }).click();
    await eventually(async () => (await view.page.getByTestId('transfer-pending').count()) === 0, 'the pending transfer to go');

    const his = await bob.manager();
    await visible(his.page.getByRole('heading', { name: /Inbox/ }));
    expect(await his.page.getByTestId('transfer-offer').count()).toBe(0);
    expect(await his.row('Kept panel').count()).toBe(0);
  });

  it('alice offers from the manager with the keyboard; bob accepts in his Inbox; alice then sees bob as owner', async () => {
    const hers = await alice.manager();
    const id = await hers.create('Handed panel');
    const view = await alice.manager(`exp=${id}`);
    const page = view.page;
    await page.getByRole('button', { name: 'Transfer ownership…' }).click();
    const dialog = page.getByTestId('transfer-dialog');
    await visible(dialog);
    const field = dialog.getByRole('combobox', { name: 'New owner (username or email)' });
    await field.focus();
    await page.keyboard.type('alice');
    await page.keyboard.press('Enter');
    await visible(dialog.getByTestId('transfer-confirm'));
    await dialog.getByRole('button', { name: 'Offer ownership' }).press('Enter');
    await visible(dialog.getByTestId('transfer-refusal'));
    expect(await dialog.getByTestId('transfer-refusal').textContent()).toBe('You own this experiment already.');

    await field.fill('');
    await field.focus();
    await page.keyboard.type('bob');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const confirm = dialog.getByTestId('transfer-confirm');
    await visible(confirm);
    expect(await confirm.textContent()).toContain('bob is offered ownership of “Handed panel”');
    expect(await confirm.textContent()).toContain('you keep full access');
    await dialog.getByRole('button', { name: 'Offer ownership' }).press('Enter');
    await visible(dialog.getByTestId('transfer-offered'));
    expect(await dialog.getByTestId('transfer-offered').textContent()).toContain('Moves on acceptance: “Handed panel”');
    await page.keyboard.press('Escape');
    await eventually(async () => (await page.getByTestId('transfer-dialog').count()) === 0, 'the dialog to close');
    await visible(page.getByTestId('transfer-pending'));
    expect(await page.getByTestId('transfer-pending').textContent()).toContain('Transfer pending to bob');

    const his = await bob.manager();
    const offerRow = his.page.getByTestId('transfer-offer').filter({ hasText: 'Handed panel' });
    await visible(offerRow);
    await offerRow.getByRole('button', { name: 'Accept' }).click();
    await visible(his.row('Handed panel'));

    const after = await alice.manager(`exp=${id}`);
    await eventually(async () => (await after.page.getByTestId('experiment-view').textContent())?.includes('Owner: bob.') ?? false, 'alice to see bob as owner');
    expect(await after.page.getByRole('button', { name: 'Transfer ownership…' }).count()).toBe(0);
  });

  it('with linked experiments, "Move the linked experiments I own too" moves alice’s and lists carol’s as staying', async () => {
    const [parent, child] = [randomUUID(), randomUUID()];
    for (const [experimentId, name] of [[parent, 'Family head'], [child, 'Family child']] as const) {
      expect(await server.intent(aliceToken, { type: 'create', experimentId, name })).toMatchObject({ ok: true });
    }
    expect(await server.intent(aliceToken, { type: 'link', experimentId: child, parentId: parent })).toMatchObject({ ok: true });
    expect((await server.intent(aliceToken, { type: 'share', experimentId: child, user: 'carol' })).ok).toBe(true);
    const carolToken = await server.login('carol');
    const carols = { id: randomUUID() };
    expect((await server.intent(carolToken, { type: 'create', experimentId: carols.id, name: 'Carol analysis' })).ok).toBe(true);
    expect((await server.intent(carolToken, { type: 'link', experimentId: carols.id, parentId: child })).ok).toBe(true);

    const view = await alice.manager(`exp=${parent}`);
    const page = view.page;
    await page.getByRole('button', { name: 'Transfer ownership…' }).click();
    const dialog = page.getByTestId('transfer-dialog');
    const family = dialog.getByRole('checkbox', { name: 'Move the linked experiments I own too' });
    await visible(family);
    await dialog.getByRole('combobox', { name: 'New owner (username or email)' }).fill('bob');
    await dialog.getByRole('checkbox', { name: 'I leave the experiment' }).check();
    await family.check();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Continue…' }).click();
    const confirm = dialog.getByTestId('transfer-confirm');
    await visible(confirm);
    expect(await confirm.textContent()).toContain('and the linked experiments you own');
    expect(await confirm.textContent()).toContain('you no longer have access');
    await dialog.getByRole('button', { name: 'Offer ownership' }).click();
    const offered = dialog.getByTestId('transfer-offered');
    await visible(offered);
    expect(await offered.textContent()).toContain('Moves on acceptance: “Family head”, “Family child”');
    expect(await dialog.getByRole('list', { name: 'Linked experiments that stay' }).textContent()).toContain('stays with carol (not yours to give)');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await visible(page.getByTestId('transfer-pending'));
    expect(await page.getByTestId('transfer-pending').textContent()).toContain('(you leave on acceptance)');
  });
});
