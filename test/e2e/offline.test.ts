import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { startRelay, type Relay } from './support/proxy.ts';
import { askWorker, signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { SLOW_LOAD_KEY } from '../../extension/background/test-hooks.ts';

const LONG_MS = 45_000;
/** Reopenings of the browser with the server down; the issue saw 2 failures in 7. */
const COLD_STARTS = 10;
/** How long the worker's documents wait before loading at each of those starts (a test hook). */
const SLOW_LOAD_MS = 4_000;
const UNREACHABLE = 'The server cannot be reached.';

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

describe('cold starts with the server down', () => {
  let server: TestServer;
  let alice: Person | null = null;

  beforeAll(async () => {
    server = await startTestServer();
    await server.addUser('alice');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await server?.dispose();
  });

  it('every reopening of the browser offline lists the local copies and says Offline, never that the server cannot be reached', async () => {
    alice = await signedInPerson(server, 'alice');
    const profileDir = alice.browser.profileDir;
    const manager = await alice.manager();
    const id = await manager.create('Cold start study');
    await eventually(async () => (await manager.page.getByTestId('pending-count').count()) === 0, 'the create to be accepted');
    // The race is between readers of one document while it loads from IndexedDB, a few ms on
    // this machine; the test hook holds the worker's first loads back so that the popup's and
    // the restored tabs' requests meet it at every cold start.
    await manager.page.evaluate(([key, ms]) => (globalThis as unknown as { chrome: { storage: { local: { set(x: unknown): Promise<void> } } } }).chrome.storage.local.set({ [key as string]: ms }), [SLOW_LOAD_KEY, SLOW_LOAD_MS]);
    await server.stop();
    await alice.browser.close();

    for (let start = 1; start <= COLD_STARTS; start++) {
      alice = await signedInPerson(server, 'alice', { profileDir });
      // The error may be replaced by the copy a moment later: every page remembers having shown it.
      await alice.browser.context.addInitScript(rememberUnreachable);
      // The popup and two manager tabs on the experiment (restored with the browser) ask the
      // worker at once, while its documents load.
      const [popup, ...restored] = await Promise.all([alice.popup(), alice.manager(`exp=${id}`), alice.manager(`exp=${id}`)]);
      const bodyOf = async (page: Page) => (await page.locator('body').textContent()) ?? '';
      // Wait for either outcome, then say which one came: the local copy, or the error.
      await eventually(async () => /Cold start study|No experiments yet|cannot be reached/.test(await bodyOf(popup.page)), `cold start ${start}: the popup's list`, LONG_MS);
      expect(await bodyOf(popup.page), `cold start ${start}: the popup`).not.toContain(UNREACHABLE);
      expect(await popup.experiments().textContent()).toContain('Cold start study');
      await eventually(async () => (await popup.status().textContent())?.includes('Offline') ?? false, `cold start ${start}: the Offline status`, LONG_MS);
      for (const [tab, manager] of restored.entries()) {
        const name = manager.page.getByTestId('experiment-view').getByLabel('Experiment name');
        await eventually(async () => (await bodyOf(manager.page)).includes(UNREACHABLE) || (await name.count()) === 1, `cold start ${start}: manager tab ${tab + 1} to load`, LONG_MS);
        expect(await bodyOf(manager.page), `cold start ${start}: manager tab ${tab + 1}`).not.toContain(UNREACHABLE);
        expect(await name.inputValue()).toBe('Cold start study');
      }
      for (const page of [popup.page, ...restored.map((m) => m.page)]) {
        expect(await page.evaluate(() => (globalThis as unknown as { sawUnreachable?: boolean }).sawUnreachable ?? false), `cold start ${start}: ${page.url()} never said the server cannot be reached`).toBe(false);
      }
      await alice.browser.close();
    }
  }, 300_000);
});

/** Runs in every page before its scripts: notes if the page ever shows the unreachable error. */
function rememberUnreachable(): void {
  const note = () => {
    if (document.body?.textContent?.includes('The server cannot be reached.')) (globalThis as unknown as { sawUnreachable?: boolean }).sawUnreachable = true;
  };
  new MutationObserver(note).observe(document, { subtree: true, childList: true, characterData: true });
}
