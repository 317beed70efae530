import { describe, expect, it } from 'vitest';
import { parseFcs, type FcsFile } from '../../shared/fcs/index.ts';
import { assemble, channelPairs, pack, setHeaderField, type AssembleOptions } from '../fixtures/fcs/build.ts';

function ok(bytes: Uint8Array): FcsFile {
  const r = parseFcs(bytes, { events: true });
  if (!r.ok) throw new Error(`${r.error.code} ${r.error.segment}: ${r.error.message}`);
  return r.file;
}
const ev = (f: FcsFile) => Array.from(f.events!);
const VALUES = [1.5, 2.25, 3, 4, 5, 6, 7, 8.125];
const F_PAIRS: Array<[string, string]> = [
  ['$BYTEORD', '1,2,3,4'], ['$DATATYPE', 'F'], ['$MODE', 'L'], ['$PAR', '2'], ['$TOT', '4'],
  ...channelPairs([{ name: 'FSC-A', bits: 32 }, { name: 'SSC-A', bits: 32 }]),
];
const floats = (o: Partial<AssembleOptions> = {}) => assemble({ pairs: F_PAIRS, data: pack(VALUES, 'F', 'little'), ...o });

describe('FCS 2.0, written by hand', () => {
  // CellQuest-era layout: TEXT at 256, '\' delimiter, offsets only in the HEADER, 16-bit ints.
  const pairs: Array<[string, string]> = [
    ['$BYTEORD', '1,2'], ['$DATATYPE', 'I'], ['$MODE', 'L'], ['$PAR', '3'], ['$TOT', '4'],
    ['$CYT', 'FACScan'], ['$DATE', '12-MAR-1999'],
    ...channelPairs([
      { name: 'FSC-H', bits: 16, range: 1024 },
      { name: 'SSC-H', bits: 16, range: 1024 },
      { name: 'FL1-H', bits: 16, range: 1024, label: 'CD4 FITC', e: '4,1' },
    ]),
  ];
  const values = [0, 1023, 512, 7, 8, 9, 100, 200, 300, 1, 2, 3];

  it('reads a 2.0 file with offsets in the HEADER only', () => {
    const f = ok(assemble({ version: '2.0', pairs, delimiter: '\\', textStart: 256, dataOffsetsIn: 'header', data: pack(values, 'I16', 'little') }));
    expect(f.version).toBe('2.0');
    expect(f.eventCount).toBe(4);
    expect(ev(f)).toEqual(values);
    expect(f.channels[2]).toEqual({ index: 3, name: 'FL1-H', label: 'CD4 FITC', bits: 16, range: 1024 });
    expect(f.keywords['$P3E']).toBe('4,1');
    expect(f.metadata).toEqual({ cytometer: 'FACScan', date: '12-MAR-1999' });
  });

  it('masks integer values to the bits $PnR needs (upper bits are instrument flags)', () => {
    const flagged = values.map((v) => v | 0xfc00);
    const f = ok(assemble({ version: '2.0', pairs: pairs.map(([k, v]): [string, string] => [k, k === '$BYTEORD' ? '2,1' : v]), dataOffsetsIn: 'header', data: pack(flagged, 'I16', 'big') }));
    expect(f.byteOrder).toBe('big');
    expect(ev(f)).toEqual(values);
  });

  it('derives the event count from the DATA length when $TOT is missing (optional in 2.0)', () => {
    const f = ok(assemble({ version: '2.0', pairs: pairs.filter(([k]) => k !== '$TOT'), dataOffsetsIn: 'header', data: pack(values, 'I16', 'little') }));
    expect(f.eventCount).toBe(4);
    expect(ev(f)).toEqual(values);
  });
});

