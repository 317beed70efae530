import { createHash } from 'node:crypto';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ArchiveError, figuresForArchive, figuresForImport, verifyArchive, type VerifiedArchive } from '../../shared/archive/index.ts';
import { hasher, memorySource, sampleArchive, sampleInput } from './archive-support.ts';

/**
 * Archives an importer must refuse, built here with fflate: every check that stands between a
 * downloaded ZIP and the server (paths, duplicates, unknown or missing entries, sizes counted
 * while inflating, hashes, the manifest's shape, Gating-ML channels).
 */
async function verify(bytes: Uint8Array): Promise<VerifiedArchive & { fcs: Map<string, Uint8Array> }> {
  const fcs = new Map<string, Uint8Array>();
  const verified = await verifyArchive(memorySource(bytes), {
    hasher,
    openFcs: async (entry) => {
      const parts: Uint8Array[] = [];
      return { write: (c) => void parts.push(c.slice()), close: async () => void fcs.set(entry.path, new Uint8Array(Buffer.concat(parts))) };
    },
  });
  return { ...verified, fcs };
}

async function refusal(bytes: Uint8Array): Promise<string> {
  try {
    await verify(bytes);
    return 'accepted';
  } catch (error) {
    if (error instanceof ArchiveError) return error.reason;
    throw error;
  }
}

const text = (s: string) => new TextEncoder().encode(s);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The entries of the sample archive, to change and zip again; `reseal` fixes the manifest's hashes. */
async function entries(): Promise<Record<string, Uint8Array>> {
  return unzipSync(await sampleArchive());
}
function manifestOf(files: Record<string, Uint8Array>) {
  return JSON.parse(new TextDecoder().decode(files['manifest.json']));
}
function reseal(files: Record<string, Uint8Array>): Record<string, Uint8Array> {
  const manifest = manifestOf(files);
  for (const e of manifest.entries) if (files[e.path]) Object.assign(e, { size: files[e.path]!.length, sha256: sha(files[e.path]!) });
  return { ...files, 'manifest.json': text(JSON.stringify(manifest)) };
}
const zip = (files: Zippable) => zipSync(files, { level: 6 });

describe('experiment archives: what an importer accepts', () => {
  it('reads back every file byte for byte, the tags, the gates and the sharing record', async () => {
    const input = sampleInput();
    const read = await verify(await sampleArchive(input));
    expect(read.manifest.experiment).toEqual({ name: 'Panel', purpose: 'T cells' });
    expect(read.manifest.source).toEqual({ server: 'http://127.0.0.1:1', experimentId: 'exp-00000001', exportedBy: 'ann' });
    expect(read.manifest.files.map((f) => f.name)).toEqual(['a.fcs', 'b c.fcs']);
    for (const [i, file] of input.files.entries()) {
      const chunks: Uint8Array[] = [];
      for await (const c of await file.open()) chunks.push(c);
      expect(read.fcs.get(read.manifest.files[i]!.path)).toEqual(new Uint8Array(Buffer.concat(chunks)));
    }
    expect(read.tags).toEqual(input.tags);
    expect(read.gates).toEqual(input.gates);
    expect(read.sharing).toEqual(input.sharing);
    expect(read.figures).toEqual(input.figures);
  });

  it('carries the figures with each drawn as SVG, and gives them the new gates on import', async () => {
    const input = sampleInput();
    const names = Object.keys(await entries());
    expect(names).toContain('figures.json');
    expect(names).toContain('figures/figure-1.svg');
    // The experiment's gate ids become gates.xml's ids on export, and the new ones on import.
    const experimentGates = input.gates.map((g, i) => ({ ...g, id: `old${i}-gate` }));
    const saved = [{ id: 'f-saved-1', name: 'Overview', columns: 1, panels: [{ file: 'b c.fcs', x: 'CD4 PE-Cy7', y: 'ζ-chain ünï', gates: ['old1-gate', 'gone-gate'], scale: 'log' as const, cofactor: 150 }] }];
    const archived = figuresForArchive(saved, experimentGates);
    expect(archived[0]!.panels[0]!.gates).toEqual(['gate-2']);
    const read = await verify(await sampleArchive({ ...input, figures: archived }));
    const imported = figuresForImport(read.figures, read.gateIds, ['new-gate-a', 'new-gate-b']);
    expect(imported).toEqual([{ name: 'Overview', columns: 1, panels: [{ ...saved[0]!.panels[0]!, gates: ['new-gate-b'] }] }]);
  });

  it('gives files whose names differ only in case, or are no safe path, entries of their own', async () => {
    const input = sampleInput();
    const [a] = input.files;
    input.files = ['A.fcs', 'a.fcs', '..', 'file-1.fcs', 'C:x.fcs'].map((name) => ({ ...a!, name }));
    input.tags = [];
    input.gates = [];
    input.figures = [];
    const read = await verify(await sampleArchive(input));
    expect(read.manifest.files.map((f) => f.name)).toEqual(['A.fcs', 'a.fcs', '..', 'file-1.fcs', 'C:x.fcs']);
    expect(read.manifest.files.map((f) => f.path)).toEqual(['files/A.fcs', 'files/file-1.fcs', 'files/file-2.fcs', 'files/file-3.fcs', 'files/file-4.fcs']);
  });

  it('is read the same when re-zipped by another tool (deflated FCS, other order)', async () => {
    const files = await entries();
    const reordered = Object.fromEntries(Object.entries(files).reverse());
    expect(await refusal(zip(reordered))).toBe('accepted');
  });
});

