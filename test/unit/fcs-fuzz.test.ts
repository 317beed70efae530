import { describe, expect, it } from 'vitest';
import { FcsErrorCode, FcsSegment, parseFcs, writeFcs, type FcsResult } from '../../shared/fcs/index.ts';
import { assemble, channelPairs, mulberry32, pack } from '../fixtures/fcs/build.ts';

// Pinned: a failing case is reproduced by its seed and case number, then kept as a named test.
const SEED = 0x5eed_fc5;
const CASES = 3000;
const SAFETY_NET = 'the file could not be read (unexpected structure)';

function bases(): Uint8Array[] {
  const rnd = mulberry32(1);
  const ev = new Float64Array(40 * 3).map(() => Math.floor(rnd() * 1000));
  const channels = [{ name: 'FSC-A', label: 'FSC' }, { name: 'SSC-A' }, { name: 'FL1-A', range: 1024 }];
  return [
    writeFcs({ channels, events: ev }),
    writeFcs({ channels, events: ev, dataType: 'D', byteOrder: 'big', version: '3.0' }),
    writeFcs({ channels, events: ev, dataType: 'I', bits: 16, byteOrder: 'big' }),
    writeFcs({ channels, events: ev, dataType: 'I', bits: 8, keywords: { $SPILLOVER: '1,FL1-A,1' } }),
    assemble({
      version: '2.0',
      pairs: [['$BYTEORD', '1,2'], ['$DATATYPE', 'I'], ['$PAR', '2'], ...channelPairs([{ name: 'A', bits: 16, range: 1024 }, { name: 'B', bits: 32 }])],
      dataOffsetsIn: 'header',
      data: pack(Array.from(ev.subarray(0, 40)), ['I16', 'I32'], 'little'),
    }),
  ];
}

/** Keyword values that stress the layout arithmetic (huge counts must not allocate). */
const NASTY = ['0', '-1', '1e9', '99999999999999999999', '4294967296', 'abc', ' 16 ', '4,3,2,1', '3,4,1,2', 'I', 'A', 'D', '64', '8', '7'];
const LAYOUT_KEYS = ['$PAR', '$TOT', '$P1B', '$P2B', '$P1R', '$BYTEORD', '$DATATYPE', '$MODE', '$BEGINDATA', '$ENDDATA', '$BEGINSTEXT', '$ENDSTEXT'];

function mutate(base: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  const textEnd = Math.min(base.length, 600);
  const kind = pick(6);
  if (kind === 0) return base.slice(0, pick(base.length + 1)); // truncation
  const b = base.slice();
  if (kind === 1) {
    // Random bytes, mostly in HEADER and TEXT where the structure is.
    for (let i = 0, n = 1 + pick(8); i < n; i++) b[rnd() < 0.8 ? pick(textEnd) : pick(b.length)] = pick(256);
    return b;
  }
  if (kind === 2) {
    // A HEADER offset digit.
    b[10 + pick(48)] = 0x30 + pick(10);
    return b;
  }
  if (kind === 3) {
    // Delete or duplicate a run inside TEXT: fields shift, delimiters pair up differently.
    const at = 58 + pick(Math.max(1, textEnd - 58));
    const len = 1 + pick(12);
    return rnd() < 0.5
      ? new Uint8Array([...b.subarray(0, at), ...b.subarray(at + len)])
      : new Uint8Array([...b.subarray(0, at + len), ...b.subarray(at, at + len), ...b.subarray(at + len)]);
  }
  if (kind === 4) {
    // Replace a layout keyword's value in place (padded to its length, or longer).
    const text = new TextDecoder('latin1').decode(b.subarray(0, textEnd));
    const key = LAYOUT_KEYS[pick(LAYOUT_KEYS.length)]!;
    const at = text.indexOf(key);
    if (at < 0) return b;
    const delim = text.charAt(58);
    const from = at + key.length + 1;
    const to = text.indexOf(delim, from);
    const value = NASTY[pick(NASTY.length)]!;
    const replaced = to - from >= value.length ? value.padEnd(to - from, ' ') : value;
    const head = new TextEncoder().encode(text.slice(0, from) + replaced);
    return new Uint8Array([...head, ...b.subarray(to)]);
  }
  // Random garbage of random length, sometimes behind a valid magic.
  const g = new Uint8Array(pick(200)).map(() => pick(256));
  if (rnd() < 0.5 && g.length >= 6) g.set(new TextEncoder().encode('FCS3.1'));
  return g;
}

function checkShape(r: FcsResult): void {
  if (r.ok) {
    expect(Number.isSafeInteger(r.file.eventCount)).toBe(true);
    if (r.file.events) expect(r.file.events.length).toBe(r.file.eventCount * r.file.channels.length);
    return;
  }
  expect(Object.values(FcsErrorCode)).toContain(r.error.code);
  expect(Object.values(FcsSegment)).toContain(r.error.segment);
  expect(r.error.message).not.toBe(SAFETY_NET);
  expect(r.error.message.length).toBeGreaterThan(0);
}

describe('parseFcs never throws', () => {
  it(`on ${CASES} seeded mutations of valid files (seed ${SEED})`, () => {
    const rnd = mulberry32(SEED);
    const files = bases();
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const bytes = mutate(files[i % files.length]!, rnd);
      for (const events of [false, true]) {
        let r: FcsResult;
        try {
          r = parseFcs(bytes, { events });
        } catch (e) {
          throw new Error(`case ${i} (seed ${SEED}) threw: ${String(e)}`);
        }
        checkShape(r);
        const key = r.ok ? 'ok' : r.error.code;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
    if (process.env.FCS_FUZZ_STATS) console.log(Object.fromEntries(outcomes));
    // The mutations reach every stage: some files still parse, and several codes come back.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
    expect(outcomes.size).toBeGreaterThanOrEqual(4);
  });

  it('on inputs that are views into larger buffers at every alignment', () => {
    const [f] = bases();
    for (let shift = 0; shift < 8; shift++) {
      const big = new Uint8Array(f!.length + 8);
      big.set(f!, shift);
      const r = parseFcs(big.subarray(shift, shift + f!.length), { events: true });
      expect(r.ok).toBe(true);
    }
  });
});
