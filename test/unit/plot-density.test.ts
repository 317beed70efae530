import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeColumns, eventsInPolygon, eventsInRect, inPolygon, locateFcsData, parseFcs, planColumns, polygonArrays, writeFcs, type FcsFile } from '../../shared/fcs/index.ts';
import { densityOfEvents, DensityQuery } from '../../shared/plot/answer.ts';
import { axisFor, binEdges, binOf, countInPolygon, countInRect, DensityGrid } from '../../shared/plot/density.ts';
import { forward, inverse, type AxisTransform } from '../../shared/plot/scale.ts';

function parsed(bytes: Uint8Array): FcsFile {
  const r = parseFcs(bytes, { events: true });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.file;
}

const transforms: AxisTransform[] = [
  { scale: 'lin', cofactor: 150 },
  { scale: 'log', cofactor: 150 },
  { scale: 'asinh', cofactor: 150 },
  { scale: 'asinh', cofactor: 5 },
];

describe('scale transforms', () => {
  it('inverse undoes forward wherever forward is defined', () => {
    fc.assert(
      fc.property(fc.constantFrom(...transforms), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (t, v) => {
        const u = forward(t, v);
        if (t.scale === 'log' && v <= 0) return Number.isNaN(u);
        return Math.abs(inverse(t, u) - v) <= 1e-9 * Math.max(1, Math.abs(v));
      }),
    );
  });

  it('log has no place for zero or negatives; asinh is linear near 0 and symmetric', () => {
    expect(forward({ scale: 'log', cofactor: 1 }, 0)).toBeNaN();
    expect(forward({ scale: 'log', cofactor: 1 }, -3)).toBeNaN();
    expect(forward({ scale: 'log', cofactor: 1 }, 1000)).toBeCloseTo(3);
    const a = { scale: 'asinh', cofactor: 5 } as const;
    expect(forward(a, 0.05)).toBeCloseTo(0.01, 5);
    expect(forward(a, -500)).toBeCloseTo(-forward(a, 500));
  });
});

describe('axes and bin edges', () => {
  it('span the channel range: lin from 0, log from 1, asinh from -cofactor', () => {
    const lin = axisFor({ scale: 'lin', cofactor: 150 }, 1024);
    expect([lin.lo, lin.hi]).toEqual([0, 1024]);
    const log = axisFor({ scale: 'log', cofactor: 150 }, 1e4);
    expect([log.lo, log.hi]).toEqual([0, 4]);
    const edges = binEdges(axisFor({ scale: 'asinh', cofactor: 5 }, 1000), 64);
    expect(edges).toHaveLength(65);
    expect(edges[0]).toBeCloseTo(-5);
    expect(edges[64]).toBeCloseTo(1000);
    for (let i = 1; i < edges.length; i++) expect(edges[i]!).toBeGreaterThan(edges[i - 1]!);
  });

  it('a channel without a range takes the data maximum; an empty span still makes an axis', () => {
    expect(axisFor({ scale: 'lin', cofactor: 1 }, 0, 77).hi).toBe(77);
    const flat = axisFor({ scale: 'lin', cofactor: 1 }, 0, 0);
    expect(flat.hi).toBeGreaterThan(flat.lo);
  });

  it('each edge falls in the bin it opens; the top edge in the last bin; outside is -1', () => {
    for (const t of transforms) {
      const axis = axisFor(t, 262144);
      const edges = binEdges(axis, 32);
      for (let i = 0; i < 32; i++) {
        expect(binOf(axis, 32, edges[i]!)).toBe(i);
        if (i > 0) expect(binOf(axis, 32, edges[i]! - Math.abs(edges[i]!) * 1e-15 - 1e-300)).toBe(i - 1);
      }
      expect(binOf(axis, 32, 262144)).toBe(31);
      expect(binOf(axis, 32, 262145)).toBe(-1);
      expect(binOf(axis, 32, Number.NaN)).toBe(-1);
    }
  });
});

