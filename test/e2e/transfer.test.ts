import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * Transfers of ownership in the built extension (issue 14 item 6), two browser profiles against
 * the real server: bob's Inbox shows alice's offer with Accept and Decline, and the experiment
 * joins his list only once he accepts; alice's Experiment Manager shows her offer waiting, with
 * Cancel. Offers are made over the HTTP API, as `cytoshare transfer` makes them.
 */
describe('transfers in the Experiment Manager', () => {
  let server: TestServer;
  let alice: Person;
  let bob: Person;
  let aliceToken: string;

  beforeAll(async () => {
    server = await startTestServer({ mode: 'enterprise' });
    for (const name of ['alice', 'bob']) await server.addUser(name);
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
});
