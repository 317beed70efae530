import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('sharing between two people, through the UI', () => {
  let server: TestServer;
  let alice: Person;
  let bob: Person;

  beforeAll(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    await server.addUser('bob');
    alice = await signedInPerson(server, 'alice');
    bob = await signedInPerson(server, 'bob');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await bob?.browser.dispose();
    await server?.dispose();
  });

  it('alice shares an experiment with bob, who finds it in his popup Inbox', async () => {
    const manager = await alice.manager();
    await manager.create('CD8 T-cell panel');
    await visible(manager.row('CD8 T-cell panel'));
    const dialog = await manager.openSharing('CD8 T-cell panel');
    await dialog.shareWith('bob');
    await visible(dialog.accessRow('bob'));
    await eventually(async () => (await dialog.accessRow('bob').textContent())?.includes('Full access') ?? false, 'the share to be accepted');

    const popup = await bob.popup();
    await eventually(async () => (await popup.inbox().textContent())?.includes('CD8 T-cell panel') ?? false, "the share in bob's Inbox");
    await popup.markViewed('CD8 T-cell panel');
    await eventually(async () => (await popup.inbox().count()) === 0, 'the Inbox to empty');
    expect(await popup.experiments().textContent()).toContain('CD8 T-cell panel');
  });
});
