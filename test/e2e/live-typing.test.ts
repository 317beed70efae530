import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.ts';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { askWorker } from './support/session.ts';
import { withExtensionSession } from './support/extension-session.ts';

/**
 * Typing while a collaborator changes the same field (issue 12): alice has half a value in a
 * field, bob commits another one there. Alice keeps her focus and her text, her next keystrokes
 * land, she is told the value changed underneath, bob's value stays stored until she decides,
 * and "Keep mine" makes hers the value both see. For a tag cell, the name and a gate's name.
 */
type View = { name: string; tags: Array<{ file: string; dimension: string; value: string }>; gates: Array<{ id: string; name: string }> };

describe('typing while someone else edits the same field', () => {
  const session = withExtensionSession({ accounts: ['alice', 'bob'], connections: [['alice', 'bob']], browsers: ['alice', 'bob'] });
  let mine: ManagerPage;
  let theirs: ManagerPage;
  let id: string;

  beforeAll(async () => {
    mine = await session.alice.manager();
    id = await mine.create('Live typing study');
    await mine.addAxes('donor1.fcs', 'Donor');
    await mine.setTag('donor1.fcs', 'Donor', 'D-001');
    const addGate = mine.page.getByRole('form', { name: 'Add a gate' });
    await addGate.getByLabel('Gate name').fill('Lymphocytes');
    await addGate.getByRole('button', { name: 'Add gate' }).click();
    const dialog = await mine.openSharing('Live typing study');
    await dialog.shareWith('bob');
    await eventually(async () => (await dialog.accessRow('bob').textContent())?.includes('Full access') ?? false, 'the share to be accepted');
    await dialog.close();
    theirs = await session.bob.manager(`exp=${id}`);
    await eventually(async () => (await theirs.tagValue('donor1.fcs', 'Donor')) === 'D-001', 'bob to see the tag');
    await eventually(async () => (await gateName(theirs.page).count()) === 1, 'bob to see the gate');
  });

  const gateName = (page: Page) => page.getByRole('list', { name: 'Gates' }).getByLabel('Name of gate 1', { exact: true });
  const experimentName = (page: Page) => page.getByTestId('experiment-view').getByLabel('Experiment name', { exact: true });
  const focused = (field: Locator) => field.evaluate((el) => el === document.activeElement);
  const stored = async (page: Page) => ((await askWorker(page, { type: 'show', id })) as { value: View }).value;

  /**
   * The whole story for one field: `read` says what a view's stored copy holds for it, `commit`
   * is bob's ordinary edit, `label` names alice's notice buttons.
   */
  async function typingWhileBobCommits(field: { mine: Locator; theirs: Locator; label: string; read: (view: View) => string | undefined; keyboard?: boolean }): Promise<void> {
    const before = field.read(await stored(mine.page));
    await field.mine.click();
    await mine.page.keyboard.press('Control+A');
    await mine.page.keyboard.type('alice half');

    await field.theirs.fill('bob whole');
    await field.theirs.press('Enter');
    await eventually(async () => field.read(await stored(mine.page)) === 'bob whole', "bob's value to reach alice's copy");

    const notice = mine.page.getByTestId('draft-conflict');
    await visible(notice);
    expect(await notice.textContent()).toContain('bob whole');
    expect(await focused(field.mine), 'alice keeps the focus').toBe(true);
    expect(await field.mine.inputValue(), 'alice keeps her text').toBe('alice half');

    // Her next keystrokes land where she was typing.
    await mine.page.keyboard.type(' and more');
    expect(await field.mine.inputValue()).toBe('alice half and more');
    expect(await focused(field.mine)).toBe(true);

    // Enter with the change pending asks instead of writing: bob's value stays the stored one.
    await mine.page.keyboard.press('Enter');
    await visible(mine.page.getByRole('alert').filter({ hasText: 'Changed by someone else' }));
    expect(field.read(await stored(mine.page))).toBe('bob whole');
    expect(field.read(await stored(theirs.page))).toBe('bob whole');
    expect(await field.mine.inputValue()).toBe('alice half and more');
    expect(before).not.toBe('bob whole');

    const keepMine = mine.page.getByRole('button', { name: `Keep mine: ${field.label}` });
    if (field.keyboard) {
      // The notice's buttons come right after the field in the tab order.
      await mine.page.keyboard.press('Tab');
      expect(await focused(keepMine)).toBe(true);
      await mine.page.keyboard.press('Enter');
    } else {
      expect(await seriousViolations(mine.page)).toEqual([]);
      await keepMine.click();
    }
    await eventually(async () => field.read(await stored(theirs.page)) === 'alice half and more', "alice's value stored on bob's side");
    await eventually(async () => (await field.theirs.inputValue()) === 'alice half and more', "bob's field to show alice's value");
    expect(await field.mine.inputValue()).toBe('alice half and more');
    expect(field.read(await stored(mine.page))).toBe('alice half and more');
    expect(await notice.count()).toBe(0);
  }

  it('a sample-tag cell: no text lost, no focus lost, Keep mine wins for both', async () => {
    const read = (view: View) => view.tags.find((t) => t.file === 'donor1.fcs' && t.dimension === 'Donor')?.value;
    await typingWhileBobCommits({ mine: mine.tagCell('donor1.fcs', 'Donor'), theirs: theirs.tagCell('donor1.fcs', 'Donor'), label: 'Donor of donor1.fcs', read });
  });

  it("the experiment's name", async () => {
    await typingWhileBobCommits({ mine: experimentName(mine.page), theirs: experimentName(theirs.page), label: 'Experiment name', read: (view) => view.name });
  });

  it("a gate's name", async () => {
    await typingWhileBobCommits({ mine: gateName(mine.page), theirs: gateName(theirs.page), label: 'Name of gate 1', read: (view) => view.gates[0]?.name, keyboard: true });
  });

  it('Escape drops the draft and shows their value', async () => {
    const cell = mine.tagCell('donor1.fcs', 'Donor');
    await cell.click();
    await mine.page.keyboard.press('Control+A');
    await mine.page.keyboard.type('thrown away');
    await theirs.setTag('donor1.fcs', 'Donor', 'bob again');
    await visible(mine.page.getByTestId('draft-conflict'));
    await mine.page.keyboard.press('Escape');
    expect(await cell.inputValue()).toBe('bob again');
    expect(await focused(cell)).toBe(true);
    expect(await mine.page.getByTestId('draft-conflict').count()).toBe(0);
  });
});
