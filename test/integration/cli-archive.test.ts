import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFcs } from '../../shared/fcs/index.ts';
import { cleanup, world, type World } from './cli-helpers.ts';

/**
 * Archives between two servers (two data folders): what one account exports, another imports
 * elsewhere as a new private experiment, with the same files, tags, gates, figures and name and its
 * origin recorded; and a damaged or hostile archive creates nothing.
 */
function fcs(path: string, channels: string[], count: number): string {
  const events = new Float64Array(count * channels.length).map((_, i) => ((i * 37) % 1000) / 7);
  writeFileSync(path, writeFcs({ channels: channels.map((name) => ({ name })), events, dataType: 'F' }));
  return path;
}

/** The archive with one entry replaced and the manifest's hash and size for it updated. */
function resealed(entries: Record<string, Uint8Array>, path: string, body: string): Record<string, Uint8Array> {
  const bytes = new TextEncoder().encode(body);
  const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json']));
  Object.assign(manifest.entries.find((e: { path: string }) => e.path === path), { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  return { ...entries, [path]: bytes, 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest)) };
}

const codeOf = (run: { json: { error?: { code: string; reason?: string } } }) => run.json?.error;

describe('cytoshare export and import between two servers', () => {
  let lab: World;
  let home: World;
  let exp: string;
  let zip: string;
  beforeAll(async () => {
    lab = await world(['ann', 'cid']);
    home = await world(['bob']);
    for (const user of ['ann', 'cid']) expect((await lab.login(user)).code).toBe(0);
    expect((await home.login('bob')).code).toBe(0);
  });
  afterAll(async () => {
    await cleanup(lab);
    await cleanup(home);
  });

  it('imports on another server, as another user, everything but the ids and the sharing', async () => {
    exp = (await lab.as('ann', ['exp', 'create', 'Tumour panel — ünï'])).json.id;
    expect((await lab.as('ann', ['file', 'add', exp, fcs(join(lab.root, 'tube 1.fcs'), ['FSC-A', 'SSC-A'], 4000)])).code).toBe(0);
    expect((await lab.as('ann', ['file', 'add', exp, fcs(join(lab.root, 'tube2.fcs'), ['CD4 PE-Cy7', 'CD8 ζ'], 300)])).code).toBe(0);
    expect((await lab.as('ann', ['tag', exp, 'tube 1.fcs', 'Donor', 'D-17, "left"'])).code).toBe(0);
    expect((await lab.as('ann', ['tag', exp, 'tube2.fcs', 'Time point', 'day 3'])).code).toBe(0);
    expect((await lab.as('ann', ['gate', 'add', exp, 'Lymphocytes', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', '10,20,500.5,900'])).code).toBe(0);
    expect((await lab.as('ann', ['gate', 'add', exp, 'CD4 T', '--x', 'CD4 PE-Cy7', '--y', 'CD8 ζ', '--polygon', '0,0;100,0;50.25,80'])).code).toBe(0);
    expect((await lab.as('ann', ['figure', 'add', exp, 'Scatter', '--file', 'tube 1.fcs', '--x', 'FSC-A', '--y', 'SSC-A', '--scale', 'asinh', '--cofactor', '5'])).code).toBe(0);
    expect((await lab.as('ann', ['share', exp, 'cid'])).code).toBe(0);
    expect((await lab.as('ann', ['publish', exp])).code).toBe(0);

    zip = join(home.root, 'panel.zip');
    const exported = await lab.as('cid', ['export', exp, '--out', zip]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.json).toMatchObject({ id: exp, path: zip, files: 2, tags: 2, gates: 2, figures: 1 });
    const unzipped = unzipSync(new Uint8Array(readFileSync(zip)));
    expect(Object.keys(unzipped).sort()).toEqual(['figures.json', 'figures/figure-1.svg', 'files/tube 1.fcs', 'files/tube2.fcs', 'gates.xml', 'manifest.json', 'sharing.json', 'tags.csv']);
    // The SVG is the figure drawn, for people without Cytoshare: its name and its plot.
    const svg = new TextDecoder().decode(unzipped['figures/figure-1.svg']);
    expect(svg).toContain('Scatter');
    expect(svg).toContain('data:image/png;base64,');

    const imported = await home.as('bob', ['import', zip]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json.id).not.toBe(exp);
    expect(imported.json.origin).toMatchObject({ server: lab.url, experimentId: exp, exportedBy: 'cid' });

    const original = (await lab.as('ann', ['exp', 'show', exp])).json;
    const copy = (await home.as('bob', ['exp', 'show', imported.json.id])).json;
    expect(copy.name).toBe(original.name);
    expect(copy).toMatchObject({ owner: 'bob', public: false, curated: false, projectId: null });
    expect(copy.access).toEqual([{ user: 'bob', via: 'owner' }]);
    expect(copy.purpose).toContain(lab.url);
    expect(copy.purpose).toContain(exp);
    expect(copy.tags).toEqual(original.tags);
    const shape = (g: Record<string, unknown>) => ({ ...g, id: undefined });
    expect(copy.gates.map(shape)).toEqual(original.gates.map(shape));
    expect(copy.files.map((f: { name: string }) => f.name)).toEqual(original.files.map((f: { name: string }) => f.name));
    expect(imported.json.figures).toBe(1);
    expect(copy.figures.map(shape)).toEqual(original.figures.map(shape));
    for (const file of copy.files as Array<{ id: string; name: string }>) {
      const out = join(home.root, `back-${file.id}.fcs`);
      expect((await home.as('bob', ['file', 'get', imported.json.id, file.id, '--out', out])).code).toBe(0);
      expect(readFileSync(out).equals(readFileSync(join(lab.root, file.name)))).toBe(true);
    }
  }, 120_000);

  it('refuses damaged and hostile archives with ARCHIVE_INVALID and creates nothing', async () => {
    const before = (await home.server.store.experimentsOf('bob')).length;
    const entries = unzipSync(new Uint8Array(readFileSync(zip)));
    const flipped = entries['files/tube2.fcs']!.slice();
    flipped[flipped.length - 5] = flipped[flipped.length - 5]! ^ 0xff;
    // The manifest swaps the two files' channel lists: the gates still name listed channels, but
    // each FCS file's own TEXT says otherwise, which only reading the files back can tell.
    const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json']));
    [manifest.files[0].channels, manifest.files[1].channels] = [manifest.files[1].channels, manifest.files[0].channels];
    // Without the figure, whose panel the swap would already give away.
    delete manifest.figures;
    manifest.entries = manifest.entries.filter((e: { kind: string }) => e.kind !== 'figures' && e.kind !== 'figure-svg');
    const lying = new TextEncoder().encode(JSON.stringify(manifest));
    const { 'figures.json': _f, 'figures/figure-1.svg': _s, ...figureless } = entries;
    const cases: Array<[string, Record<string, Uint8Array>, string]> = [
      ['channels.zip', { ...figureless, 'manifest.json': lying }, 'unknown-channel'],
      ['bad-hash.zip', { ...entries, 'files/tube2.fcs': flipped }, 'hash-mismatch'],
      ['traversal.zip', { ...entries, '../../escape.fcs': entries['files/tube2.fcs']! }, 'path-unsafe'],
      ['extra.zip', { ...entries, 'run.sh': new TextEncoder().encode('rm -rf /') }, 'unknown-entry'],
      ['bomb.zip', { ...entries, 'tags.csv': new Uint8Array(16 * 1024 * 1024) }, 'size-exceeded'],
      ['manifest.zip', { ...entries, 'manifest.json': new TextEncoder().encode('{"format":"cytoshare-experiment"}') }, 'manifest-invalid'],
      ['figures.zip', resealed(entries, 'figures.json', JSON.stringify([{ name: 'x', columns: 1, panels: [{ file: 'ghost.fcs', x: 'FSC-A', y: 'SSC-A', gates: 'all', scale: 'lin', cofactor: 5 }] }])), 'figures-invalid'],
    ];
    for (const [name, files, reason] of cases) {
      const path = join(home.root, name);
      writeFileSync(path, zipSync(files, { level: 1 }));
      const refused = await home.as('bob', ['import', path]);
      expect(refused.code, name).toBe(3);
      expect(codeOf(refused), name).toEqual(expect.objectContaining({ code: 'ARCHIVE_INVALID', reason }));
      expect(refused.stderr).toContain('ARCHIVE_INVALID');
    }
    const missing = await home.as('bob', ['import', join(home.root, 'no-such.zip')]);
    expect(missing.code).toBe(2);
    // The server's own record: no experiment, not even one created and deleted again.
    expect(await home.server.store.experimentsOf('bob')).toHaveLength(before);
    expect((await home.as('bob', ['exp', 'list', '--filter', 'trash'])).json).toEqual([]);
  }, 120_000);
});
