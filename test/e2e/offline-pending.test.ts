import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeCode, ErrorCode } from '../../shared/codes.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import { cli } from '../integration/cli-helpers.ts';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { askWorker, signedInPerson, type Person } from './support/session.ts';
import { PASSWORD, startTestServer, type TestServer } from './support/server.ts';

/**
 * Offline changes shown where they apply and in the list opened from "N changes waiting":
 * a rename (manager list, popup, name field), kept FCS uploads (files section), a refused share.
 * Each survives closing and reopening the browser with the server down, and settles when it is
 * back. The server is stopped and started on the same port, as in offline.test.ts.
 */
const LONG_MS = 45_000;
const RENAMED_MARK = 'New name waiting to sync';

const statusOf = (page: Page) => page.getByTestId('status');
const pendingList = (page: Page) => page.getByTestId('pending-list');

async function offline(page: Page): Promise<void> {
  await eventually(async () => (await statusOf(page).textContent())?.includes('Offline') ?? false, 'the page to show Offline', LONG_MS);
}

/** Opens the list of changes not yet accepted from the status line. */
async function openPendingList(page: Page): Promise<Locator> {
  await page.getByTestId('status').getByRole('button', { name: /waiting to sync|not accepted/ }).click();
  await visible(pendingList(page));
  return pendingList(page);
}

function entry(page: Page, what: string): Locator {
  return pendingList(page).getByTestId('pending-entry').filter({ hasText: what });
}

/** Creates an experiment and waits until the server has it and its document is on this device. */
async function createOnline(manager: ManagerPage, name: string): Promise<string> {
  const id = await manager.create(name);
  await eventually(async () => (await manager.page.getByTestId('pending-count').count()) === 0, 'the create to be accepted');
  await eventually(async () => ((await askWorker(manager.page, { type: 'refresh', id })) as { ok: boolean }).ok, 'the document to arrive');
  return id;
}

async function rename(manager: ManagerPage, name: string): Promise<void> {
  const field = manager.page.getByTestId('experiment-view').getByLabel('Experiment name');
  await field.fill(name);
  await field.press('Enter');
}

const fcs = (name: string) => ({
  name, mimeType: 'application/vnd.isac.fcs',
  buffer: Buffer.from(writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array([1, 2, 3, 4, 5, 6]), dataType: 'F' })),
});
const notFcs = (name: string) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from('this is not an FCS file at all, just text'.repeat(4)) });

