import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFcsData, writeFcs, type FcsSource } from '../../shared/fcs/index.ts';
import { visible, type ManagerPage } from './support/pages.ts';
import { signedInPerson, watchErrors, type Person } from './support/session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** The FCS privacy check in the Experiment Manager: what it lists, and the copy it uploads. */
const events = new Float64Array(150 * 2).map((_, i) => (i * 53) % 1000);
const identifying = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events, keywords: { $OP: 'Max Mustermann', $FIL: 'Doe_Jane.fcs', $CYT: 'Aurora' } });
const clean = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events, keywords: { $CYT: 'Aurora' } });

const source = (bytes: Uint8Array): FcsSource => ({ size: bytes.length, read: (from, to) => bytes.subarray(from, to) });
function dataOf(bytes: Uint8Array): Buffer {
  const l = locateFcsData(source(bytes), { maxTextBytes: 1 << 20 });
  if (!l.ok) throw new Error(l.error.message);
  return Buffer.from(bytes.subarray(l.data.begin, l.data.begin + l.data.events * l.data.layout.rowBytes));
}

describe('the FCS privacy check before an upload', () => {
  let server: TestServer;
  let alice: Person;
  let dir: string;
  let mine: ManagerPage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoshare-privacy-'));
    writeFileSync(join(dir, 'patient.fcs'), identifying);
    writeFileSync(join(dir, 'plain.fcs'), clean);
    server = await startTestServer();
    await server.addUser('alice');
    alice = await signedInPerson(server, 'alice');
    mine = await alice.manager();
    await mine.create('Clinical panel');
    await mine.open('Clinical panel');
  });
  afterAll(async () => {
    await alice?.browser.dispose();
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the identifying keywords; the copy uploaded without them keeps the events byte for byte', async () => {
    const errors = watchErrors(mine.page);
    const files = mine.experiment().files();
    await files.upload(join(dir, 'patient.fcs'));
    const review = mine.page.getByTestId('privacy-review');
    await visible(review);
    expect(await review.getByTestId('privacy-keyword').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value))).toEqual(['$OP', '$FIL']);
    expect(await review.textContent()).toContain('the operator who ran the instrument');
    // Nothing is sent before the user decides.
    expect(await files.row('patient.fcs').count()).toBe(0);
    await review.getByTestId('privacy-upload-clean').click();
    await visible(files.row('patient.fcs'));
    expect(await review.count()).toBe(0);

    // The one file the server holds: its blob store keeps each file under its SHA-256.
    const blobs = readdirSync(join(server.dataDir, 'blobs')).filter((n) => /^[0-9a-f]{64}$/.test(n));
    expect(blobs).toHaveLength(1);
    const stored = readFileSync(join(server.dataDir, 'blobs', blobs[0]!));
    expect(Buffer.from(stored).includes('Mustermann')).toBe(false);
    expect(Buffer.from(stored).includes('Doe_Jane')).toBe(false);
    expect(dataOf(stored).equals(dataOf(identifying))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a file with nothing to report uploads at once', async () => {
    const files = mine.experiment().files();
    await files.upload(join(dir, 'plain.fcs'));
    await visible(files.row('plain.fcs'));
    expect(await mine.page.getByTestId('privacy-review').count()).toBe(0);
  });
});
