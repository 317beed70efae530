import { describe, expect, it } from 'vitest';
import { channelColumn, eventsInRect, filterEvents, parseFcs, writeFcs, writeInputFrom, type FcsFile } from '../../shared/fcs/index.ts';

function ok(bytes: Uint8Array, events = true): FcsFile {
  const r = parseFcs(bytes, { events });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.file;
}

// 10 × 10 grid of events: FSC = x, SSC = y, FL1 = row number.
const grid = new Float64Array(300);
for (let i = 0; i < 100; i++) grid.set([i % 10, Math.floor(i / 10), i], i * 3);
const CHANNELS = [{ name: 'FSC-A', label: 'Forward' }, { name: 'SSC-A' }, { name: 'FL1-A', label: 'CD3' }];
const file = ok(writeFcs({ channels: CHANNELS, events: grid, keywords: { $SPILLOVER: '1,FL1-A,1', $CYT: 'Aria' } }));
const rows = (ev: Float64Array) => Array.from({ length: ev.length / 3 }, (_, i) => ev[i * 3 + 2]);

describe('gate selection and export', () => {
  it('eventsInRect keeps whole rows inside the rectangle, edges included, corners in any order', () => {
    const inside = eventsInRect(file, 'FSC-A', 'SSC-A', [2, 3, 4, 5]);
    expect(rows(inside)).toEqual([32, 33, 34, 42, 43, 44, 52, 53, 54]);
    expect(eventsInRect(file, 'FSC-A', 'SSC-A', [4, 5, 2, 3])).toEqual(inside);
    expect(Array.from(inside.subarray(0, 3))).toEqual([2, 3, 32]);
    expect(eventsInRect(file, 'FSC-A', 'SSC-A', [20, 20, 30, 30]).length).toBe(0);
  });

  it('channels are found by $PnN, then by $PnS', () => {
    expect(channelColumn(file, 'FL1-A')).toBe(2);
    expect(channelColumn(file, 'CD3')).toBe(2);
    expect(channelColumn(file, 'nope')).toBe(-1);
    expect(rows(eventsInRect(file, 'Forward', 'CD3', [9, 0, 9, 20]))).toEqual([9, 19]);
  });

  it('refuses programming errors: no events, unknown channel', () => {
    const meta = ok(writeFcs({ channels: CHANNELS, events: grid }), false);
    expect(() => eventsInRect(meta, 'FSC-A', 'SSC-A', [0, 0, 1, 1])).toThrow(/without events/);
    expect(() => eventsInRect(file, 'FSC-A', 'PE-A', [0, 0, 1, 1])).toThrow(/no channel "PE-A"/);
  });

  it('filterEvents passes each row (a reused scratch array) and its index', () => {
    const seen: number[] = [];
    const even = filterEvents(file, (row, i) => {
      seen.push(i);
      return row[2]! % 2 === 0 && row[0]! < 2;
    });
    expect(rows(even)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(seen.length).toBe(100);
  });

  it('exporting a gate writes a file with the same channels and keywords and only those events', () => {
    const inside = eventsInRect(file, 'FSC-A', 'SSC-A', [0, 0, 1, 1]);
    const exported = ok(writeFcs(writeInputFrom(file, inside)));
    expect(exported.eventCount).toBe(4);
    expect(exported.channels).toEqual(file.channels);
    expect(exported.keywords).toMatchObject({ $SPILLOVER: '1,FL1-A,1', $CYT: 'Aria', $TOT: '4' });
    expect(Array.from(exported.events!)).toEqual(Array.from(inside));
  });

  it('an integer file exports as integers of its width, byte order kept', () => {
    const ints = ok(writeFcs({ channels: CHANNELS, events: grid, dataType: 'I', bits: 8, byteOrder: 'big' }));
    const out = ok(writeFcs(writeInputFrom(ints, eventsInRect(ints, 'FSC-A', 'SSC-A', [0, 0, 0, 9]))));
    expect([out.dataType, out.byteOrder, out.channels[0]!.bits, out.eventCount]).toEqual(['I', 'big', 8, 10]);
  });
});