describe('density grid', () => {
  it('bins exactly as binOf on the edges themselves and right beside them, on every scale', () => {
    for (const t of transforms) {
      for (const bins of [16, 256, 512]) {
        const axis = axisFor(t, 262144);
        const edges = binEdges(axis, bins);
        const vs: number[] = [];
        for (const e of edges) vs.push(e, e * (1 + 1e-15), e * (1 - 1e-15), e + 1e-9, e - 1e-9);
        vs.push(0, -0, 1, -1, 1e-310, -1e-310, Number.MIN_VALUE, 262144, Number.POSITIVE_INFINITY, Number.NaN, -t.cofactor);
        const values = new Float64Array(vs.flatMap((v) => [v, v]));
        const grid = new DensityGrid(axis, axis, bins);
        grid.add(values, 2, 0, 1, vs.length);
        const expected = new Map<number, number>();
        for (const v of vs) {
          const i = binOf(axis, bins, v);
          if (i >= 0) expected.set(i, (expected.get(i) ?? 0) + 1);
        }
        const got = new Map<number, number>();
        grid.counts.forEach((c, at) => {
          if (c > 0) got.set(at % bins, c);
          if (c > 0 && at % bins !== Math.floor(at / bins)) got.set(-1, at); // off the diagonal: x and y disagree
        });
        expect([t, bins, got]).toEqual([t, bins, expected]);
      }
    }
  });


  const events = fc.array(fc.tuple(fc.oneof(fc.double({ min: -2000, max: 1100 }), fc.constant(Number.NaN)), fc.double({ min: -2000, max: 1100 })), { maxLength: 300 });

  it('counts conserve the events in range, in any chunking, on every scale', () => {
    fc.assert(
      fc.property(fc.constantFrom(...transforms), events, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 40 }), (t, pairs, bins, chunk) => {
        const values = new Float64Array(pairs.flat());
        const x = axisFor(t, 1024);
        const whole = new DensityGrid(x, x, bins);
        whole.add(values, 2, 0, 1, pairs.length);
        const expected = pairs.filter(([a, b]) => binOf(x, bins, a) >= 0 && binOf(x, bins, b) >= 0).length;
        expect(whole.inRange).toBe(expected);
        expect(whole.counts.reduce((s, c) => s + c, 0)).toBe(expected);
        expect(whole.total).toBe(pairs.length);
        const chunked = new DensityGrid(x, x, bins);
        for (let r = 0; r < pairs.length; r += chunk) {
          const n = Math.min(chunk, pairs.length - r);
          chunked.add(values.subarray(r * 2, (r + n) * 2), 2, 0, 1, n);
        }
        expect(chunked.counts).toEqual(whole.counts);
        // Each event lands in the bin binOf names on both axes.
        const again = new Uint32Array(bins * bins);
        for (const [a, b] of pairs) {
          const i = binOf(x, bins, a);
          const j = binOf(x, bins, b);
          if (i >= 0 && j >= 0) again[j * bins + i]!++;
        }
        expect(whole.counts).toEqual(again);
      }),
    );
  });

  it('gate membership agrees with eventsInRect of shared/fcs/gate.ts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 100 }),
        fc.tuple(fc.integer({ min: -2, max: 22 }), fc.integer({ min: -2, max: 22 }), fc.integer({ min: -2, max: 22 }), fc.integer({ min: -2, max: 22 })),
        (rows, rect) => {
          const file = parsed(writeFcs({ channels: [{ name: 'A' }, { name: 'B' }, { name: 'C' }], events: new Float64Array(rows.flat()) }));
          const inside = eventsInRect(file, 'C', 'A', rect).length / 3;
          expect(countInRect(file.events!, 3, 2, 0, rows.length, rect)).toBe(inside);
          const answer = densityOfEvents(file, DensityQuery.parse({ x: 'A', y: 'B', bins: '16' }), [{ id: 'g1', xChannel: 'C', yChannel: 'A', rect }]);
          expect(answer?.gates).toEqual([{ id: 'g1', inside, percent: (inside / rows.length) * 100 }]);
        },
      ),
    );
  });
});

describe('polygon gates', () => {
  // A concave "L": the notch at the top right is outside.
  const L = [[0, 0], [10, 0], [10, 4], [4, 4], [4, 10], [0, 10]] as Array<[number, number]>;
  const { xs, ys } = polygonArrays(L);

  it('hold the points inside by the even-odd rule, not the notch nor NaN', () => {
    expect(inPolygon(xs, ys, 2, 2)).toBe(true);
    expect(inPolygon(xs, ys, 8, 2)).toBe(true);
    expect(inPolygon(xs, ys, 2, 8)).toBe(true);
    expect(inPolygon(xs, ys, 8, 8)).toBe(false);
    expect(inPolygon(xs, ys, -1, 2)).toBe(false);
    expect(inPolygon(xs, ys, Number.NaN, 2)).toBe(false);
  });

  it('count on a plot what eventsInPolygon selects, any polygon, any events', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 80 }),
        fc.array(fc.tuple(fc.integer({ min: -2, max: 22 }), fc.integer({ min: -2, max: 22 })), { minLength: 3, maxLength: 8 }),
        (rows, polygon) => {
          const file = parsed(writeFcs({ channels: [{ name: 'A' }, { name: 'B' }], events: new Float64Array(rows.flat()) }));
          const inside = eventsInPolygon(file, 'A', 'B', polygon).length / 2;
          expect(countInPolygon(file.events!, 2, 0, 1, rows.length, polygon)).toBe(inside);
          const answer = densityOfEvents(file, DensityQuery.parse({ x: 'A', y: 'B', bins: '16' }), [{ id: 'p', xChannel: 'A', yChannel: 'B', polygon }]);
          expect(answer?.gates).toEqual([{ id: 'p', inside, percent: (inside / rows.length) * 100 }]);
        },
      ),
    );
  });
});

