import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasher, memorySource, sampleArchive, sampleInput } from '../unit/archive-support.ts';
import { verifyArchive } from '../../shared/archive/index.ts';
import { eventually, visible, type ManagerPage } from './support/pages.ts';
import { signedInPerson, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/**
 * The manager page's archive buttons, in the built extension: Import checks the archive in the
 * page and recreates the experiment (figures included); a damaged archive is refused with its reason and creates
 * nothing; Export streams the experiment into the file the user picks (the save dialog is
 * stubbed with an in-memory file, since headless Chromium cannot answer it).
 */
describe('archives in the Experiment Manager', () => {
  let server: TestServer;
  let alice: Person;
  let page: ManagerPage;
  let dir: string;
  let good: Uint8Array;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoshare-archive-e2e-'));
    good = await sampleArchive();
    writeFileSync(join(dir, 'panel.zip'), good);
    const entries = unzipSync(good);
    const flipped = entries['files/a.fcs']!.slice();
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
    writeFileSync(join(dir, 'damaged.zip'), zipSync({ ...entries, 'files/a.fcs': flipped }));
    server = await startTestServer();
    await server.addUser('alice');
    alice = await signedInPerson(server, 'alice');
    page = await alice.manager();
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a damaged archive with its reason and creates nothing', async () => {
    await page.page.getByLabel('Import archive').setInputFiles(join(dir, 'damaged.zip'));
    const status = page.page.getByTestId('archive-import-status');
    await eventually(async () => ((await status.textContent()) ?? '').includes('hash-mismatch'), 'the refusal');
    expect(await status.getAttribute('role')).toBe('alert');
    expect(await page.page.getByTestId('experiment-row').count()).toBe(0);
  });

  it('imports an archive as a new experiment with its files, tags and gates', async () => {
    await page.page.getByLabel('Import archive').setInputFiles(join(dir, 'panel.zip'));
    await eventually(async () => ((await page.page.getByTestId('archive-import-status').textContent()) ?? '').includes('Imported'), 'the import', 40_000).catch(async (error: unknown) => {
      // Say what the page said instead, so a refusal is told from a slow import.
      throw new Error(`${String(error)}; the page says: ${await page.page.getByTestId('archive-import-status').textContent()}`);
    });
    await visible(page.row('Panel'));
    await visible(page.page.getByTestId('experiment-view'));
    const files = page.experiment().files();
    await visible(files.row('a.fcs'));
    await visible(files.row('b c.fcs'));
    await eventually(async () => ((await page.page.getByTestId('experiment-view').textContent()) ?? '').includes('Lymphs'), 'the gates');
    // The archive's figure, recreated on the new gates.
    await visible(page.page.getByTestId('figures').locator('li[data-figure="Overview"]'));
  });

  it('exports the experiment into the picked file, byte for byte what was imported', async () => {
    await page.page.evaluate(() => {
      const parts: number[][] = [];
      Object.assign(window, {
        __archive: parts,
        showSaveFilePicker: async () => ({
          createWritable: async () => ({
            write: async (chunk: Uint8Array) => void parts.push(Array.from(chunk)),
            close: async () => Object.assign(window, { __archiveDone: true }),
            abort: async () => undefined,
          }),
        }),
      });
    });
    await page.page.getByRole('button', { name: 'Export archive (.zip)' }).click();
    await eventually(() => page.page.evaluate(() => (window as unknown as { __archiveDone?: boolean }).__archiveDone === true), 'the export', 60_000);
    const bytes = new Uint8Array((await page.page.evaluate(() => (window as unknown as { __archive: number[][] }).__archive)).flat());
    const fcs = new Map<string, Uint8Array>();
    const read = await verifyArchive(memorySource(bytes), {
      hasher,
      openFcs: async (entry) => {
        const parts: Uint8Array[] = [];
        return { write: (c) => void parts.push(c.slice()), close: async () => void fcs.set(entry.path, new Uint8Array(Buffer.concat(parts))) };
      },
    });
    const original = unzipSync(good);
    expect(read.manifest.experiment.name).toBe('Panel');
    expect(read.manifest.source.exportedBy).toBe('alice');
    expect(read.manifest.experiment.purpose).toContain('http://127.0.0.1:1');
    for (const f of read.manifest.files) expect(fcs.get(f.path)).toEqual(original[f.path]);
    expect(read.gates.map((g) => g.name).sort()).toEqual(['CD4+', 'Lymphs']);
    expect(read.tags).toEqual([{ file: 'a.fcs', dimension: 'Donor', value: '3, "left"' }]);
    // The figure travels again, its chosen gate named by its new place in gates.xml, and drawn.
    const cd4 = read.gateIds[read.gates.findIndex((g) => g.name === 'CD4+')];
    expect(read.figures).toEqual([{ ...sampleInput().figures![0]!, panels: sampleInput().figures![0]!.panels.map((p) => ({ ...p, gates: p.gates === 'all' ? 'all' : [cd4] })) }]);
    expect(new TextDecoder().decode(unzipSync(bytes)['figures/figure-1.svg'])).toContain('Overview');
  });
});
