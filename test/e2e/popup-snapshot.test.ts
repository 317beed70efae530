import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLOW_LOAD_KEY } from '../../extension/background/test-hooks.ts';
import { POPUP_SNAPSHOT_KEY } from '../../extension/ui/popup-prefetch-keys.ts';
import { launchExtension } from './support/browser.ts';
import { eventually, PopupPage, visible } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * The popup draws its list from what the worker last knew (popup-snapshot.ts) while the
 * worker is still starting, and that list follows changes: a new experiment, a share, and an
 * experiment whose access was taken away, which is never drawn again once the worker knows.
 * After a browser start it draws the copy the worker kept on disk.
 */
const SLOW_LOAD_MS = 5_000;
const LONG_MS = 30_000;

/** Every row name a page ever draws, whatever replaces it a moment later. */
const RECORD_DRAWN = `
  globalThis.__drawn = new Set();
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('[data-testid="experiment-row"] .name')) globalThis.__drawn.add(el.textContent);
  }).observe(document, { childList: true, subtree: true, characterData: true });
`;
const drawn = (page: Page) => page.evaluate(() => [...(globalThis as unknown as { __drawn: Set<string> }).__drawn]);
/** A row's text also holds its icons' words ("Shared with others"). */
const shows = (names: string[], name: string) => names.some((shown) => shown.startsWith(name));

type Storage = { local: { set(x: unknown): Promise<void>; remove(k: string): Promise<void> }; session: { get(k: string): Promise<Record<string, unknown>> } };
type WithStorage = { chrome: { storage: Storage } };

describe("the popup's list while the worker starts", () => {
  let server: TestServer;
  let alice: Person;
  let bob: Person;
  let helper: Page;

  /** Waits until the worker's copy for the popup holds (or lacks) a name: the popup can then be opened with the worker stopped. */
  async function workerKept(name: string, kept: boolean): Promise<void> {
    await eventually(async () => {
      const text = JSON.stringify(await helper.evaluate((key) => (globalThis as unknown as WithStorage).chrome.storage.session.get(key), POPUP_SNAPSHOT_KEY));
      return text.includes('"account"') && text.includes(`"${name}"`) === kept;
    }, `the worker to keep ${name} ${kept ? 'in' : 'out of'} its list`);
  }

  /** Opens the popup just after the worker was stopped, with its next start slowed down. */
  async function popupWhileWorkerStarts(): Promise<PopupPage> {
    await helper.evaluate(([key, ms]) => (globalThis as unknown as WithStorage).chrome.storage.local.set({ [key]: ms }), [SLOW_LOAD_KEY, SLOW_LOAD_MS] as const);
    const cdp = await alice.browser.context.newCDPSession(helper);
    const stopped = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the worker did not stop')), 10_000);
      cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        if (!versions.some((v) => v.runningStatus === 'stopped')) return;
        clearTimeout(timer);
        resolve();
      });
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await stopped;
    await cdp.detach();
    return alice.popup();
  }

  /** The worker's own status replaces the snapshot's "Checking…"; its next start is not slowed. */
  async function workerAnswered(popup: PopupPage): Promise<void> {
    await eventually(async () => (await popup.status().textContent())?.includes('Online') ?? false, 'the worker to answer', LONG_MS);
    await helper.evaluate((key) => (globalThis as unknown as WithStorage).chrome.storage.local.remove(key), SLOW_LOAD_KEY);
  }

  beforeAll(async () => {
    server = await startTestServer({ mode: 'enterprise' });
    await server.addUser('alice');
    await server.addUser('bob');
    alice = await signedInPerson(server, 'alice');
    bob = await signedInPerson(server, 'bob');
    await alice.browser.context.addInitScript({ content: RECORD_DRAWN });
    helper = await alice.browser.open('settings.html');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await bob?.browser.dispose();
    await server?.dispose();
  });

  it('lists what the worker last knew before the worker answers, then the worker takes over', async () => {
    const manager = await alice.manager();
    await manager.create('Snapshot study one');
    await manager.create('Snapshot study two');
    await workerKept('Snapshot study two', true);

    const popup = await popupWhileWorkerStarts();
    await visible(popup.row('Snapshot study two', popup.experiments()));
    expect(await popup.names()).toEqual(['Snapshot study two', 'Snapshot study one']);
    // Drawn while the worker has not said anything yet.
    expect(await popup.status().textContent()).toContain('Checking');
    await workerAnswered(popup);
    expect(await popup.names()).toEqual(['Snapshot study two', 'Snapshot study one']);
    await popup.page.close();
  });

  it('follows a share, and never draws an experiment again once the worker knows its access was removed', async () => {
    const his = await bob.manager();
    await his.create('Bob shared panel');
    const dialog = await his.openSharing('Bob shared panel');
    await dialog.shareWith('alice');
    await eventually(async () => (await dialog.accessRow('alice').textContent())?.includes('Full access') ?? false, 'the share to be accepted');
    await workerKept('Bob shared panel', true);

    const shared = await popupWhileWorkerStarts();
    await visible(shared.row('Bob shared panel', shared.inbox()));
    expect(shows(await shared.names(), 'Bob shared panel')).toBe(true);
    expect(await shared.status().textContent()).toContain('Checking');
    await workerAnswered(shared);

    await dialog.remove('alice');
    await eventually(async () => !shows(await shared.names(), 'Bob shared panel'), "alice's worker to learn of the removal", LONG_MS);
    // From the moment the worker knows, no popup draws it, not even for a moment.
    const next = await alice.popup();
    await visible(next.row('Snapshot study one', next.experiments()));
    await workerKept('Bob shared panel', false);
    const cold = await popupWhileWorkerStarts();
    await visible(cold.row('Snapshot study one', cold.experiments()));
    expect(await cold.status().textContent()).toContain('Checking');
    await workerAnswered(cold);
    for (const page of [next.page, cold.page]) expect(shows(await drawn(page), 'Bob shared panel')).toBe(false);
    expect(shows(await drawn(shared.page), 'Bob shared panel')).toBe(true);
    expect(shows(await drawn(cold.page), 'Snapshot study two')).toBe(true);
  });

  it('after a browser start, lists what the worker knew when the browser closed, before the worker answers', async () => {
    await workerKept('Snapshot study one', true);
    await helper.evaluate(([key, ms]) => (globalThis as unknown as WithStorage).chrome.storage.local.set({ [key]: ms }), [SLOW_LOAD_KEY, SLOW_LOAD_MS] as const);
    await alice.browser.close();
    const restarted = await launchExtension({ profileDir: alice.browser.profileDir });
    try {
      const popup = new PopupPage(await restarted.open('popup.html'));
      await visible(popup.row('Snapshot study one', popup.experiments()));
      expect(await popup.status().textContent()).toContain('Checking');
      await eventually(async () => (await popup.status().textContent())?.includes('Online') ?? false, 'the worker to answer', LONG_MS);
      await visible(popup.row('Snapshot study one', popup.experiments()));
    } finally {
      await restarted.close();
    }
  });
});
