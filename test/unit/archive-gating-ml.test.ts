import { describe, expect, it } from 'vitest';
import { ArchiveError, readGatingMl, readTagsCsv, sha256Hasher, writeGatingMl, writeTagsCsv } from '../../shared/archive/index.ts';
import type { Gate } from '../../shared/schemas/entities.ts';
import { hasher } from './archive-support.ts';

const reason = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    if (error instanceof ArchiveError) return error.reason;
    throw error;
  }
  return 'accepted';
};

describe('Gating-ML 2.0 write and read', () => {
  it('gives back rectangles and polygons on channels with spaces, unicode and markup characters', () => {
    const gates: Gate[] = [
      { name: 'Lymphocytes & "friends" <1>', xChannel: 'FSC A', yChannel: 'CD4 – ünï ζ', rect: [0.5, -3, 1e6, 2.25] },
      { name: 'Blasts', xChannel: 'Comp-APC-A :: CD34', yChannel: "SSC-H's", polygon: [[0, 0], [10.125, 0], [0.1, 0.30000000000000004], [-5, 7]] },
    ];
    const xml = writeGatingMl(gates);
    expect(xml).toContain('gating:RectangleGate');
    expect(xml).toContain('gating:PolygonGate');
    expect(xml).toContain('xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating"');
    expect(xml).toContain('xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes"');
    expect(readGatingMl(xml)).toEqual(gates);
  });

  it('writes a rectangle as min and max per dimension, whichever corner came first', () => {
    const xml = writeGatingMl([{ name: 'R', xChannel: 'x', yChannel: 'y', rect: [9, 8, 1, 2] }]);
    expect(xml).toMatch(/gating:min="1" gating:max="9"/);
    expect(readGatingMl(xml)).toEqual([{ name: 'R', xChannel: 'x', yChannel: 'y', rect: [1, 2, 9, 8] }]);
  });

  it('reads other prefixes bound to the ISAC namespaces', () => {
    const xml = `<?xml version="1.0"?><g:Gating-ML xmlns:g="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:dt="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
      <g:RectangleGate g:id="R1"><g:dimension g:min="1" g:max="2"><dt:fcs-dimension dt:name="FL1"/></g:dimension><g:dimension g:min="3" g:max="4"><dt:fcs-dimension dt:name="FL2"/></g:dimension></g:RectangleGate>
    </g:Gating-ML>`;
    expect(readGatingMl(xml)).toEqual([{ name: 'R1', xChannel: 'FL1', yChannel: 'FL2', rect: [1, 3, 2, 4] }]);
  });

  it('refuses entity declarations, gate types it cannot hold, transformed dimensions and open rectangles', () => {
    const ns = 'xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes"';
    const dim = (attrs: string, ch: string) => `<gating:dimension ${attrs}><data-type:fcs-dimension data-type:name="${ch}"/></gating:dimension>`;
    expect(reason(() => readGatingMl(`<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><gating:Gating-ML ${ns}/>`))).toBe('gating-ml-invalid');
    expect(reason(() => readGatingMl(`<gating:Gating-ML ${ns}><gating:EllipsoidGate gating:id="e"/></gating:Gating-ML>`))).toBe('gating-ml-invalid');
    expect(reason(() => readGatingMl(`<gating:Gating-ML ${ns}><gating:RectangleGate gating:id="r">${dim('gating:min="1" gating:max="2" gating:transformation-ref="t"', 'a')}${dim('gating:min="1" gating:max="2"', 'b')}</gating:RectangleGate></gating:Gating-ML>`))).toBe('gating-ml-invalid');
    expect(reason(() => readGatingMl(`<gating:Gating-ML ${ns}><gating:RectangleGate gating:id="r">${dim('gating:min="1"', 'a')}${dim('gating:min="1" gating:max="2"', 'b')}</gating:RectangleGate></gating:Gating-ML>`))).toBe('gating-ml-invalid');
    expect(reason(() => readGatingMl('<Gating-ML/>'))).toBe('gating-ml-invalid');
    expect(reason(() => readGatingMl('<<<'))).toBe('gating-ml-invalid');
    expect(reason(() => readGatingMl(`<gating:Gating-ML ${ns}/>`))).toBe('accepted');
  });
});

describe('tags CSV', () => {
  it('round-trips commas, quotes, edge spaces and unicode, and refuses a malformed table', () => {
    const tags = [
      { file: 'a, b.fcs', dimension: 'Donor "id"', value: ' 3 ' },
      { file: 'ü.fcs', dimension: 'Time', value: '' },
    ];
    const csv = writeTagsCsv(tags);
    expect(csv.split('\r\n')[0]).toBe('file,dimension,value');
    expect(readTagsCsv(csv)).toEqual(tags);
    expect(reason(() => readTagsCsv('file,dimension,value\r\na,b\r\n'))).toBe('tags-invalid');
    expect(reason(() => readTagsCsv('name,value\r\n'))).toBe('tags-invalid');
    expect(reason(() => readTagsCsv('file,dimension,value\r\n"a,b,c\r\n'))).toBe('tags-invalid');
  });
});

describe('the browser SHA-256', () => {
  it('equals Node crypto for inputs fed in uneven pieces', () => {
    for (const n of [0, 1, 55, 56, 64, 65, 1000, 70_001]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 255);
      const ours = sha256Hasher();
      for (let at = 0; at < n; at += 37) ours.update(bytes.subarray(at, at + 37));
      const node = hasher();
      node.update(bytes);
      expect(ours.digestHex()).toBe(node.digestHex());
    }
  });
});
