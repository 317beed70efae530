import { describe, expect, it } from 'vitest';
import { parseFcs, writeFcs, type FcsFile, type FcsWriteInput } from '../../shared/fcs/index.ts';
import { mulberry32, setHeaderField } from '../fixtures/fcs/build.ts';

function parsed(bytes: Uint8Array, events = true): FcsFile {
  const r = parseFcs(bytes, { events });
  if (!r.ok) throw new Error(`${r.error.code} ${r.error.segment}: ${r.error.message}`);
  return r.file;
}

const ascii = (b: Uint8Array, from: number, to: number) => new TextDecoder().decode(b.subarray(from, to));
const headerField = (b: Uint8Array, k: number) => Number(ascii(b, 10 + 8 * k, 18 + 8 * k).trim());

const CHANNELS = [
  { name: 'FSC-A', label: 'Forward scatter' },
  { name: 'SSC-A' },
  { name: 'CD3 FITC-A', label: 'CD3/CD4 mix' },
];
const EVENTS = 64;

/** Values each format must preserve exactly (integers within range, float32-representable). */
function values(kind: string, seed: number): Float64Array {
  const rnd = mulberry32(seed);
  const out = new Float64Array(EVENTS * CHANNELS.length);
  for (let i = 0; i < out.length; i++) {
    const r = rnd();
    if (kind === 'I8') out[i] = Math.floor(r * 256);
    else if (kind === 'I16') out[i] = Math.floor(r * 65536);
    else if (kind === 'I32') out[i] = Math.floor(r * 2 ** 32);
    else if (kind === 'I64') out[i] = Math.floor(r * 2 ** 53);
    else if (kind === 'F') out[i] = Math.fround((r - 0.3) * 262144);
    else out[i] = (r - 0.5) * 1e12 + r * 1e-9;
  }
  // Edges: zero and the largest value of the type.
  const max = { I8: 255, I16: 65535, I32: 2 ** 32 - 1, I64: Number.MAX_SAFE_INTEGER, F: Math.fround(3.4e38), D: Number.MAX_VALUE }[kind]!;
  out[0] = 0;
  out[1] = max;
  return out;
}

const FORMATS = [
  { kind: 'I8', dataType: 'I', bits: 8 },
  { kind: 'I16', dataType: 'I', bits: 16 },
  { kind: 'I32', dataType: 'I', bits: 32 },
  { kind: 'I64', dataType: 'I', bits: 64 },
  { kind: 'F', dataType: 'F', bits: 32 },
  { kind: 'D', dataType: 'D', bits: 64 },
] as const;
const MATRIX = FORMATS.flatMap((f) =>
  (['little', 'big'] as const).flatMap((byteOrder) => (['3.0', '3.1'] as const).map((version) => ({ ...f, byteOrder, version }))),
);