describe('offline changes, shown pending', () => {
  let server: TestServer;
  const people: Person[] = [];

  beforeAll(async () => {
    // Enterprise: anyone may be shared with, so a share to a made-up name is left to the server.
    server = await startTestServer({ mode: 'enterprise' });
    await server.addUser('alice');
  });
  // A test that failed with the server stopped must not take the next one down with it.
  beforeEach(async () => {
    await server.start();
  });
  afterAll(async () => {
    for (const person of people) await person.browser.dispose();
    await server?.dispose();
  });

  async function reopen(person: Person, hash: string): Promise<{ person: Person; manager: ManagerPage }> {
    const profileDir = person.browser.profileDir;
    await person.browser.close();
    const again = await signedInPerson(server, person.name, { profileDir });
    people.push(again);
    return { person: again, manager: await again.manager(hash) };
  }

  it('a rename made offline is shown pending in the manager, the popup and the pending list, across a restart, until the server takes it', async () => {
    let alice = await signedInPerson(server, 'alice');
    people.push(alice);
    let manager = await alice.manager();
    const id = await createOnline(manager, 'Before the trip');

    await server.stop();
    await offline(manager.page);
    await rename(manager, 'Renamed on the train');
    const row = () => manager.row('Renamed on the train');
    await visible(row().getByRole('img', { name: RENAMED_MARK }));
    expect(await manager.row('Before the trip').count()).toBe(0);
    await visible(manager.page.getByTestId('experiment-view').getByRole('img', { name: RENAMED_MARK }));
    expect(await manager.page.getByTestId('pending-count').textContent()).toContain('1 change waiting to sync');
    await openPendingList(manager.page);
    expect(await entry(manager.page, 'rename to "Renamed on the train"').getAttribute('data-state')).toBe('waiting');
    expect(await entry(manager.page, 'rename to').textContent()).toContain('waiting');

    const popup = await alice.popup();
    await visible(popup.experiments().getByTestId('experiment-row').filter({ hasText: 'Renamed on the train' }).getByRole('img', { name: RENAMED_MARK }));
    await openPendingList(popup.page);
    await visible(entry(popup.page, 'rename to "Renamed on the train"'));

    ({ person: alice, manager } = await reopen(alice, `exp=${id}`));
    await visible(manager.row('Renamed on the train').getByRole('img', { name: RENAMED_MARK }), LONG_MS);
    await visible(manager.page.getByTestId('experiment-view').getByRole('img', { name: RENAMED_MARK }));
    await openPendingList(manager.page);
    await visible(entry(manager.page, 'rename to "Renamed on the train"'));
    const popupAgain = await alice.popup();
    await visible(popupAgain.experiments().getByTestId('experiment-row').filter({ hasText: 'Renamed on the train' }).getByRole('img', { name: RENAMED_MARK }));

    await server.start();
    await eventually(async () => (await manager.page.getByTestId('pending-count').count()) === 0, 'the rename to be accepted', LONG_MS);
    await eventually(async () => (await row().count()) === 1 && (await row().getByTestId('pending-mark').count()) === 0, 'the row to lose its mark');
    expect(await manager.page.getByTestId('experiment-view').getByTestId('pending-mark').count()).toBe(0);
    expect(await entry(manager.page, 'rename to').count()).toBe(0);
    const popupRow = popupAgain.experiments().getByTestId('experiment-row').filter({ hasText: 'Renamed on the train' });
    await eventually(async () => (await popupRow.count()) === 1 && (await popupRow.getByTestId('pending-mark').count()) === 0, "the popup's row to lose its mark");
    // The server has the new name: a fresh look from another browser lists it.
    const fresh = await signedInPerson(server, 'alice');
    people.push(fresh);
    const elsewhere = await fresh.popup();
    await visible(elsewhere.experiments().getByTestId('experiment-row').filter({ hasText: 'Renamed on the train' }), LONG_MS);
  }, 180_000);

  it('FCS files chosen offline are kept, survive a restart, and upload with progress when the server is back; a refused one says why and can be discarded', async () => {
    let alice = await signedInPerson(server, 'alice');
    people.push(alice);
    let manager = await alice.manager();
    const id = await createOnline(manager, 'Files on the road');

    await server.stop();
    await offline(manager.page);
    const files = () => manager.experiment().files();
    const kept = (name: string) => files().root.getByTestId('kept-upload').filter({ hasText: name });
    await files().root.getByLabel('Upload an FCS file (or drop it here)').setInputFiles(fcs('late.fcs'));
    await visible(kept('late.fcs'));
    expect(await files().root.getByTestId('upload-kept').textContent()).toContain('kept in this browser');
    await files().root.getByLabel('Upload an FCS file (or drop it here)').setInputFiles(notFcs('broken.fcs'));
    await visible(kept('broken.fcs'));
    expect(await kept('late.fcs').getAttribute('data-state')).toBe('waiting');
    expect(await manager.page.getByTestId('pending-count').textContent()).toContain('2 changes waiting to sync');
    expect(await files().row('late.fcs').count()).toBe(0);

    ({ person: alice, manager } = await reopen(alice, `exp=${id}`));
    await visible(kept('late.fcs'), LONG_MS);
    await visible(kept('broken.fcs'));
    await openPendingList(manager.page);
    expect(await entry(manager.page, 'upload late.fcs').getAttribute('data-state')).toBe('waiting');

    await server.start();
    await visible(files().root.getByTestId('upload-progress'), LONG_MS);
    await visible(files().row('late.fcs'), LONG_MS);
    await eventually(async () => (await kept('late.fcs').count()) === 0, 'the uploaded file to leave the waiting list');
    await eventually(async () => (await kept('broken.fcs').getAttribute('data-state')) === 'refused', 'the broken file to be refused', LONG_MS);
    expect(await kept('broken.fcs').textContent()).toContain(describeCode(ErrorCode.INVALID_FILE));
    // The pending list reads the outbox, not the kept files: it follows a moment later.
    await eventually(
      async () => ((await entry(manager.page, 'upload broken.fcs').textContent()) ?? '').includes(describeCode(ErrorCode.INVALID_FILE)),
      'the pending list to say why the broken file was refused',
    );
    await eventually(async () => (await entry(manager.page, 'upload late.fcs').count()) === 0, 'the uploaded file to leave the pending list');
    expect(await manager.page.getByTestId('pending-count').count()).toBe(0);

    await kept('broken.fcs').getByRole('button', { name: 'Discard broken.fcs' }).click();
    await eventually(async () => (await kept('broken.fcs').count()) === 0, 'the refused upload to be discarded');
    expect(await entry(manager.page, 'upload broken.fcs').count()).toBe(0);
  }, 180_000);

  it('a file kept offline is sent by the worker when the server is back with no manager open, once; reopening shows it uploaded', async () => {
    const alice = await signedInPerson(server, 'alice');
    people.push(alice);
    const manager = await alice.manager();
    const id = await createOnline(manager, 'Sent without me');

    await server.stop();
    await offline(manager.page);
    const files = () => manager.experiment().files();
    await files().root.getByLabel('Upload an FCS file (or drop it here)').setInputFiles(fcs('away.fcs'));
    await visible(files().root.getByTestId('kept-upload').filter({ hasText: 'away.fcs' }));
    await manager.page.close();
    // With no manager open, the popup's pending list counts it as waiting.
    const popup = await alice.popup();
    expect(await popup.page.getByTestId('pending-count').textContent()).toContain('1 change waiting to sync');
    await openPendingList(popup.page);
    expect(await entry(popup.page, 'upload away.fcs').getAttribute('data-state')).toBe('waiting');
    await popup.page.close();

    await server.start();
    // What the server holds, read by the CLI as another device would.
    const profile = await mkdtemp(join(tmpdir(), 'cytoshare-e2e-cli-'));
    const as = (args: string[], input?: string) => cli([...args, '--json', '--server', server.url, '--profile', profile], input);
    expect((await as(['login', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    const names = async () => ((await as(['exp', 'show', id])).json as { files?: { name: string }[] } | undefined)?.files?.map((f) => f.name) ?? [];
    await eventually(async () => (await names()).includes('away.fcs'), 'the kept file to reach the server', LONG_MS);

    const again = await alice.manager(`exp=${id}`);
    const reopened = again.experiment().files();
    await visible(reopened.row('away.fcs'), LONG_MS);
    expect(await reopened.root.getByTestId('kept-upload').count()).toBe(0);
    expect(await again.page.getByTestId('pending-count').count()).toBe(0);
    expect(await names()).toEqual(['away.fcs']);
  }, 180_000);

  it('a tag edited offline is marked in its cell until accepted; a share the server refuses shows the reason in the pending list', async () => {
    const alice = await signedInPerson(server, 'alice');
    people.push(alice);
    const manager = await alice.manager();
    await createOnline(manager, 'Shared later');
    await manager.addAxes('t.fcs', 'Donor');
    await visible(manager.tagCell('t.fcs', 'Donor'));
    const cellMark = manager.page.getByTestId('tags-table').getByRole('img', { name: 'Donor of t.fcs waiting to sync' });

    await server.stop();
    await offline(manager.page);
    await manager.setTag('t.fcs', 'Donor', 'D7');
    await visible(cellMark);
    const dialog = await manager.openSharing('Shared later');
    await dialog.shareWith('nobody-by-that-name');
    await visible(dialog.accessRow('nobody-by-that-name'));
    await dialog.close();
    await openPendingList(manager.page);
    expect(await entry(manager.page, 'tag t.fcs / Donor = D7').getAttribute('data-state')).toBe('waiting');
    expect(await entry(manager.page, 'share with nobody-by-that-name').getAttribute('data-state')).toBe('waiting');

    await server.start();
    await eventually(async () => (await entry(manager.page, 'share with nobody-by-that-name').getAttribute('data-state')) === 'refused', 'the share to be refused', LONG_MS);
    expect(await entry(manager.page, 'share with nobody-by-that-name').textContent()).toContain(describeCode(ErrorCode.UNKNOWN_USER));
    await eventually(async () => (await cellMark.count()) === 0, 'the tag to be accepted and lose its mark', LONG_MS);
    expect(await manager.tagValue('t.fcs', 'Donor')).toBe('D7');
    expect(await entry(manager.page, 'tag t.fcs').count()).toBe(0);
  }, 120_000);
});
