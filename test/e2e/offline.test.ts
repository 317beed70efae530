import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { startRelay, type Relay } from './support/proxy.ts';
import { askWorker, signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const LONG_MS = 45_000;

describe('offline drafts, through the UI', () => {
  let server: TestServer;
  let relay: Relay;
  const people: Person[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    relay = await startRelay(server.port);
    for (const name of ['alice', 'bob', 'carol']) await server.addUser(name);
    await server.connect('alice', 'bob');
    await server.connect('alice', 'carol');
  });
  afterAll(async () => {
    for (const person of people) await person.browser.dispose();
    await relay?.close();
    await server?.dispose();
  });

  it('a share made offline survives a browser restart and is accepted when the server is back', async () => {
    let alice = await signedInPerson(server, 'alice');
    people.push(alice);
    const profileDir = alice.browser.profileDir;
    let manager = await alice.manager();
    await manager.create('Offline share');
    await eventually(async () => (await manager.page.getByTestId('pending-count').count()) === 0, 'the create to be accepted');

    await server.stop();
    await eventually(async () => (await manager.page.getByTestId('status').textContent())?.includes('Offline') ?? false, 'the manager to show Offline');
    const dialog = await manager.openSharing('Offline share');
    await dialog.shareWith('carol');
    await visible(dialog.accessRow('carol'));
    expect(await dialog.accessRow('carol').textContent()).toContain('pending');
    await dialog.close();
    expect(await manager.page.getByTestId('pending-count').textContent()).toContain('1 change waiting to sync');

    await alice.browser.close();
    alice = await signedInPerson(server, 'alice', { profileDir });
    people.push(alice);
    manager = await alice.manager();
    await eventually(async () => (await manager.page.getByTestId('pending-count').textContent())?.includes('1 change') ?? false, 'the draft to be still pending after the restart');

    await server.start();
    await eventually(async () => (await manager.page.getByTestId('pending-count').count()) === 0, 'the draft to be accepted', LONG_MS);
    const after = await manager.openSharing('Offline share');
    await eventually(async () => (await after.accessRow('carol').textContent())?.includes('Full access') ?? false, 'carol to have full access');

    const carol = await signedInPerson(server, 'carol');
    people.push(carol);
    const popup = await carol.popup();
    await eventually(async () => (await popup.inbox().textContent())?.includes('Offline share') ?? false, "the share in carol's Inbox");
  }, 90_000);

  it("bob's offline edit comes back rejected after alice removed his access, and his copy is gone", async () => {
    const alice = await signedInPerson(server, 'alice');
    const bob = await signedInPerson(server, 'bob', { via: relay.url });
    people.push(alice, bob);
    const mine = await alice.manager();
    const id = await mine.create('Revoked study');
    await mine.addAxes('r1.fcs', 'Stim');
    await mine.setTag('r1.fcs', 'Stim', 'none');
    const dialog = await mine.openSharing('Revoked study');
    await dialog.shareWith('bob');
    await eventually(async () => (await dialog.accessRow('bob').textContent())?.includes('Full access') ?? false, 'the share to be accepted');
    await dialog.close();

    const theirs = await bob.manager(`exp=${id}`);
    await eventually(async () => (await theirs.tagValue('r1.fcs', 'Stim')) === 'none', 'bob to see the tag');
    relay.down();
    await eventually(async () => (await theirs.page.getByTestId('status').textContent())?.includes('Offline') ?? false, "bob's manager to show Offline", LONG_MS);
    await theirs.setTag('r1.fcs', 'Stim', 'PMA');
    await eventually(async () => (await theirs.page.getByTestId('pending-count').count()) === 1, "bob's edit to wait as a draft");

    const token = await server.login('alice');
    expect(await server.intent(token, { type: 'unshare', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });

    relay.up();
    const popup = await bob.popup();
    await visible(popup.rejected(), LONG_MS);
    expect(await popup.rejected().first().textContent()).toMatch(/do not have access|access to this experiment was removed/);
    await eventually(async () => (await popup.page.getByTestId('experiment-row').filter({ hasText: 'Revoked study' }).count()) === 0, "the experiment to leave bob's list");
    await eventually(async () => ((await askWorker(popup.page, { type: 'show', id })) as { ok: boolean }).ok === false, "bob's copy to be gone");
    await popup.page.getByRole('button', { name: /^Dismiss: / }).first().click();
    await eventually(async () => (await popup.rejected().count()) === 0, 'the rejected draft to be dismissed');
  }, 90_000);
});
