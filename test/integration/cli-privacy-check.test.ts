import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFcsData, parseFcs, writeFcs, type FcsSource } from '../../shared/fcs/index.ts';
import { cleanup, cli, world, type World } from './cli-helpers.ts';

const events = Float64Array.from({ length: 2 * 300 }, (_, i) => (i * 31) % 977);
const identifying = writeFcs({
  channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }],
  events,
  keywords: { $FIL: 'Doe_Jane_1961-04-23.fcs', $OP: 'Max Mustermann', $DATE: '12-MAR-2024', 'PATIENT ID': 'A-7', $CYT: 'Aurora' },
});

const source = (bytes: Uint8Array): FcsSource => ({ size: bytes.length, read: (from, to) => bytes.subarray(from, to) });
/** The DATA segment's bytes, found the way any reader finds them. */
function dataBytes(bytes: Uint8Array): Buffer {
  const l = locateFcsData(source(bytes), { maxTextBytes: 1 << 20 });
  if (!l.ok) throw new Error(l.error.message);
  return Buffer.from(bytes.subarray(l.data.begin, l.data.begin + l.data.events * l.data.layout.rowBytes));
}

describe('cytoshare file add --check / --scrub', () => {
  let w: World;
  let exp: string;
  let path: string;
  beforeAll(async () => {
    w = await world(['pia']);
    expect((await w.login('pia')).code).toBe(0);
    exp = (await w.as('pia', ['exp', 'create', 'Patients'])).json.id;
    path = join(w.root, 'tube.fcs');
    writeFileSync(path, identifying);
  });
  afterAll(async () => cleanup(w));

  it('--check lists the identifying keywords in words and uploads nothing', async () => {
    const run = await w.as('pia', ['file', 'add', exp, path, '--check']);
    expect(run.code).toBe(0);
    expect(run.json.findings.map((f: { keyword: string }) => f.keyword)).toEqual(['$FIL', '$OP', '$DATE', 'PATIENT ID']);
    expect((await w.as('pia', ['exp', 'show', exp])).json.files).toEqual([]);
    const plain = await cli(['file', 'add', exp, path, '--check', '--server', w.server.url, '--profile', join(w.root, 'profile-pia')]);
    expect(plain.stdout).toContain('$OP = "Max Mustermann": the operator who ran the instrument');
    expect(plain.stdout).toContain('--scrub $FIL,$OP,$DATE,PATIENT ID');
  });

  it('--scrub uploads a copy without the keywords whose events are byte for byte the original', async () => {
    const run = await w.as('pia', ['file', 'add', exp, path, '--scrub', '$FIL,$OP,PATIENT ID']);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ name: 'tube.fcs', events: 300, scrubbed: ['$FIL', '$OP', 'PATIENT ID'] });
    const back = join(w.root, 'back.fcs');
    expect((await w.as('pia', ['file', 'get', exp, run.json.fileId, '--out', back])).code).toBe(0);
    const uploaded = readFileSync(back);
    const parsed = parseFcs(uploaded);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.file.keywords).not.toHaveProperty('$FIL');
    expect(parsed.file.keywords).not.toHaveProperty('$OP');
    expect(parsed.file.keywords).not.toHaveProperty('PATIENT ID');
    expect(parsed.file.keywords['$DATE']).toBe('12-MAR-2024');
    expect(uploaded.includes('Mustermann')).toBe(false);
    expect(dataBytes(uploaded).equals(dataBytes(identifying))).toBe(true);
  });

  it('refuses to scrub a keyword that lays out the events, before anything is sent', async () => {
    const run = await w.as('pia', ['file', 'add', exp, path, '--scrub', '$PAR']);
    expect(run.code).toBe(2);
    expect(run.stderr + JSON.stringify(run.json)).toContain('lays out the events');
  });
});