describe('writeFcs → parseFcs round trip', () => {
  it.each(MATRIX)('$kind $byteOrder FCS$version preserves values, channels and keywords', ({ kind, dataType, bits, byteOrder, version }) => {
    const events = values(kind, 42 + bits);
    const keywords = {
      $CYT: 'FACSCanto II',
      $DATE: '05-JAN-2024',
      $SRC: 'Donor 7 / PBMC',
      $FIL: 'C:/BD/Exports/tube 001.fcs',
      $SPILLOVER: '3,FSC-A,SSC-A,CD3 FITC-A,1,0,0,0,1,0,0.02,0.1,1',
      'Tube Name': 'Tube_001',
    };
    const input: FcsWriteInput = { channels: CHANNELS, events, dataType, bits, byteOrder, keywords, version };
    const bytes = writeFcs(input);
    const file = parsed(bytes);
    expect(file.version).toBe(version);
    expect(file.dataType).toBe(dataType);
    expect(file.byteOrder).toBe(byteOrder);
    expect(file.eventCount).toBe(EVENTS);
    expect(file.channels).toEqual(
      CHANNELS.map((c, i) => ({ index: i + 1, name: c.name, label: c.label ?? null, bits, range: dataType === 'I' ? 2 ** bits : 262144 })),
    );
    expect(Array.from(file.events!)).toEqual(Array.from(events));
    const { 'Tube Name': tube, ...dollar } = keywords;
    expect(file.keywords).toMatchObject({ ...dollar, 'TUBE NAME': tube, $PAR: '3', $TOT: String(EVENTS), $MODE: 'L' });
    expect(file.metadata).toEqual({ cytometer: 'FACSCanto II', date: '05-JAN-2024', source: 'Donor 7 / PBMC' });
    // Metadata-only parse gives the same file without events.
    const meta = parsed(bytes, false);
    expect(meta.events).toBeUndefined();
    expect({ ...file, events: undefined }).toEqual({ ...meta, events: undefined });
  });

  it('escapes the delimiter inside keys and values and restores it', () => {
    const keywords = { 'A/B': 'x/y', PATH: '/data/run 1/', DOUBLE: 'a//b', TRAIL: 'end/' };
    const bytes = writeFcs({ channels: [{ name: 'FSC/H' }], events: new Float64Array([1]), keywords });
    expect(ascii(bytes, 58, 59)).not.toBe('/'); // a value starts with '/', so another delimiter is chosen
    const noLead = writeFcs({ channels: [{ name: 'FSC/H', label: 'a/b' }], events: new Float64Array([1]), keywords: { DATE: '2024/01/05', DOUBLE: 'a//b', TRAIL: 'end/' } });
    expect(ascii(noLead, 58, 59)).toBe('/');
    expect(ascii(noLead, 58, 400)).toContain('2024//01//05');
    for (const b of [bytes, noLead]) {
      const f = parsed(b);
      expect(f.channels[0]!.name).toBe('FSC/H');
      expect(f.keywords['DOUBLE']).toBe('a//b');
      expect(f.keywords['TRAIL']).toBe('end/');
    }
    expect(parsed(bytes).keywords).toMatchObject({ 'A/B': 'x/y', PATH: '/data/run 1/' });
    expect(parsed(noLead).keywords['DATE']).toBe('2024/01/05');
    expect(parsed(noLead).channels[0]!.label).toBe('a/b');
  });

  it('keeps UTF-8 text (FCS 3.1) intact', () => {
    const f = parsed(writeFcs({ channels: [{ name: 'CD45', label: 'CD45 – µm² Ω' }], events: new Float64Array([2]), keywords: { $OP: 'Zoë Šimić' } }));
    expect(f.channels[0]!.label).toBe('CD45 – µm² Ω');
    expect(f.keywords['$OP']).toBe('Zoë Šimić');
  });

  it('solves the offset fixed point: HEADER, $BEGINDATA/$ENDDATA and the bytes agree at every size', () => {
    // Pad TEXT one byte at a time and grow DATA across digit boundaries (999→1000, 9999→10000…).
    for (const events of [0, 1, 60, 200, 2400, 30000]) {
      for (let pad = 0; pad < 24; pad++) {
        const bytes = writeFcs({ channels: [{ name: 'A' }], events: new Float64Array(events), keywords: { PAD: 'x'.repeat(pad + 1) } });
        const f = parsed(bytes, false);
        const begin = Number(f.keywords['$BEGINDATA']);
        const end = Number(f.keywords['$ENDDATA']);
        expect(f.eventCount).toBe(events);
        if (events === 0) {
          expect([begin, end]).toEqual([0, 0]);
          continue;
        }
        expect([headerField(bytes, 2), headerField(bytes, 3)]).toEqual([begin, end]);
        expect(end - begin + 1).toBe(events * 4);
        expect(end + 1).toBe(bytes.length);
        expect(begin % 8).toBe(0);
        expect(begin).toBeGreaterThan(headerField(bytes, 1));
      }
    }
  });

  it('reads DATA offsets from TEXT when the HEADER holds 0 (the large-file convention)', () => {
    const events = values('F', 7);
    const bytes = writeFcs({ channels: CHANNELS, events });
    setHeaderField(bytes, 2, '0');
    setHeaderField(bytes, 3, '0');
    expect(Array.from(parsed(bytes).events!)).toEqual(Array.from(events));
  });

  it('writes integers rounded and clamped to [0, 2^bits - 1]; a $PnR below 2^bits masks on reading', () => {
    const f = parsed(writeFcs({ channels: [{ name: 'A' }], events: new Float64Array([-5, 1.6, 70000, NaN]), dataType: 'I', bits: 16 }));
    expect(Array.from(f.events!)).toEqual([0, 2, 65535, 0]);
    const masked = parsed(writeFcs({ channels: [{ name: 'A', range: 1000 }], events: new Float64Array([999, 1023, 1500]), dataType: 'I', bits: 16 }));
    expect(masked.channels[0]!.range).toBe(1000);
    expect(Array.from(masked.events!)).toEqual([999, 1023, 1500 & 1023]);
  });

  it('owns the layout keywords: given $PAR, $TOT, $PnB … are ignored, stale $Pn… beyond $PAR dropped', () => {
    const keywords = { $par: '9', $TOT: '1000', $P1B: '8', $P1V: '450', $P7N: 'gone', $BEGINDATA: '1', EMPTY: '' };
    const f = parsed(writeFcs({ channels: [{ name: 'A' }], events: new Float64Array([1, 2]), keywords }));
    expect(f.keywords).toMatchObject({ $PAR: '1', $TOT: '2', $P1B: '32', $P1V: '450' });
    expect(f.keywords['$P7N']).toBeUndefined();
    expect(f.keywords['EMPTY']).toBeUndefined();
  });

  it('refuses input no file can represent', () => {
    expect(() => writeFcs({ channels: [], events: new Float64Array(0) })).toThrow(RangeError);
    expect(() => writeFcs({ channels: [{ name: 'A' }, { name: 'B' }], events: new Float64Array(3) })).toThrow(/multiple of 2/);
    expect(() => writeFcs({ channels: [{ name: 'A' }], events: new Float64Array(1), dataType: 'I', bits: 12 })).toThrow(/8, 16, 32 or 64/);
    expect(() => writeFcs({ channels: [{ name: ' ' }], events: new Float64Array(1) })).toThrow(/empty name/);
  });
});
