import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile, cleanup, world, PASSWORD, type World } from './cli-helpers.ts';

type Row = { id: string; name: string; parentId: string | null; access: string; public: boolean };

describe('cytoshare CLI: links, clones, unpublish, gate removal, sign-up', () => {
  let w: World;
  beforeAll(async () => {
    w = await world(['alice', 'bob']);
    for (const user of ['alice', 'bob']) expect((await w.login(user)).code).toBe(0);
  });
  afterAll(async () => cleanup(w));

  it('links an analysis under its parent, and a share of the parent reaches both', async () => {
    const parent = (await w.as('alice', ['exp', 'create', 'Parent run'])).json.id as string;
    const child = (await w.as('alice', ['exp', 'create', 'Child analysis'])).json.id as string;
    const link = await w.as('alice', ['link', child, '--parent', parent]);
    expect(link.code).toBe(0);
    expect(link.json.state).toBe('accepted');
    const cycle = await w.as('alice', ['link', parent, '--parent', child]);
    expect(cycle.code).toBe(3);
    expect(cycle.json.error?.code ?? cycle.json.code).toBe('LINK_CYCLE');

    expect((await w.as('alice', ['share', parent, 'bob@lab.example'])).code).toBe(0);
    const bobs = (await w.as('bob', ['exp', 'list', '--filter', 'shared'])).json as Row[];
    expect(bobs.map((r) => [r.name, r.parentId]).sort()).toEqual([['Child analysis', parent], ['Parent run', null]]);
  });

  it('clones a public experiment into a private copy, linked only for sharing managers', async () => {
    const source = (await w.as('alice', ['exp', 'create', 'Published'])).json.id as string;
    await addFile(w, 'alice', source, 's1.fcs');
    expect((await w.as('alice', ['tag', source, 's1.fcs', 'Donor', '12'])).code).toBe(0);
    expect((await w.as('alice', ['publish', source])).code).toBe(0);

    const linked = await w.as('bob', ['clone', source, '--linked']);
    expect(linked.code).toBe(3);
    const copy = await w.as('bob', ['clone', source]);
    expect(copy.code).toBe(0);
    const show = await w.as('bob', ['exp', 'show', copy.json.id]);
    expect(show.json).toMatchObject({ name: 'Published (clone)', owner: 'bob', public: false, parentId: null, clonedFrom: source });
    expect(show.json.tags).toEqual([{ file: 's1.fcs', dimension: 'Donor', value: '12' }]);
    expect((await w.as('alice', ['exp', 'show', copy.json.id])).code).toBe(3);

    expect((await w.as('alice', ['unpublish', source])).code).toBe(0);
    const publicNow = (await w.as('bob', ['exp', 'list', '--filter', 'public'])).json as Row[];
    expect(publicNow.map((r) => r.id)).not.toContain(source);
  });

  it('removes a gate', async () => {
    const id = (await w.as('alice', ['exp', 'create', 'Gated'])).json.id as string;
    await addFile(w, 'alice', id, 'live.fcs');
    const gate = await w.as('alice', ['gate', 'add', id, 'Live', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', '1,2,3,4']);
    expect((await w.as('alice', ['exp', 'show', id])).json.gates).toHaveLength(1);
    const rm = await w.as('alice', ['gate', 'rm', id, gate.json.id]);
    expect(rm.code).toBe(0);
    expect(rm.json.state).toBe('accepted');
    expect((await w.as('alice', ['exp', 'show', id])).json.gates).toEqual([]);
  });

  it('signs a new researcher up on a premium server, and refuses a taken name', async () => {
    const signup = await w.as('dora', ['signup', 'dora', '--email', 'dora@lab.example', '--password-stdin'], `${PASSWORD}\n`);
    expect(signup.code).toBe(0);
    expect((await w.as('dora', ['whoami'])).json).toMatchObject({ username: 'dora', mode: 'premium' });
    const taken = await w.as('eve', ['signup', 'dora', '--email', 'eve@lab.example', '--password-stdin'], `${PASSWORD}\n`);
    expect(taken.code).toBe(3);
    expect(taken.json.error.code).toBe('USERNAME_TAKEN');
  });
});
