import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { writeFcs } from '../../../shared/fcs/index.ts';

/**
 * Page objects: tests say what a person does ("share with bob"), these say where to click.
 * Every lookup goes by role and accessible name, so a test also proves the control is labelled.
 */
export const WAIT_MS = 15_000;

/** Polls `probe` until it returns true or `timeoutMs` passes; never waits unbounded. */
export async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function visible(locator: Locator, timeoutMs = WAIT_MS): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
}

export class SignInForm {
  constructor(readonly page: Page) {}
  async signIn(server: string, username: string, password: string): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Server').fill(server);
    await form.getByLabel('Username').fill(username);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await visible(this.page.getByRole('button', { name: 'Sign out' }));
  }
}

export class SharingDialogPage {
  readonly root: Locator;
  constructor(readonly page: Page) {
    this.root = page.getByRole('dialog');
  }
  async shareWith(user: string): Promise<void> {
    await this.root.getByLabel('Share with (username or email)').fill(user);
    await this.root.getByRole('button', { name: 'Share', exact: true }).click();
  }
  async remove(user: string): Promise<void> {
    await this.root.getByRole('button', { name: `Remove ${user}` }).click();
  }
  accessRow(user: string): Locator {
    return this.root.getByTestId(`access-${user}`);
  }
  /** Making public asks first (what public means); this confirms. */
  async togglePublic(): Promise<void> {
    const toggle = this.root.getByRole('button', { name: /^Make (public…|private)$/ });
    const makingPublic = (await toggle.textContent())?.startsWith('Make public') ?? false;
    await toggle.click();
    if (makingPublic) await this.root.getByTestId('public-confirm').getByRole('button', { name: 'Make public', exact: true }).click();
  }
  async close(): Promise<void> {
    await this.root.getByRole('button', { name: 'Close sharing dialog' }).click();
    await this.root.waitFor({ state: 'hidden', timeout: WAIT_MS });
  }
}

export class PopupPage extends SignInForm {
  inbox(): Locator {
    return this.page.getByRole('listbox', { name: 'New shares' });
  }
  experiments(): Locator {
    return this.page.getByRole('listbox', { name: 'Experiments' });
  }
  /** A row of the popup's lists (Inbox or Experiments) showing `name`. */
  row(name: string, list: Locator = this.page.locator('body')): Locator {
    return list.getByTestId('experiment-row').filter({ hasText: name }).first();
  }
  /** The name of each row the Experiments list shows, in order. */
  async names(): Promise<string[]> {
    return this.experiments().locator('[data-testid="experiment-row"] .name').allTextContents();
  }
  status(): Locator {
    return this.page.getByTestId('status');
  }
  rejected(): Locator {
    return this.page.getByTestId('rejected-draft');
  }
  async search(text: string): Promise<void> {
    await this.page.getByLabel('Search experiments').fill(text);
  }
  /** A row's Sharing action (by keyboard: the row active in its list, then S). */
  async openSharing(name: string): Promise<SharingDialogPage> {
    await this.row(name).locator('[data-action="s"]').click();
    const dialog = new SharingDialogPage(this.page);
    await visible(dialog.root);
    return dialog;
  }
  async markViewed(name: string): Promise<void> {
    await this.row(name, this.inbox()).locator('[data-action="v"]').click();
  }
}

