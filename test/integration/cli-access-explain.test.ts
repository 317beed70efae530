import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, cli, world, type Run, type World } from './cli-helpers.ts';

/**
 * Roles per person and "why does X have access" through the real server and the real binary:
 * `share --role`, a bulk row with the viewer role, `access explain`, `exp show --as`.
 */
const codeOf = (run: Run): string | undefined => run.json?.error?.code ?? run.json?.code;

describe('cytoshare CLI: roles, access explain, exp show --as', () => {
  let w: World;
  const mailTo: string[] = [];
  let exp: string;
  let project: string;

  beforeAll(async () => {
    w = await world(['alice', 'bob', 'carol', 'dave', 'erin']);
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) expect((await w.login(user)).code).toBe(0);
    const store = w.server.store;
    const enqueue = store.enqueueMail.bind(store);
    store.enqueueMail = async (mail) => {
      mailTo.push(mail.to);
      return enqueue(mail);
    };
    project = (await w.as('alice', ['project', 'create', 'Roles lab'])).json.id as string;
    expect((await w.as('alice', ['project', 'member', project, 'carol', '--role', 'member'])).code).toBe(0);
    expect((await w.as('alice', ['project', 'policy', project, '--access', 'restricted'])).code).toBe(0);
    exp = (await w.as('alice', ['exp', 'create', 'Roles panel'])).json.id as string;
    expect((await w.as('alice', ['project', 'add', project, exp])).code).toBe(0);
  }, 90_000);
  afterAll(async () => cleanup(w));

  it('share --role viewer gives viewer access; sharing again with full changes it without a second mail', async () => {
    expect((await w.as('alice', ['share', exp, 'bob', '--role', 'viewer'])).code).toBe(0);
    expect(mailTo.filter((to) => to === 'bob@lab.example')).toHaveLength(1);
    const seen = await w.as('bob', ['exp', 'show', exp]);
    expect(seen.json.can).toMatchObject({ edit: false, download: false, clone: false, manageSharing: false });
    expect(codeOf(await w.as('bob', ['exp', 'rename', exp, 'Mine now']))).toBe('READ_ONLY');
    expect(codeOf(await w.as('bob', ['share', exp, 'erin']))).toBe('NOT_A_SHARING_MANAGER');
    expect(codeOf(await w.as('alice', ['share', exp, 'erin', '--role', 'editor']))).toBe('UNKNOWN_ROLE');

    expect((await w.as('alice', ['share', exp, 'bob', '--role', 'full'])).code).toBe(0);
    expect(mailTo.filter((to) => to === 'bob@lab.example')).toHaveLength(1);
    expect((await w.as('bob', ['exp', 'show', exp])).json.can).toMatchObject({ edit: true, download: true });
    expect((await w.as('alice', ['share', exp, 'bob', '--role', 'viewer'])).code).toBe(0);
  });

  it('a bulk row with the viewer role shares to view', async () => {
    const dir = await mkdtemp(join(w.root, 'csv-'));
    const file = join(dir, 'rows.csv');
    await writeFile(file, `experiment,user,role\n${exp},dave,viewer\n`);
    const run = await w.as('alice', ['share', '--from', file]);
    expect(run.code).toBe(0);
    expect((await w.as('alice', ['access', 'explain', exp, 'dave'])).json).toMatchObject({ access: 'viewer', decidedBy: 'direct' });
  });

  it('access explain answers for the owner, a direct share, a project member and a public experiment', async () => {
    expect((await w.as('alice', ['access', 'explain', exp, 'alice'])).json).toEqual({
      user: 'alice', access: 'owner', decidedBy: 'owner', sources: [{ via: 'owner', role: 'owner', level: 'owner', detail: 'owns the experiment' }],
    });
    const bob = (await w.as('alice', ['access', 'explain', exp, 'bob'])).json;
    expect(bob).toMatchObject({ user: 'bob', access: 'viewer', decidedBy: 'direct', sources: [{ via: 'direct', role: 'viewer', level: 'viewer' }] });
    expect(bob.sources[0].detail).toMatch(/^shared to view by alice on \d{4}-\d\d-\d\d$/);
    expect((await w.as('alice', ['access', 'explain', exp, 'carol'])).json).toMatchObject({
      access: 'restricted', decidedBy: 'project', sources: [{ via: 'project', role: 'member', level: 'restricted', detail: `member in project ${project} (restricted access)` }],
    });
    expect((await w.as('alice', ['access', 'explain', exp, 'erin'])).json).toEqual({ user: 'erin', access: 'none', sources: [], decidedBy: null });
    expect((await w.as('alice', ['publish', exp])).code).toBe(0);
    expect((await w.as('alice', ['access', 'explain', exp, 'erin'])).json).toMatchObject({ access: 'public', decidedBy: 'public', sources: [{ via: 'public', role: 'public' }] });
    const viewerAndPublic = (await w.as('alice', ['access', 'explain', exp, 'bob'])).json;
    expect(viewerAndPublic.sources.map((s: { via: string }) => s.via)).toEqual(['direct', 'public']);
    expect((await w.as('alice', ['unpublish', exp])).code).toBe(0);
  });

  it('only the owner and full access may ask: a viewer and a stranger get the usual refusals', async () => {
    const viewer = await w.as('bob', ['access', 'explain', exp, 'alice']);
    expect(viewer.code).toBe(3);
    expect(codeOf(viewer)).toBe('NOT_A_SHARING_MANAGER');
    expect(codeOf(await w.as('bob', ['exp', 'show', exp, '--as', 'carol']))).toBe('NOT_A_SHARING_MANAGER');
    expect(codeOf(await w.as('erin', ['access', 'explain', exp, 'alice']))).toMatch(/NOT_A_READER|UNKNOWN_EXPERIMENT/);
  });

  it('exp show --as shows the experiment as the person would, with what is hidden, without signing in as them', async () => {
    const asBob = await w.as('alice', ['exp', 'show', exp, '--as', 'bob']);
    expect(asBob.code).toBe(0);
    expect(asBob.json).toMatchObject({ as: 'bob', access: 'viewer', decidedBy: 'direct', hidden: ['history', 'downloads'] });
    expect(asBob.json.view).toMatchObject({ id: exp, name: 'Roles panel', can: { edit: false, download: false, clone: false, manageSharing: false } });
    // The same as bob's own client shows.
    expect(asBob.json.view.can).toEqual((await w.as('bob', ['exp', 'show', exp])).json.can);
    const asErin = await w.as('alice', ['exp', 'show', exp, '--as', 'erin']);
    expect(asErin.json).toMatchObject({ as: 'erin', access: 'none', hidden: ['experiment'], view: null });
    const asOwner = await w.as('alice', ['exp', 'show', exp, '--as', 'alice']);
    expect(asOwner.json).toMatchObject({ access: 'owner', hidden: [], view: { can: { edit: true, trash: true } } });
    // Plain output says who, what access and what is hidden.
    const plain = await cli(['exp', 'show', exp, '--as', 'bob', '--server', w.url, '--profile', join(w.root, 'profile-alice')]);
    expect(plain.stdout).toMatch(/^as bob: viewer \(decided by direct\)$/m);
    expect(plain.stdout).toMatch(/^hidden: history, downloads$/m);
  });
});