describe('real-file quirks are tolerated', () => {
  it('HEADER DATA offsets off by one byte: the TEXT values win', () => {
    expect(ev(ok(floats({ headerDataShift: [1, 1] })))).toEqual(VALUES);
    expect(ev(ok(floats({ headerDataShift: [-1, 2] })))).toEqual(VALUES);
  });

  it('$BEGINDATA off by one in TEXT: the HEADER pair that fits exactly is taken', () => {
    expect(ev(ok(floats({ beginDataShift: 1 })))).toEqual(VALUES);
  });

  it('$ENDDATA one past the end of the file, or one short', () => {
    const past = floats({ endDataShift: 1 });
    expect(Number(ok(past).keywords['$ENDDATA'])).toBe(past.length);
    expect(ev(ok(past))).toEqual(VALUES);
    expect(ev(ok(floats({ endDataShift: -1 })))).toEqual(VALUES);
    expect(ev(ok(floats({ dataOffsetsIn: 'header', headerDataShift: [0, 1] })))).toEqual(VALUES);
  });

  it('TEXT without its final delimiter, or whose end overshoots into the gap', () => {
    expect(ev(ok(floats({ finalDelimiter: false })))).toEqual(VALUES);
    const gap = floats({ gap: 2 });
    const end = Number(new TextDecoder().decode(gap.subarray(18, 26)).trim());
    expect(ev(ok(setHeaderField(gap, 1, String(end + 2))))).toEqual(VALUES);
  });

  it('keywords in any case; $MODE missing; $PnS and $PnN missing', () => {
    const pairs = F_PAIRS.filter(([k]) => k !== '$MODE' && k !== '$P2N').map(([k, v]): [string, string] => [k.toLowerCase(), v]);
    const f = ok(assemble({ pairs, data: pack(VALUES, 'F', 'little') }));
    expect(f.channels.map((c) => [c.name, c.label])).toEqual([['FSC-A', null], ['P2', null]]);
    expect(f.keywords['$PAR']).toBe('2');
  });

  it('DATA at an odd offset, and input that is a view into a larger buffer', () => {
    for (const gap of [1, 2, 3, 5]) {
      for (const [type, dt, bits] of [['F', 'F', 32], ['D', 'D', 64], ['I16', 'I', 16], ['I32', 'I', 32]] as const) {
        const pairs = F_PAIRS.map(([k, v]): [string, string] => [k, k === '$DATATYPE' ? dt : /^\$P\dB$/.test(k) ? String(bits) : /^\$P\dR$/.test(k) ? '4096' : v]);
        const bytes = assemble({ pairs, data: pack(VALUES.map(Math.floor), type, 'little'), gap });
        const big = new Uint8Array(bytes.length + gap);
        big.set(bytes, gap);
        expect(ev(ok(bytes))).toEqual(VALUES.map(Math.floor));
        expect(ev(ok(big.subarray(gap)))).toEqual(VALUES.map(Math.floor));
      }
    }
  });

  it('bytes after DATA (e.g. a CRC or padding) are ignored', () => {
    expect(ev(ok(floats({ trailer: new TextEncoder().encode('00000000') })))).toEqual(VALUES);
  });

  it('integer channels of mixed widths, both byte orders, with 64-bit masking', () => {
    const types = ['I8', 'I16', 'I32', 'I64'] as const;
    const pairs: Array<[string, string]> = [
      ['$DATATYPE', 'I'], ['$PAR', '4'], ['$TOT', '2'],
      ...channelPairs([{ name: 'a', bits: 8 }, { name: 'b', bits: 16 }, { name: 'c', bits: 32 }, { name: 'd', bits: 64, range: 2 ** 40 }]),
    ];
    const values = [255, 65535, 2 ** 32 - 1, 2 ** 40 - 1, 1, 2, 3, 2 ** 41 + 5];
    for (const order of ['little', 'big'] as const) {
      const bytes = assemble({ pairs: [['$BYTEORD', order === 'little' ? '1,2,3,4' : '4,3,2,1'], ...pairs], data: pack(values, [...types], order) });
      expect(ev(ok(bytes))).toEqual([255, 65535, 2 ** 32 - 1, 2 ** 40 - 1, 1, 2, 3, 5]);
    }
  });

  it('supplemental TEXT keywords are merged; the primary TEXT wins on a clash', () => {
    const stext = new TextEncoder().encode('/EXTRA/yes/$CYT/other/');
    const build = (b: string, e: string) =>
      assemble({ pairs: [...F_PAIRS, ['$CYT', 'Aria'], ['$BEGINSTEXT', b], ['$ENDSTEXT', e]], data: pack(VALUES, 'F', 'little'), trailer: stext });
    const probe = build('00000', '00000');
    const begin = probe.length - stext.length;
    const f = ok(build(String(begin).padStart(5, '0'), String(probe.length - 1).padStart(5, '0')));
    expect(f.keywords['EXTRA']).toBe('yes');
    expect(f.keywords['$CYT']).toBe('Aria');
    expect(ev(f)).toEqual(VALUES);
  });

  it('$TOT 0: no DATA segment needed', () => {
    const pairs = F_PAIRS.map(([k, v]): [string, string] => [k, k === '$TOT' ? '0' : v]);
    const f = ok(assemble({ pairs, data: new Uint8Array(0), dataOffsetsIn: 'header', headerFields: { 2: '0', 3: '0' } }));
    expect(f.eventCount).toBe(0);
    expect(f.events).toEqual(new Float64Array(0));
  });
});