export class ManagerPage extends SignInForm {
  async filter(label: 'All' | 'Mine' | 'Shared with me' | 'Public' | 'Curated' | 'Trash'): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Filters' }).getByRole('button', { name: label, exact: true }).click();
  }
  async create(name: string): Promise<string> {
    await this.page.getByLabel('New experiment').fill(name);
    await this.page.getByRole('button', { name: 'Create', exact: true }).click();
    await eventually(async () => /exp=/.test(this.page.url()), 'the new experiment to open');
    return new URL(this.page.url()).hash.replace('#exp=', '');
  }
  row(name: string): Locator {
    return this.page.getByTestId('experiment-row').filter({ hasText: name });
  }
  async project(name: string): Promise<ProjectPage> {
    await this.page.getByRole('navigation', { name: 'Filters' }).getByRole('button', { name: `Project ${name}` }).click();
    const project = new ProjectPage(this.page);
    await visible(project.root);
    return project;
  }
  async createProject(name: string): Promise<ProjectPage> {
    await this.page.getByLabel('New project').fill(name);
    await this.page.getByRole('button', { name: 'Create project' }).click();
    const project = new ProjectPage(this.page);
    await visible(project.root);
    return project;
  }
  experiment(): ExperimentPanel {
    return new ExperimentPanel(this.page);
  }
  async open(name: string): Promise<void> {
    await this.row(name).getByRole('button', { name, exact: true }).click();
    await visible(this.page.getByTestId('experiment-view'));
  }
  async openSharing(name: string): Promise<SharingDialogPage> {
    await this.page.getByRole('button', { name: `Sharing: ${name}` }).first().click();
    const dialog = new SharingDialogPage(this.page);
    await visible(dialog.root);
    return dialog;
  }
  /**
   * A tag row is a file of the experiment: uploads a small FCS file named `file` (channels
   * FSC-A and SSC-A) unless the experiment has it, then adds the dimension column.
   */
  async addAxes(file: string, dimension: string): Promise<void> {
    const files = this.page.getByTestId('files');
    if ((await files.getByTestId('file-row').filter({ hasText: file }).count()) === 0) {
      const bytes = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array([1, 2, 3, 4]), dataType: 'F' });
      await files.getByLabel('Upload an FCS file (or drop it here)').setInputFiles({ name: file, mimeType: 'application/vnd.isac.fcs', buffer: Buffer.from(bytes) });
      await visible(files.getByTestId('file-row').filter({ hasText: file }));
    }
    await this.page.getByLabel('Add dimension').fill(dimension);
    await this.page.getByLabel('Add dimension').press('Enter');
  }
  tagCell(file: string, dimension: string): Locator {
    return this.page.getByTestId('tags-table').getByLabel(`${dimension} of ${file}`, { exact: true });
  }
  async setTag(file: string, dimension: string, value: string): Promise<void> {
    const cell = this.tagCell(file, dimension);
    await cell.fill(value);
    await cell.press('Enter');
    await cell.blur();
  }
  async tagValue(file: string, dimension: string): Promise<string> {
    const cell = this.tagCell(file, dimension);
    const tag = await cell.evaluate((el) => el.tagName);
    return tag === 'INPUT' ? cell.inputValue() : ((await cell.textContent()) ?? '');
  }
}

export class ProjectPage {
  readonly root: Locator;
  constructor(readonly page: Page) {
    this.root = page.getByTestId('project-view');
  }
  member(user: string): Locator {
    return this.root.getByTestId(`member-${user}`);
  }
  async addMember(user: string, role: 'Manager' | 'Leader' | 'Member'): Promise<void> {
    const form = this.root.getByRole('form', { name: 'Add a person to the project' });
    await form.getByLabel('Add a person (username or email)').fill(user);
    await form.getByLabel('As').selectOption({ label: role });
    await form.getByRole('button', { name: 'Add person' }).click();
  }
  async restrict(cloning: 'Disabled (no download, no clone)' | 'Files only' | 'Full', illustrations: 'View only' | 'Create' = 'View only'): Promise<void> {
    const form = this.root.getByRole('form', { name: 'Member access' });
    await form.getByLabel('Restricted (no editing)').check();
    await form.getByLabel('Illustrations').selectOption({ label: illustrations });
    await form.getByLabel('Cloning and download').selectOption({ label: cloning });
    await form.getByRole('button', { name: 'Save member access' }).click();
  }
  async addExperiment(name: string): Promise<void> {
    const form = this.root.getByRole('form', { name: 'Add an experiment to the project' });
    await eventually(async () => (await form.getByRole('option', { name }).count()) === 1, `${name} to be offered`);
    await form.getByLabel('Add an experiment').selectOption({ label: name });
    await form.getByRole('button', { name: 'Add to project' }).click();
  }
}

/** The selected experiment's files section. */
export class FilesPage {
  readonly root: Locator;
  constructor(readonly page: Page) {
    this.root = page.getByTestId('files');
  }
  async upload(path: string): Promise<void> {
    await this.root.getByLabel('Upload an FCS file (or drop it here)').setInputFiles(path);
  }
  progress(): Locator {
    return this.root.getByRole('progressbar');
  }
  row(name: string): Locator {
    return this.root.getByTestId('file-row').filter({ hasText: name });
  }
  download(name: string): Locator {
    return this.root.getByRole('button', { name: `Download ${name}` });
  }
  refusal(): Locator {
    return this.root.getByTestId('upload-refusal');
  }
}

export class ExperimentPanel {
  constructor(readonly page: Page) {}
  get view(): Locator {
    return this.page.getByTestId('experiment-view');
  }
  files(): FilesPage {
    return new FilesPage(this.page);
  }
  button(name: string | RegExp): Locator {
    return this.view.getByRole('button', { name, exact: typeof name === 'string' });
  }
}

export { expect };
