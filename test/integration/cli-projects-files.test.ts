import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFcs } from '../../shared/fcs/index.ts';
import { cleanup, fcsFile, world, type World } from './cli-helpers.ts';

const codeOf = (run: { json: { code?: string; error?: { code: string } } }) => run.json.error?.code ?? run.json.code;

describe('cytoshare CLI: projects, files, cloning, curation and trash', () => {
  let w: World;
  let exp: string;
  let project: string;
  let fileId: string;
  beforeAll(async () => {
    w = await world(['mia', 'ned', 'ola', 'staffer']);
    for (const user of ['mia', 'ned', 'ola', 'staffer']) expect((await w.login(user)).code).toBe(0);
    await w.server.store.addUser({ ...(await w.server.store.findUser('staffer'))!, username: 'stf', email: 'stf@lab.example', staff: true, createdAt: 0 });
  });
  afterAll(async () => cleanup(w));

  it('uploads an FCS file, reports its events and channels, and refuses a malformed one', async () => {
    exp = (await w.as('mia', ['exp', 'create', 'Panel with files'])).json.id;
    const added = await w.as('mia', ['file', 'add', exp, fcsFile(join(w.root, 'tube1.fcs'), 100)]);
    expect(added.code).toBe(0);
    expect(added.json).toMatchObject({ name: 'tube1.fcs', events: 100, channels: [{ name: 'FSC-A', label: null }, { name: 'SSC-A', label: 'side scatter' }] });
    fileId = added.json.fileId;

    const bad = join(w.root, 'cut.fcs');
    writeFileSync(bad, readFileSync(join(w.root, 'tube1.fcs')).subarray(0, 400));
    const refused = await w.as('mia', ['file', 'add', exp, bad]);
    expect(refused.code).toBe(3);
    expect(codeOf(refused)).toBe('INVALID_FILE');
    expect(refused.json.error.message).toMatch(/DATA|TEXT/);
    expect((await w.as('mia', ['exp', 'show', exp])).json.files).toHaveLength(1);

    const got = await w.as('mia', ['file', 'get', exp, fileId, '--out', join(w.root, 'back.fcs')]);
    expect(got.code).toBe(0);
    expect(readFileSync(join(w.root, 'back.fcs'))).toEqual(readFileSync(join(w.root, 'tube1.fcs')));
  });

  it('a restricted project member reads but cannot edit, and downloads and clones only as the cloning level says', async () => {
    project = (await w.as('mia', ['project', 'create', 'Lymphoma study'])).json.id;
    expect((await w.as('mia', ['project', 'add', project, exp])).code).toBe(0);
    expect((await w.as('mia', ['project', 'member', project, 'ned', '--role', 'member'])).code).toBe(0);
    expect((await w.as('mia', ['project', 'policy', project, '--access', 'restricted', '--cloning', 'disabled'])).code).toBe(0);

    const listed = await w.as('ned', ['exp', 'list', '--filter', `project:${project}`]);
    expect(listed.json.map((r: { id: string; access: string }) => [r.id, r.access])).toEqual([[exp, 'restricted']]);
    const tag = await w.as('ned', ['tag', exp, 'tube1.fcs', 'Donor', '3']);
    expect(tag.code).toBe(3);
    expect(codeOf(tag)).toBe('READ_ONLY');
    const download = await w.as('ned', ['file', 'get', exp, fileId, '--out', join(w.root, 'ned.fcs')]);
    expect(download.code).toBe(3);
    expect(codeOf(download)).toBe('DOWNLOAD_NOT_ALLOWED');
    expect(codeOf(await w.as('ned', ['clone', exp, '--files-only']))).toBe('CLONE_NOT_ALLOWED');

    expect((await w.as('mia', ['project', 'policy', project, '--access', 'restricted', '--cloning', 'files-only'])).code).toBe(0);
    expect((await w.as('ned', ['file', 'get', exp, fileId, '--out', join(w.root, 'ned.fcs')])).code).toBe(0);
    expect(codeOf(await w.as('ned', ['clone', exp]))).toBe('CLONE_NOT_ALLOWED');
    const copy = await w.as('ned', ['clone', exp, '--files-only']);
    expect(copy.code).toBe(0);
    const shown = (await w.as('ned', ['exp', 'show', copy.json.id])).json;
    expect(shown).toMatchObject({ owner: 'ned', tags: [], gates: [] });
    expect(shown.files.map((f: { name: string }) => f.name)).toEqual(['tube1.fcs']);
  });

  it('direct full access beats the project restriction', async () => {
    expect((await w.as('mia', ['share', exp, 'ned'])).code).toBe(0);
    expect((await w.as('ned', ['tag', exp, 'tube1.fcs', 'Donor', '3'])).code).toBe(0);
    expect((await w.as('mia', ['unshare', exp, 'ned'])).code).toBe(0);
    expect(codeOf(await w.as('ned', ['tag', exp, 'tube1.fcs', 'Donor', '4']))).toBe('READ_ONLY');
  });

  it('moving between projects needs the manager role in each', async () => {
    const other = (await w.as('ola', ['project', 'create', 'Ola lab'])).json.id;
    expect(codeOf(await w.as('mia', ['project', 'add', other, exp]))).toBe('NOT_A_PROJECT_MANAGER');
    expect((await w.as('ola', ['project', 'member', other, 'mia', '--role', 'manager'])).code).toBe(0);
    expect((await w.as('mia', ['project', 'add', other, exp])).code).toBe(0);
    expect((await w.as('mia', ['exp', 'show', exp])).json.projectId).toBe(other);
    // ned was only a member of the first project: the experiment left his lists.
    expect((await w.as('ned', ['exp', 'list'])).json.map((r: { id: string }) => r.id)).not.toContain(exp);
    expect((await w.as('mia', ['project', 'remove', other, exp])).code).toBe(0);
    expect((await w.as('mia', ['exp', 'show', exp])).json.projectId).toBeNull();
  });

  it('exports the events inside a gate as a new linked experiment', async () => {
    const gate = await w.as('mia', ['gate', 'add', exp, 'Small', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', '0,0,9.5,100']);
    const exported = await w.as('mia', ['gate', 'export', exp, gate.json.id]);
    expect(exported.code).toBe(0);
    const child = (await w.as('mia', ['exp', 'show', exported.json.id])).json;
    expect(child).toMatchObject({ owner: 'mia', parentId: exp, clonedFrom: exp });
    expect(child.files).toHaveLength(1);
    expect(child.files[0]).toMatchObject({ events: 10 });
    const out = join(w.root, 'gated.fcs');
    expect((await w.as('mia', ['file', 'get', exported.json.id, child.files[0].id, '--out', out])).code).toBe(0);
    const parsed = parseFcs(readFileSync(out), { events: true });
    expect(parsed.ok && parsed.file.eventCount).toBe(10);
  });

  it('public clone by anyone, curation by staff only, requests in a queue', async () => {
    expect((await w.as('mia', ['publish', exp])).code).toBe(0);
    const copy = await w.as('ola', ['clone', exp]);
    expect(copy.code).toBe(0);
    expect((await w.as('ola', ['exp', 'show', copy.json.id])).json).toMatchObject({ owner: 'ola', public: false });
    expect((await w.as('mia', ['request-curation', exp])).code).toBe(0);
    expect(codeOf(await w.as('mia', ['curate', exp, 'on']))).toBe('STAFF_ONLY');
    expect(codeOf(await w.as('mia', ['curation-queue']))).toBe('STAFF_ONLY');
    const staff = async (args: string[]) => {
      const login = await w.as('stf', ['login', 'stf', '--password-stdin'], 'correct horse battery\n');
      expect(login.code).toBe(0);
      return w.as('stf', args);
    };
    expect((await staff(['curation-queue'])).json).toEqual([expect.objectContaining({ experimentId: exp, requestedBy: 'mia' })]);
    expect((await w.as('stf', ['curate', exp, 'on'])).code).toBe(0);
    expect((await w.as('ola', ['exp', 'list', '--filter', 'curated'])).json.map((r: { id: string }) => r.id)).toEqual([exp]);
    expect((await w.as('stf', ['curation-queue'])).json).toEqual([]);
  });

  it('trash hides an experiment from everyone else, restore brings it back, delete needs the trash first', async () => {
    expect(codeOf(await w.as('mia', ['delete', exp]))).toBe('NOT_TRASHED');
    expect((await w.as('mia', ['trash', exp])).code).toBe(0);
    expect((await w.as('ola', ['exp', 'list', '--filter', 'public'])).json.map((r: { id: string }) => r.id)).not.toContain(exp);
    expect((await w.as('mia', ['exp', 'list', '--filter', 'trash'])).json.map((r: { id: string }) => r.id)).toEqual([exp]);
    expect((await w.as('mia', ['restore', exp])).code).toBe(0);
    expect((await w.as('ola', ['exp', 'list', '--filter', 'public'])).json.map((r: { id: string }) => r.id)).toContain(exp);
    expect((await w.as('mia', ['trash', exp])).code).toBe(0);
    expect((await w.as('mia', ['delete', exp])).code).toBe(0);
    expect((await w.as('mia', ['exp', 'list', '--filter', 'trash'])).json).toEqual([]);
    expect(await w.server.store.getExperiment(exp)).toBeNull();
  });
});