describe('experiment archives: what an importer refuses', () => {
  it('refuses entry paths that leave the archive folder', async () => {
    for (const bad of ['../evil.fcs', 'files/../../evil.fcs', '/etc/cron.d/x', 'files\\..\\evil.fcs', 'C:evil.fcs', 'files/./a.fcs']) {
      expect(await refusal(zip({ ...(await entries()), [bad]: text('x') })), bad).toBe('path-unsafe');
    }
  });

  it('refuses two entries of one name, exact or differing only in case', async () => {
    const files = await entries();
    expect(await refusal(zip({ ...files, 'TAGS.csv': files['tags.csv']! }))).toBe('duplicate-entry');
    // fflate will not write one name twice, so the second name is patched in place.
    const raw = Buffer.from(zip({ ...files, 'tags.csx': files['tags.csv']! }));
    const patched = Buffer.from(raw.toString('latin1').replaceAll('tags.csx', 'tags.csv'), 'latin1');
    expect(await refusal(new Uint8Array(patched))).toBe('duplicate-entry');
  });

  it('refuses an entry the manifest does not list, and a listed entry that is missing', async () => {
    expect(await refusal(zip({ ...(await entries()), 'notes.txt': text('hello') }))).toBe('unknown-entry');
    const { 'tags.csv': _gone, ...rest } = await entries();
    expect(await refusal(zip(rest))).toBe('missing-entry');
  });

  it('refuses an FCS file or a table whose bytes do not match the manifest', async () => {
    const files = await entries();
    const fcs = files['files/a.fcs']!.slice();
    fcs[fcs.length - 1] = fcs[fcs.length - 1]! ^ 1;
    expect(await refusal(zip({ ...files, 'files/a.fcs': fcs }))).toBe('hash-mismatch');
    expect(await refusal(zip({ ...files, 'tags.csv': text('file,dimension,value\r\n') }))).toBe('hash-mismatch');
  });

  it('refuses a manifest that is not JSON or fails its schema', async () => {
    const files = await entries();
    expect(await refusal(zip({ ...files, 'manifest.json': text('{not json') }))).toBe('manifest-invalid');
    for (const change of [{ formatVersion: 99 }, { entries: 'all' }, { exportedAt: 'yesterday' }, { experiment: { name: '', purpose: '' } }]) {
      expect(await refusal(zip({ ...files, 'manifest.json': text(JSON.stringify({ ...manifestOf(files), ...change })) })), JSON.stringify(change)).toBe('manifest-invalid');
    }
    const traversal = manifestOf(files);
    traversal.entries[0].path = '../a.fcs';
    expect(await refusal(zip({ ...files, 'manifest.json': text(JSON.stringify(traversal)) }))).toBe('manifest-invalid');
    const { 'manifest.json': _m, ...noManifest } = files;
    expect(await refusal(zip(noManifest))).toBe('missing-entry');
  });

  it('stops inflating a bomb at the size the manifest declares, whatever the headers say', async () => {
    const files = await entries();
    const bomb = new Uint8Array(24 * 1024 * 1024);
    const zipped = zip({ ...files, 'tags.csv': bomb });
    // Local and central headers are left claiming the real size; the manifest says the old one.
    expect(zipped.length).toBeLessThan(1024 * 1024);
    expect(await refusal(zipped)).toBe('size-exceeded');
    // A manifest that claims a huge entry is over the absolute cap for its kind.
    const greedy = manifestOf(files);
    greedy.entries.find((e: { kind: string }) => e.kind === 'tags').size = 2 ** 31;
    expect(await refusal(zip({ ...files, 'manifest.json': text(JSON.stringify(greedy)) }))).toBe('manifest-invalid');
    // The manifest itself is bounded before it is parsed.
    expect(await refusal(zip({ ...files, 'manifest.json': new Uint8Array(3 * 1024 * 1024).fill(32) }))).toBe('size-exceeded');
  }, 30_000);

  it('refuses Gating-ML on channels no file has, and tags on files it lacks', async () => {
    const files = await entries();
    const gates = new TextDecoder().decode(files['gates.xml']).replace('data-type:name="FSC-A"', 'data-type:name="Nope"');
    expect(await refusal(zip(reseal({ ...files, 'gates.xml': text(gates) })))).toBe('unknown-channel');
    expect(await refusal(zip(reseal({ ...files, 'tags.csv': text('file,dimension,value\r\nghost.fcs,Donor,1\r\n') })))).toBe('tags-invalid');
    expect(await refusal(zip(reseal({ ...files, 'gates.xml': text('<!DOCTYPE lol [<!ENTITY a "a">]><x/>') })))).toBe('gating-ml-invalid');
  });

  it('refuses a figures entry that fails the Figure schema or names what the archive lacks', async () => {
    const files = await entries();
    const figures = JSON.parse(new TextDecoder().decode(files['figures.json']));
    const variant = (change: (f: typeof figures) => void) => {
      const copy = structuredClone(figures);
      change(copy);
      return zip(reseal({ ...files, 'figures.json': text(JSON.stringify(copy)) }));
    };
    const hostile: Array<[string, Uint8Array]> = [
      ['not JSON', zip(reseal({ ...files, 'figures.json': text('[{') }))],
      ['not a list', zip(reseal({ ...files, 'figures.json': text('{"0":{"name":"x"}}') }))],
      ['markup in a name', variant((f) => void (f[0].name = 'a\n<script>'))],
      ['a prototype key', variant((f) => void (f[0].__proto__x = 1))],
      ['too many panels', variant((f) => void (f[0].panels = Array(17).fill(f[0].panels[0])))],
      ['a file the archive lacks', variant((f) => void (f[0].panels[0].file = '../../etc/passwd'))],
      ['a channel the file lacks', variant((f) => void (f[0].panels[1].x = 'FSC-A'))],
      ['a gate gates.xml lacks', variant((f) => void (f[0].panels[1].gates = ['gate-99']))],
      ['another count than the manifest', variant((f) => void f.push(f[0]))],
    ];
    for (const [what, bytes] of hostile) expect(await refusal(bytes), what).toBe('figures-invalid');
    // The images are checked like every entry, though never read back.
    expect(await refusal(zip({ ...files, 'figures/figure-1.svg': text('<svg/>') }))).toBe('hash-mismatch');
  });

  it('refuses bytes that are not a ZIP archive', async () => {
    expect(await refusal(new Uint8Array(1000).fill(7))).toBe('not-a-zip');
    const whole = await sampleArchive();
    expect(await refusal(whole.subarray(0, whole.length - 30))).toBe('not-a-zip');
  });
});
