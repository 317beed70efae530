import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile, cleanup, cli, PASSWORD, world, type World } from './cli-helpers.ts';

describe('cytoshare CLI against a real server', () => {
  let w: World;
  let expId: string;
  beforeAll(async () => {
    w = await world(['alice', 'bob', 'carol']);
    for (const user of ['alice', 'bob', 'carol']) expect((await w.login(user)).code).toBe(0);
  });
  afterAll(async () => cleanup(w));

  it('a wrong password exits 4 with BAD_CREDENTIALS', async () => {
    const run = await w.as('alice', ['login', 'alice', '--password-stdin'], 'not the password\n');
    expect(run.code).toBe(4);
    expect(run.json).toEqual({ error: { code: 'BAD_CREDENTIALS', message: expect.any(String) } });
    expect(run.stderr).toMatch(/^error BAD_CREDENTIALS: /);
  });

  it('commands without a session exit 4', async () => {
    const run = await w.as('nobody', ['exp', 'list']);
    expect(run.code).toBe(4);
    expect(run.json.error.code).toBe('NOT_SIGNED_IN');
  });

  it('whoami reports the account and the server mode', async () => {
    const run = await w.as('alice', ['whoami']);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ username: 'alice', email: 'alice@lab.example', staff: false, mode: 'premium' });
  });

  it('creates, lists and shows an experiment', async () => {
    const created = await w.as('alice', ['exp', 'create', 'T cells, donor 7']);
    expect(created.code).toBe(0);
    expId = created.json.id;
    expect(expId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.json.draft.state).toBe('accepted');

    const list = await w.as('alice', ['exp', 'list', '--filter', 'mine', '--search', 'donor']);
    expect(list.code).toBe(0);
    expect(list.json).toEqual([
      { id: expId, name: 'T cells, donor 7', owner: 'alice', access: 'owner', public: false, curated: false, projectId: null, parentId: null },
    ]);

    await addFile(w, 'alice', expId, 'a.fcs');
    expect((await w.as('alice', ['tag', expId, 'a.fcs', 'Donor', '7'])).code).toBe(0);
    const gate = await w.as('alice', ['gate', 'add', expId, 'Lymphocytes', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', '0,0,100,50']);
    expect(gate.code).toBe(0);
    expect(gate.json.draft.state).toBe('accepted');

    const show = await w.as('alice', ['exp', 'show', expId]);
    expect(show.code).toBe(0);
    expect(show.json).toMatchObject({
      name: 'T cells, donor 7', purpose: '', owner: 'alice', public: false, curated: false, parentId: null, projectId: null,
      access: [{ user: 'alice', via: 'owner' }],
      tags: [{ file: 'a.fcs', dimension: 'Donor', value: '7' }],
      gates: [{ id: gate.json.id, name: 'Lymphocytes', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 100, 50] }],
    });
  });

  it('gate add --polygon records a polygon gate; a polygon of two vertices or both shapes are refused', async () => {
    const poly = await w.as('alice', ['gate', 'add', expId, 'Blasts', '--x', 'FSC-A', '--y', 'SSC-A', '--polygon', '0,0;100,0;50,80']);
    expect(poly.code).toBe(0);
    expect(poly.json.draft.state).toBe('accepted');
    const show = await w.as('alice', ['exp', 'show', expId]);
    expect(show.json.gates).toContainEqual({ id: poly.json.id, name: 'Blasts', xChannel: 'FSC-A', yChannel: 'SSC-A', polygon: [[0, 0], [100, 0], [50, 80]] });
    expect((await w.as('alice', ['gate', 'add', expId, 'Line', '--x', 'A', '--y', 'B', '--polygon', '0,0;1,1'])).code).toBe(2);
    expect((await w.as('alice', ['gate', 'add', expId, 'Both', '--x', 'A', '--y', 'B', '--polygon', '0,0;1,1;2,0', '--rect', '0,0,1,1'])).code).toBe(2);
  });

  it('share: the other user lists it as shared and sees the access list', async () => {
    const share = await w.as('alice', ['share', expId, 'bob']);
    expect(share.code).toBe(0);
    expect(share.json.state).toBe('accepted');
    const list = await w.as('bob', ['exp', 'list', '--filter', 'shared']);
    expect(list.json.map((r: { id: string; access: string }) => [r.id, r.access])).toEqual([[expId, 'full']]);
    const show = await w.as('bob', ['exp', 'show', expId]);
    expect(show.json.access).toEqual([{ user: 'alice', via: 'owner' }, { user: 'bob', via: 'direct' }]);
  });

  it('a rename by a public viewer is refused locally with READ_ONLY (exit 3), and nothing is recorded', async () => {
    expect((await w.as('alice', ['publish', expId])).code).toBe(0);
    const list = await w.as('carol', ['exp', 'list', '--filter', 'public']);
    expect(list.json.map((r: { id: string }) => r.id)).toContain(expId);
    const rename = await w.as('carol', ['exp', 'rename', expId, 'stolen']);
    expect(rename.code).toBe(3);
    expect(rename.json).toEqual({ error: { code: 'READ_ONLY', message: expect.any(String) } });
    expect(rename.stderr).toMatch(/^error READ_ONLY: /);
    expect((await w.as('carol', ['drafts'])).json).toEqual([]);
  });

  it('a refusal only the server can decide (a second device acted first) exits 3 with the code in the draft', async () => {
    // alice's laptop records an unshare offline; her desktop does the same online first.
    const laptop = (args: string[], input?: string) => cli([...args, '--json', '--server', w.url, '--profile', `${w.root}/profile-alice-laptop`], input);
    expect((await laptop(['login', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    expect((await laptop(['exp', 'show', expId])).json.access).toContainEqual({ user: 'bob', via: 'direct' });
    expect((await laptop(['unshare', expId, 'bob', '--offline'])).json.state).toBe('pending');
    expect((await w.as('alice', ['unshare', expId, 'bob'])).code).toBe(0);
    const sync = await laptop(['sync']);
    expect(sync.code).toBe(3);
    expect(sync.json.settled).toEqual([expect.objectContaining({ state: 'rejected', code: 'NOT_SHARED_WITH_USER' })]);
    expect((await w.as('alice', ['share', expId, 'bob'])).code).toBe(0);
  });

  it('usage errors exit 2', async () => {
    for (const args of [['frobnicate'], ['exp', 'list', '--filter', 'everything'], ['exp', 'show'], ['exp', 'list', '--colour'], ['gate', 'add', expId, 'G', '--x', 'A', '--y', 'B', '--rect', '1,2,3']]) {
      const run = await w.as('alice', args);
      expect(run.code, args.join(' ')).toBe(2);
    }
    expect((await cli(['--help'])).code).toBe(0);
  });
});
