import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFcs, type FcsFile } from '../../shared/fcs/index.ts';
import { FIXTURES } from '../fixtures/fcs/make-fixtures.ts';

const dir = new URL('../fixtures/fcs/', import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
function ok(bytes: Uint8Array): FcsFile {
  const r = parseFcs(bytes, { events: true });
  if (!r.ok) throw new Error(`${r.error.code} ${r.error.segment}: ${r.error.message}`);
  return r.file;
}
const fixture = (file: string) => FIXTURES.find((f) => f.file === file)!;

describe('instrument-like fixtures', () => {
  it.each(FIXTURES.map((f) => f.file))('%s is committed as generated and parses to its events', (name) => {
    const f = fixture(name);
    const bytes = read(name);
    expect(Buffer.from(bytes).equals(Buffer.from(f.build()))).toBe(true);
    const file = ok(bytes);
    expect(Array.from(file.events!)).toEqual(f.events());
    expect(file.eventCount * file.channels.length).toBe(f.events().length);
  });

  it('FACSDiva-style 3.0: big-endian floats, labels, spillover, escaped | in a value', () => {
    const f = ok(read('facsdiva-3.0-float-be.fcs'));
    expect([f.version, f.dataType, f.byteOrder, f.eventCount]).toEqual(['3.0', 'F', 'big', 300]);
    expect(f.channels.map((c) => c.name)).toEqual(['FSC-A', 'FSC-H', 'FSC-W', 'SSC-A', 'SSC-H', 'SSC-W', 'FITC-A', 'PE-A', 'Time']);
    expect(f.channels.filter((c) => c.label).map((c) => [c.name, c.label])).toEqual([['FITC-A', 'CD3'], ['PE-A', 'CD4']]);
    expect(f.keywords['$SPILLOVER']).toBe('2,FITC-A,PE-A,1,0.2134,0.0123,1');
    expect(f.keywords['EXPERIMENT NAME']).toBe('T cell panel | run 2');
    expect(f.metadata).toEqual({ cytometer: 'FACSCanto II', date: '05-JAN-2024', source: 'Specimen_001' });
  });

  it('CellQuest-style 2.0: 16-bit big-endian integers, HEADER offsets, log amplification kept as a keyword', () => {
    const f = ok(read('cellquest-2.0-int16-be.fcs'));
    expect([f.version, f.dataType, f.byteOrder, f.eventCount]).toEqual(['2.0', 'I', 'big', 250]);
    expect(f.channels[2]).toEqual({ index: 3, name: 'FL1-H', label: 'CD8 FITC', bits: 16, range: 1024 });
    expect(f.keywords['$P3E']).toBe('4,0');
    expect(Math.max(...f.events!)).toBeLessThan(1024);
  });

  it('HEADER DATA offsets 0 and $ENDDATA one past the end', () => {
    const bytes = read('header-zero-enddata-past-end-3.1.fcs');
    const f = ok(bytes);
    expect(Number(f.keywords['$ENDDATA'])).toBe(bytes.length);
    expect(f.channels.every((c) => c.label === null)).toBe(true);
    expect(f.metadata.cytometer).toBe('Attune NxT');
  });
});
