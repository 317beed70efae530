import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHeaderStart, parseFcs, parseFcsMetadata, writeFcs, type FcsResult, type FcsSource } from '../../shared/fcs/index.ts';
import { mulberry32 } from '../fixtures/fcs/build.ts';

/** A source over bytes that counts what the parser reads. */
function counting(bytes: Uint8Array): FcsSource & { read: FcsSource['read']; bytesRead: () => number } {
  let n = 0;
  return {
    size: bytes.length,
    read(from, to) {
      n += to - from;
      return bytes.slice(from, to);
    },
    bytesRead: () => n,
  };
}

const withoutEvents = (r: FcsResult): FcsResult => (r.ok ? { ok: true, file: { ...r.file, events: undefined } } : r);
const metadata = (bytes: Uint8Array) => parseFcsMetadata(counting(bytes), { maxTextBytes: 1 << 20 });

function samples(): Uint8Array[] {
  const rnd = mulberry32(7);
  const ev = new Float64Array(50 * 3).map(() => Math.floor(rnd() * 1000));
  const channels = [{ name: 'FSC-A', label: 'FSC' }, { name: 'SSC-A' }, { name: 'FL1-A', range: 1024 }];
  const dir = join(import.meta.dirname, '../fixtures/fcs');
  return [
    writeFcs({ channels, events: ev }),
    writeFcs({ channels, events: ev, dataType: 'D', byteOrder: 'big', version: '3.0' }),
    writeFcs({ channels, events: ev, dataType: 'I', bits: 16, keywords: { $SPILLOVER: '1,FL1-A,1' } }),
    ...readdirSync(dir).filter((n) => n.endsWith('.fcs')).map((n) => new Uint8Array(readFileSync(join(dir, n)))),
  ];
}

describe('parseFcsMetadata (a file read from disk by segments)', () => {
  it('answers as parseFcs does, for valid, cut and damaged files', () => {
    const rnd = mulberry32(11);
    let cases = 0;
    for (const base of samples()) {
      const variants = [base];
      for (let i = 0; i < 60; i++) variants.push(base.slice(0, Math.floor(rnd() * base.length)));
      for (let i = 0; i < 200; i++) {
        const b = base.slice();
        b[Math.floor(rnd() * Math.min(b.length, 700))] = Math.floor(rnd() * 256);
        variants.push(b);
      }
      for (const bytes of variants) {
        expect(metadata(bytes)).toEqual(withoutEvents(parseFcs(bytes)));
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });

  it('reads only the HEADER and TEXT, not the events', () => {
    const bytes = writeFcs({ channels: [{ name: 'A' }, { name: 'B' }], events: new Float64Array(2 * 100_000) });
    const src = counting(bytes);
    const r = parseFcsMetadata(src, { maxTextBytes: 1 << 20 });
    expect(r.ok && r.file.eventCount).toBe(100_000);
    expect(src.bytesRead()).toBeLessThan(2_000);
  });

  it('refuses a TEXT segment larger than it may read, naming the sizes', () => {
    const bytes = writeFcs({ channels: [{ name: 'A' }], events: new Float64Array(4), keywords: { NOTE: 'x'.repeat(5000) } });
    const r = parseFcsMetadata(counting(bytes), { maxTextBytes: 4096 });
    expect(r).toMatchObject({ ok: false, error: { code: 'FCS_UNSUPPORTED', segment: 'TEXT', expected: 4096 } });
  });
});

describe('checkHeaderStart (the first bytes of an upload)', () => {
  it('refuses a prefix only when the whole file is refused for the same reason', () => {
    const rnd = mulberry32(3);
    for (const base of samples()) {
      for (let i = 0; i < 300; i++) {
        const b = base.slice();
        b[Math.floor(rnd() * 58)] = Math.floor(rnd() * 256);
        const whole = parseFcs(b);
        for (const cut of [1, 3, 10, 57, 58, 200]) {
          const early = checkHeaderStart(b.subarray(0, cut));
          // Same code and segment; a message quoting the first bytes quotes fewer of them.
          if (early) expect(whole).toMatchObject({ ok: false, error: { code: early.error.code, segment: early.error.segment } });
        }
      }
      for (let cut = 0; cut <= 58; cut++) expect(checkHeaderStart(base.subarray(0, cut))).toBe(null);
    }
  });

  it('refuses a body that does not start with "FCS" from its first byte', () => {
    expect(checkHeaderStart(new TextEncoder().encode('P'))).toMatchObject({ ok: false, error: { code: 'FCS_BAD_HEADER', segment: 'HEADER' } });
    expect(checkHeaderStart(new TextEncoder().encode('FCS9.9    '))).toBe(null); // the version is judged at 58 bytes
  });
});
