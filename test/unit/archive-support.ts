import { createHash } from 'node:crypto';
import { writeFcs } from '../../shared/fcs/index.ts';
import { writeArchive, type ArchiveSource, type ExportInput, type Hasher } from '../../shared/archive/index.ts';

/** In-memory helpers for the archive tests: a byte array as a source, Node's hasher, a small experiment. */
export const hasher = (): Hasher => {
  const h = createHash('sha256');
  return { update: (b) => void h.update(b), digestHex: () => h.digest('hex') };
};

export function memorySource(bytes: Uint8Array, chunk = 4096): ArchiveSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.slice(offset, Math.min(bytes.length, offset + length)),
    async *stream(offset, length) {
      for (let at = 0; at < length; at += chunk) yield bytes.slice(offset + at, offset + Math.min(length, at + chunk));
    },
  };
}

export function fcsBytes(channels: string[], count = 50): Uint8Array {
  const events = new Float64Array(count * channels.length).map((_, i) => (i * 7) % 101);
  return writeFcs({ channels: channels.map((name) => ({ name })), events, dataType: 'F' });
}

export function sampleInput(): ExportInput {
  const a = fcsBytes(['FSC-A', 'SSC-A']);
  const b = fcsBytes(['CD4 PE-Cy7', 'ζ-chain ünï']);
  const file = (name: string, bytes: Uint8Array, channels: string[]) => ({
    name, events: 50, channels, size: bytes.length,
    open: async () => (async function* () { for (let at = 0; at < bytes.length; at += 1000) yield bytes.slice(at, at + 1000); })(),
  });
  return {
    appVersion: '0.1.0', server: 'http://127.0.0.1:1', exportedBy: 'ann', experimentId: 'exp-00000001', name: 'Panel', purpose: 'T cells',
    files: [file('a.fcs', a, ['FSC-A', 'SSC-A']), file('b c.fcs', b, ['CD4 PE-Cy7', 'ζ-chain ünï'])],
    tags: [{ file: 'a.fcs', dimension: 'Donor', value: '3, "left"' }],
    gates: [
      { name: 'Lymphs', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [1, 2, 30, 40] },
      { name: 'CD4+', xChannel: 'CD4 PE-Cy7', yChannel: 'ζ-chain ünï', polygon: [[0, 0], [10, 0], [5, 8]] },
    ],
    sharing: { owner: 'ann', access: [{ user: 'ann', via: 'owner' }], public: true, curated: false, projectId: null },
    // As figuresForArchive writes them: the second gate (CD4+) by its gates.xml id.
    figures: [
      { name: 'Overview', columns: 2, panels: [
        { file: 'a.fcs', x: 'FSC-A', y: 'SSC-A', gates: 'all', scale: 'lin', cofactor: 150 },
        { file: 'b c.fcs', x: 'CD4 PE-Cy7', y: 'ζ-chain ünï', gates: ['gate-2'], scale: 'asinh', cofactor: 5 },
      ] },
    ],
    figureSvg: async (i) => `<svg xmlns="http://www.w3.org/2000/svg"><title>figure ${i + 1}</title></svg>`,
    now: new Date('2026-01-02T03:04:05Z'),
  };
}

export async function sampleArchive(input: ExportInput = sampleInput()): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await writeArchive(input, async (c) => void parts.push(c.slice()), hasher);
  return new Uint8Array(Buffer.concat(parts));
}