describe('the answer computed in the page', () => {
  const file = parsed(writeFcs({ channels: [{ name: 'FSC-A', range: 1024 }, { name: 'SSC-A', label: 'Side', range: 1024 }], events: new Float64Array([1, 1, 500, 500, 1023, 2, 2000, 3]) }));

  it('bins by $PnN or $PnS, counts the events in range, and lists gates whose channels the file has', () => {
    const q = DensityQuery.parse({ x: 'FSC-A', y: 'Side', bins: '16', scale: 'lin' });
    const a = densityOfEvents(file, q, [{ id: 'in', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 600, 600] }, { id: 'other', xChannel: 'PE', yChannel: 'SSC-A', rect: [0, 0, 1, 1] }]);
    expect(a).toMatchObject({ bins: 16, events: 4, inRange: 3, gates: [{ id: 'in', inside: 2, percent: 50 }] });
    expect(a!.counts).toHaveLength(256);
    expect(a!.counts[0]).toBe(1); // (1, 1): bottom-left
    expect(a!.counts[0 * 16 + 15]).toBe(1); // (1023, 2): bottom-right
    expect(densityOfEvents(file, { ...q, x: 'PE-A' }, [])).toBeNull();
  });

  it('query parameters are bounded and typed', () => {
    expect(DensityQuery.safeParse({ x: 'a', y: 'b', bins: '8' }).success).toBe(false);
    expect(DensityQuery.safeParse({ x: 'a', y: 'b', bins: '513' }).success).toBe(false);
    expect(DensityQuery.safeParse({ x: 'a', y: 'b', scale: 'sqrt' }).success).toBe(false);
    expect(DensityQuery.safeParse({ x: 'a', y: 'b', cofactor: '0' }).success).toBe(false);
    expect(DensityQuery.safeParse({ x: 'a', y: 'b', events: '1' }).success).toBe(false);
    expect(DensityQuery.parse({ x: 'a', y: 'b' })).toEqual({ x: 'a', y: 'b', bins: 256, scale: 'lin', cofactor: 150 });
  });
});

describe('streamed columns', () => {
  const fixtures = ['cellquest-2.0-int16-be.fcs', 'facsdiva-3.0-float-be.fcs'].map((f) => readFileSync(join(import.meta.dirname, '../fixtures/fcs', f)));
  const written = [
    writeFcs({ channels: [{ name: 'a', range: 1000 }, { name: 'b' }, { name: 'c' }], events: new Float64Array([1, 2, 3, 4000, 5, 6, 7, 8, 9]), dataType: 'I', bits: 16, byteOrder: 'big' }),
    writeFcs({ channels: [{ name: 'a' }, { name: 'b' }], events: new Float64Array([1.5, -2, 3e9, 4]), dataType: 'D', byteOrder: 'little' }),
    writeFcs({ channels: [{ name: 'a' }, { name: 'b' }], events: new Float64Array([1, 2 ** 40, 3, 4]), dataType: 'I', bits: 64, byteOrder: 'big' }),
    writeFcs({ channels: [{ name: 'a' }, { name: 'b' }], events: new Float64Array([1, 200, 3, 4]), dataType: 'I', bits: 8 }),
    // Native (little-endian) order: the typed-array paths when aligned.
    writeFcs({ channels: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], events: new Float64Array([1.5, -2, 3, 4, 5e6, 6, 7, 8, 9]), dataType: 'F' }),
    writeFcs({ channels: [{ name: 'a' }, { name: 'b' }], events: new Float64Array([1.5, -2, 3e9, 4, 5, 6]), dataType: 'D' }),
    writeFcs({ channels: [{ name: 'a', range: 1024 }, { name: 'b' }], events: new Float64Array([1, 2000, 3, 65535, 5, 6]), dataType: 'I', bits: 16 }),
  ];

  it('decode to the same values as the whole-file parser, chunk by chunk', () => {
    // Each file at an aligned address and one byte off: the typed-array and DataView paths agree.
    const placed = [...fixtures, ...written].flatMap((b) => [0, 1].map((shift) => {
      const u8 = new Uint8Array(b.length + shift).subarray(shift);
      u8.set(b);
      return u8;
    }));
    for (const u8 of placed) {
      const whole = parsed(u8);
      const located = locateFcsData({ size: u8.length, read: (a, b) => u8.subarray(a, b) }, { maxTextBytes: 1 << 20 });
      if (!located.ok) throw new Error(located.error.message);
      const { begin, events, layout } = located.data;
      const par = layout.channels.length;
      const cols = par > 1 ? [par - 1, 0] : [0];
      const plan = planColumns(layout, cols);
      const chunk = 3;
      for (let r = 0; r < events; r += chunk) {
        const n = Math.min(chunk, events - r);
        const out = new Float64Array(n * cols.length);
        decodeColumns(u8.subarray(begin + r * layout.rowBytes), n, layout, plan, out);
        for (let i = 0; i < n; i++) cols.forEach((c, j) => expect(out[i * cols.length + j]).toBe(whole.events![(r + i) * par + c]));
      }
    }
  });
});
