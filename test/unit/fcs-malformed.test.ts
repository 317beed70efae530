import { describe, expect, it } from 'vitest';
import { parseFcs, type FcsError } from '../../shared/fcs/index.ts';
import { assemble, channelPairs, pack, setHeaderField, type AssembleOptions } from '../fixtures/fcs/build.ts';

const enc = new TextEncoder();
const DATA = pack([1, 2, 3, 4, 5, 6], 'F', 'little'); // 3 events × 2 channels × 4 bytes = 24
const CORE: Array<[string, string]> = [
  ['$BYTEORD', '1,2,3,4'],
  ['$DATATYPE', 'F'],
  ['$MODE', 'L'],
  ['$PAR', '2'],
  ['$TOT', '3'],
  ...channelPairs([{ name: 'FSC-A', bits: 32 }, { name: 'SSC-A', bits: 32 }]),
];

function file(over: Partial<AssembleOptions> = {}, edit: (pairs: Array<[string, string]>) => Array<[string, string]> = (p) => p): Uint8Array {
  return assemble({ pairs: edit(CORE.map(([k, v]) => [k, v])), data: DATA, ...over });
}
const without = (key: string) => (p: Array<[string, string]>) => p.filter(([k]) => k !== key);
const setting = (key: string, value: string) => (p: Array<[string, string]>) => p.map(([k, v]): [string, string] => [k, k === key ? value : v]);
const textEnd = (b: Uint8Array) => Number(new TextDecoder().decode(b.subarray(18, 26)).trim());
const dataBegin = (b: Uint8Array) => Number(new TextDecoder().decode(b.subarray(26, 34)).trim());

type Case = { name: string; bytes: Uint8Array; code: FcsError['code']; segment: FcsError['segment']; expected?: number; actual?: number };

const valid = file();
const cut = valid.subarray(0, valid.length - 5);
const text31 = (body: string) => {
  const t = enc.encode(body);
  const b = new Uint8Array(58 + t.length).fill(0x20);
  b.set(enc.encode(`FCS3.1    ${'58'.padStart(8)}${String(57 + t.length).padStart(8)}${'0'.padStart(8).repeat(4)}`));
  b.set(t, 58);
  return b;
};

