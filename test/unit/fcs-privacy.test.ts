import { describe, expect, it } from 'vitest';
import { findPrivacyRisks, locateFcsData, parseFcs, scrubbedStart, writeFcs, type FcsSource } from '../../shared/fcs/index.ts';

const channels = [{ name: 'FSC-A' }, { name: 'SSC-A' }, { name: 'CD4' }];
const events = Float64Array.from({ length: 3 * 500 }, (_, i) => (i * 7919) % 1000);
const keywords = {
  $FIL: 'Smith_John_0412.fcs',
  $OP: 'Jane Doe',
  $DATE: '12-MAR-2024',
  $CYT: 'LSRFortessa',
  'PATIENT ID': 'A-7',
  'TUBE NAME': 'CD4 tube',
  SPILL: '2,FSC-A,SSC-A,1,0.0123456,0.1234567,1',
  CREATOR: 'BD FACSDiva Software Version 8.0.1',
  NOTES: 'questions: call +44 20 7946 0958',
  SAMPLE: 'Marie-Claire Dubois',
  VISIT: 'MRN 00482913',
  COLLECTED: '1961-04-23',
};

const source = (bytes: Uint8Array): FcsSource => ({ size: bytes.length, read: (from, to) => bytes.subarray(from, to) });
function located(bytes: Uint8Array) {
  const l = locateFcsData(source(bytes), { maxTextBytes: 1 << 20 });
  if (!l.ok) throw new Error(l.error.message);
  return l;
}
function scrub(bytes: Uint8Array, remove: string[]): Uint8Array {
  const l = located(bytes);
  const s = scrubbedStart(l.file, l.data, remove);
  if (!s.ok) throw new Error(s.message);
  const out = new Uint8Array(s.head.length + (s.dataTo - s.dataFrom));
  out.set(s.head, 0);
  out.set(bytes.subarray(s.dataFrom, s.dataTo), s.head.length);
  return out;
}

describe('findPrivacyRisks', () => {
  const found = findPrivacyRisks(located(writeFcs({ channels, events, keywords })).file.keywords);
  const byKey = new Map(found.map((f) => [f.keyword, f.reason]));

  it('lists the identifying keywords, dates and values that look like names, IDs, contacts or dates', () => {
    expect(Object.fromEntries(byKey)).toEqual({
      $FIL: 'identifying-keyword',
      $OP: 'identifying-keyword',
      $DATE: 'date',
      'PATIENT ID': 'person-keyword',
      NOTES: 'looks-like-contact',
      SAMPLE: 'looks-like-name',
      VISIT: 'looks-like-id',
      COLLECTED: 'looks-like-date',
    });
  });

  it('leaves instrument keywords alone: the model, a spillover matrix, the software version, a tube label', () => {
    for (const key of ['$CYT', 'SPILL', 'CREATOR', 'TUBE NAME', '$PAR', '$P1N']) expect(byKey.has(key)).toBe(false);
  });

  it('says why in words and gives the value, for a person to judge', () => {
    expect(found.find((f) => f.keyword === '$OP')).toMatchObject({ value: 'Jane Doe', why: expect.stringContaining('operator') });
  });
});

describe('scrubbedStart', () => {
  for (const layout of [{ dataType: 'F' as const }, { dataType: 'I' as const, bits: 16, byteOrder: 'big' as const }, { dataType: 'D' as const, version: '3.0' as const }]) {
    it(`drops the chosen keywords and keeps the DATA segment byte for byte (${JSON.stringify(layout)})`, () => {
      const original = writeFcs({ channels, events, keywords, ...layout });
      const before = located(original);
      const clean = scrub(original, ['$fil', '$OP', 'SAMPLE']);
      const after = located(clean);
      expect(after.file.keywords['$FIL']).toBeUndefined();
      expect(after.file.keywords['$OP']).toBeUndefined();
      expect(after.file.keywords['SAMPLE']).toBeUndefined();
      expect(after.file.keywords['$DATE']).toBe('12-MAR-2024');
      expect(after.file.version).toBe(before.file.version);
      const rowBytes = before.data.layout.rowBytes;
      const n = before.data.events * rowBytes;
      expect(Buffer.from(clean.subarray(after.data.begin, after.data.begin + n)).equals(Buffer.from(original.subarray(before.data.begin, before.data.begin + n)))).toBe(true);
      const parsed = parseFcs(clean, { events: true });
      expect(parsed.ok && Array.from(parsed.file.events ?? [])).toEqual(Array.from((parseFcs(original, { events: true }) as { ok: true; file: { events?: Float64Array } }).file.events ?? []));
    });
  }

  it('refuses to remove a keyword that lays out the events, or one the file lacks', () => {
    const l = located(writeFcs({ channels, events, keywords }));
    expect(scrubbedStart(l.file, l.data, ['$PAR'])).toMatchObject({ ok: false, keyword: '$PAR' });
    expect(scrubbedStart(l.file, l.data, ['$P2N'])).toMatchObject({ ok: false, keyword: '$P2N' });
    expect(scrubbedStart(l.file, l.data, ['$SRC'])).toMatchObject({ ok: false, message: '$SRC is not in the file' });
  });
});
