import type { JSHandle, Locator, Page } from 'playwright-core';
import { eventually, visible } from './pages.ts';

/**
 * Page objects for curation, clones, gate exports and drag-and-drop uploads in the Experiment
 * Manager. Like pages.ts, every control is found by role and accessible name where it has one.
 */

/** The id of the experiment the manager shows (the `#exp=ID` the page keeps in its URL). */
export function shownId(page: Page): string {
  return new URLSearchParams(new URL(page.url()).hash.slice(1)).get('exp') ?? '';
}

/** Waits until the manager shows another experiment than `before` (a clone or export opened it). */
export async function nextShown(page: Page, before: string): Promise<string> {
  await eventually(async () => shownId(page) !== '' && shownId(page) !== before, 'the new experiment to open');
  await visible(page.getByTestId('experiment-view'));
  return shownId(page);
}

/** A row of the manager's list by experiment id (two clones may share a name). */
export function rowById(page: Page, id: string): Locator {
  return page.locator(`[data-testid="experiment-row"][data-id="${id}"]`);
}

/** The rows grouped under a family head, as the list's "Linked to NAME" sub-list. */
export function linkedTo(page: Page, head: string): Locator {
  return page.getByRole('list', { name: `Linked to ${head}`, exact: true });
}

/** The staff's Curation queue, reached from the Filters navigation. */
export class CurationQueuePage {
  readonly root: Locator;
  constructor(readonly page: Page) {
    this.root = page.getByTestId('curation-queue');
  }
  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Filters' }).getByRole('button', { name: 'Curation queue', exact: true }).click();
    await visible(this.root);
  }
  /** Leaves the queue and comes back, so it is read from the server again. */
  async reload(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Filters' }).getByRole('button', { name: 'All', exact: true }).click();
    await this.open();
  }
  request(name: string): Locator {
    return this.root.getByRole('list', { name: 'Curation requests' }).getByRole('listitem').filter({ hasText: name });
  }
  async markCurated(name: string): Promise<void> {
    await this.root.getByRole('button', { name: `Mark ${name} curated`, exact: true }).click();
  }
}

/** The selected experiment's Clone form, gates and curation controls. */
export class ExperimentTools {
  readonly view: Locator;
  constructor(readonly page: Page) {
    this.view = page.getByTestId('experiment-view');
  }
  async clone(what: 'Everything' | 'Files only', linked: boolean): Promise<string> {
    const before = shownId(this.page);
    const form = this.view.getByRole('form', { name: 'Clone' });
    await form.getByRole('radio', { name: what === 'Files only' ? 'Files only' : /^Everything/ }).check();
    await form.getByRole('checkbox', { name: 'Linked to this experiment' }).setChecked(linked);
    await form.getByRole('button', { name: 'Clone', exact: true }).click();
    return nextShown(this.page, before);
  }
  async addGate(name: string, x: string, y: string, rect: [number, number, number, number]): Promise<void> {
    const form = this.view.getByRole('form', { name: 'Add a gate' });
    await form.getByLabel('Gate name').fill(name);
    await form.getByLabel('X channel').fill(x);
    await form.getByLabel('Y channel').fill(y);
    await form.getByLabel('Rectangle (x1, y1, x2, y2)').fill(rect.join(', '));
    await form.getByRole('button', { name: 'Add gate' }).click();
    await visible(this.gate(name));
  }
  gate(name: string): Locator {
    // An editable gate's name is an input's value, not text: the row is the one whose Export button names it.
    return this.view.getByRole('list', { name: 'Gates' }).getByRole('listitem').filter({ has: this.page.getByRole('button', { name: `Export gate ${name} as a new experiment` }) });
  }
  async exportGate(name: string): Promise<string> {
    const before = shownId(this.page);
    await this.view.getByRole('button', { name: `Export gate ${name} as a new experiment` }).click();
    return nextShown(this.page, before);
  }
  button(name: string): Locator {
    return this.view.getByRole('button', { name, exact: true });
  }
}

/**
 * Drops a file on the files section's drop zone as a person would: a real DataTransfer built in
 * the page, then dragover and drop events on the zone. Before dropping, a MutationObserver
 * starts recording every label the upload progress bar shows, so a test can check that the bar
 * was there while the bytes travelled and not only at the end.
 */
export async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<{ labels(): Promise<string[]> }> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (globalThis as unknown as { __progressLabels: string[] }).__progressLabels = seen;
    const note = () => {
      for (const bar of document.querySelectorAll('[data-testid="files"] progress')) {
        const label = bar.closest('label')?.textContent?.trim() ?? '';
        if (seen.at(-1) !== label) seen.push(label);
      }
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const transfer: JSHandle<DataTransfer> = await page.evaluateHandle(
    ({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], name, { type: 'application/vnd.isac.fcs' }));
      return dt;
    },
    { name, data: Array.from(bytes) },
  );
  const zone = page.getByTestId('files').getByTestId('dropzone');
  await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
  await transfer.dispose();
  return {
    labels: () => page.evaluate(() => [...(globalThis as unknown as { __progressLabels: string[] }).__progressLabels]),
  };
}