const CASES: Case[] = [
  { name: 'empty input', bytes: new Uint8Array(0), code: 'FCS_TRUNCATED', segment: 'HEADER', expected: 58, actual: 0 },
  { name: 'HEADER shorter than 58 bytes', bytes: valid.subarray(0, 30), code: 'FCS_TRUNCATED', segment: 'HEADER', expected: 58, actual: 30 },
  { name: 'not FCS magic', bytes: enc.encode('GIF89a'.padEnd(80, ' ')), code: 'FCS_BAD_HEADER', segment: 'HEADER' },
  { name: 'short non-FCS input', bytes: enc.encode('PK'), code: 'FCS_BAD_HEADER', segment: 'HEADER' },
  { name: 'unknown FCS version', bytes: file({ version: '4.0' }), code: 'FCS_UNSUPPORTED', segment: 'HEADER' },
  { name: 'garbage version', bytes: file({ version: 'x.y' }), code: 'FCS_BAD_HEADER', segment: 'HEADER' },
  { name: 'non-numeric HEADER offset', bytes: file({ headerFields: { 2: '12a4' } }), code: 'FCS_BAD_HEADER', segment: 'HEADER' },
  { name: 'TEXT begins inside the HEADER', bytes: file({ headerFields: { 0: '20' } }), code: 'FCS_BAD_HEADER', segment: 'HEADER' },
  { name: 'TEXT end before its begin', bytes: file({ headerFields: { 1: '40' } }), code: 'FCS_BAD_HEADER', segment: 'HEADER' },
  {
    name: 'TEXT offsets beyond the file',
    bytes: setHeaderField(file(), 1, '5000'),
    code: 'FCS_TRUNCATED', segment: 'TEXT', expected: 5001, actual: valid.length,
  },
  {
    name: 'file cut inside TEXT',
    bytes: valid.subarray(0, 100),
    code: 'FCS_TRUNCATED', segment: 'TEXT', expected: textEnd(valid) + 1, actual: 100,
  },
  { name: 'TEXT not starting with a delimiter', bytes: text31('$PAR/1/$TOT/1/'), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'TEXT without delimiter pairs', bytes: text31('/$PAR 2 $TOT 3 $DATATYPE F'), code: 'FCS_BAD_TEXT', segment: 'TEXT', expected: 2, actual: 1 },
  { name: 'TEXT with an odd number of fields', bytes: text31('/$PAR/2/$TOT/3/$DATATYPE/'), code: 'FCS_BAD_TEXT', segment: 'TEXT', expected: 6, actual: 5 },
  { name: 'TEXT of only a delimiter', bytes: text31('/'), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'empty keyword', bytes: text31('/$PAR/2/ /3/'), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'missing $PAR', bytes: file({}, without('$PAR')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'missing $TOT (FCS 3.1)', bytes: file({}, without('$TOT')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'missing $DATATYPE', bytes: file({}, without('$DATATYPE')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'missing $BYTEORD', bytes: file({}, without('$BYTEORD')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'missing $P2B', bytes: file({}, without('$P2B')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: '$PAR not a number', bytes: file({}, setting('$PAR', 'two')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: '$PAR zero', bytes: file({}, setting('$PAR', '0')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: '$TOT negative', bytes: file({}, setting('$TOT', '-3')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: '$P1B not a number', bytes: file({}, setting('$P1B', '*')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: '$BYTEORD not a byte order', bytes: file({}, setting('$BYTEORD', 'little')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'unsupported $MODE C', bytes: file({}, setting('$MODE', 'C')), code: 'FCS_UNSUPPORTED', segment: 'TEXT' },
  { name: 'unsupported $MODE U', bytes: file({}, setting('$MODE', 'U')), code: 'FCS_UNSUPPORTED', segment: 'TEXT' },
  { name: 'unsupported $DATATYPE A', bytes: file({}, setting('$DATATYPE', 'A')), code: 'FCS_UNSUPPORTED', segment: 'TEXT' },
  { name: 'unknown $DATATYPE', bytes: file({}, setting('$DATATYPE', 'Q')), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'mixed $BYTEORD 3,4,1,2', bytes: file({}, setting('$BYTEORD', '3,4,1,2')), code: 'FCS_UNSUPPORTED', segment: 'TEXT' },
  {
    name: 'packed 12-bit integers',
    bytes: file({}, (p) => setting('$P1B', '12')(setting('$DATATYPE', 'I')(p))),
    code: 'FCS_UNSUPPORTED', segment: 'TEXT',
  },
  { name: '$PnB 16 with float data', bytes: file({}, setting('$P2B', '16')), code: 'FCS_INCONSISTENT', segment: 'TEXT', expected: 32, actual: 16 },
  {
    name: 'DATA segment truncated',
    bytes: cut,
    code: 'FCS_TRUNCATED', segment: 'DATA', expected: dataBegin(valid) + 24, actual: valid.length - 5,
  },
  { name: '$TOT×$PAR larger than the DATA segment', bytes: file({}, setting('$TOT', '5')), code: 'FCS_INCONSISTENT', segment: 'DATA', expected: 40, actual: 24 },
  { name: '$TOT×$PAR smaller than the DATA segment', bytes: file({}, setting('$TOT', '2')), code: 'FCS_INCONSISTENT', segment: 'DATA', expected: 16, actual: 24 },
  { name: '$PAR larger than the data holds', bytes: file({}, (p) => [...setting('$PAR', '3')(p), ...channelPairs([{ name: 'A', bits: 32 }, { name: 'B', bits: 32 }, { name: 'C', bits: 32 }]).slice(8)]), code: 'FCS_INCONSISTENT', segment: 'DATA', expected: 36, actual: 24 },
  { name: 'DATA location missing everywhere', bytes: file({ dataOffsetsIn: 'header', headerFields: { 2: '0', 3: '0' } }), code: 'FCS_BAD_TEXT', segment: 'TEXT' },
  { name: 'DATA inside the HEADER', bytes: file({ dataOffsetsIn: 'header', headerFields: { 2: '10', 3: '33' } }), code: 'FCS_INCONSISTENT', segment: 'DATA' },
  { name: 'ANALYSIS beyond the file', bytes: file({ headerFields: { 4: '900', 5: '990' } }), code: 'FCS_TRUNCATED', segment: 'ANALYSIS', expected: 991, actual: valid.length },
  { name: 'supplemental TEXT beyond the file', bytes: file({}, (p) => [...p, ['$BEGINSTEXT', '900'], ['$ENDSTEXT', '990']]), code: 'FCS_TRUNCATED', segment: 'TEXT', expected: 991 },
];

describe('parseFcs refuses malformed files with the right code, segment and numbers', () => {
  it('the valid base file parses', () => {
    const r = parseFcs(valid, { events: true });
    expect(r.ok && Array.from(r.file.events!)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each(CASES)('$name → $code in $segment', ({ bytes, code, segment, expected, actual }) => {
    for (const events of [false, true]) {
      const r = parseFcs(bytes, { events });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect({ code: r.error.code, segment: r.error.segment }).toEqual({ code, segment });
      if (expected !== undefined) expect(r.error.expected).toBe(expected);
      if (actual !== undefined) expect(r.error.actual).toBe(actual);
      // The words name the numbers: a person can tell a cut file from a wrongly written one.
      if (actual !== undefined) expect(r.error.message).toContain(String(actual));
      if (expected !== undefined) expect(r.error.message).toMatch(new RegExp(`\\b(${expected}|${expected - 1})\\b`));
      expect(r.error.message.length).toBeGreaterThan(10);
    }
  });
});
