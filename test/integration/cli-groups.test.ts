import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, world, type Run, type World } from './cli-helpers.ts';

/** `cytoshare group …` and `share ID @GROUP` through the real binary and server (issue 14 item 2). */
const codeOf = (run: Run): string | undefined => run.json?.error?.code ?? run.json?.code;

describe('cytoshare CLI: groups', () => {
  let w: World;
  beforeAll(async () => {
    w = await world(['alice', 'mia', 'max', 'sam']);
    for (const user of ['alice', 'mia', 'max', 'sam']) expect((await w.login(user)).code).toBe(0);
  });
  afterAll(async () => cleanup(w));

  it('creates a group, adds members, shares with @group, and lists members in exp show with via group', async () => {
    const created = await w.as('alice', ['group', 'create', 'Flow lab']);
    expect(created.code).toBe(0);
    const id = created.json.id as string;
    expect(id).toMatch(/^g-[0-9a-f]{16}$/);
    expect((await w.as('alice', ['group', 'add', 'Flow lab', 'mia'])).json).toMatchObject({ id, members: ['alice', 'mia'] });
    expect((await w.as('alice', ['group', 'add', id, 'max'])).code).toBe(0);
    expect((await w.as('mia', ['group', 'list'])).json).toEqual([{ id, name: 'Flow lab', owner: 'alice', members: ['alice', 'max', 'mia'], mine: false }]);
    expect((await w.as('mia', ['group', 'show', 'Flow lab'])).json).toMatchObject({ id, owner: 'alice' });

    const exp = (await w.as('alice', ['exp', 'create', 'Lab panel'])).json.id as string;
    const shared = await w.as('alice', ['share', exp, '@Flow lab', '--role', 'full']);
    expect(shared.code).toBe(0);
    expect(shared.json).toMatchObject({ group: id, affected: [exp], skipped: [] });

    const shown = await w.as('mia', ['exp', 'show', exp]);
    expect(shown.code).toBe(0);
    expect(shown.json.access).toEqual([
      { user: 'alice', via: 'owner' },
      { user: 'max', via: 'group', group: 'Flow lab' },
      { user: 'mia', via: 'group', group: 'Flow lab' },
    ]);

    expect((await w.as('alice', ['group', 'remove', 'Flow lab', 'max'])).json.members).toEqual(['alice', 'mia']);
    const unshared = await w.as('alice', ['unshare', exp, '@Flow lab']);
    expect(unshared.code).toBe(0);
    expect(codeOf(await w.as('alice', ['unshare', exp, '@Flow lab']))).toBe('NOT_SHARED_WITH_GROUP');
  });

  it('refuses with stable codes: a group outside yours, a member changing it, an unknown role', async () => {
    const id = (await w.as('alice', ['group', 'create', 'Course'])).json.id as string;
    expect((await w.as('alice', ['group', 'add', id, 'mia'])).code).toBe(0);
    const outsider = await w.as('sam', ['group', 'show', id]);
    expect([outsider.code, codeOf(outsider)]).toEqual([3, 'UNKNOWN_GROUP']);
    const member = await w.as('mia', ['group', 'add', id, 'sam']);
    expect([member.code, codeOf(member)]).toEqual([3, 'OWNER_ONLY']);
    const exp = (await w.as('alice', ['exp', 'create', 'Course data'])).json.id as string;
    expect(codeOf(await w.as('alice', ['share', exp, `@${id}`, '--role', 'viewer']))).toBe('UNKNOWN_ROLE');
    expect(codeOf(await w.as('sam', ['share', exp, `@${id}`]))).toBe('UNKNOWN_GROUP');
  });

  it('takes the share mail flags of a direct share: --message, --no-notify, not both', async () => {
    const id = (await w.as('alice', ['group', 'create', 'Mail lab'])).json.id as string;
    expect((await w.as('alice', ['group', 'add', id, 'mia'])).code).toBe(0);
    const quiet = (await w.as('alice', ['exp', 'create', 'Quiet group data'])).json.id as string;
    const both = await w.as('alice', ['share', quiet, `@${id}`, '--no-notify', '--message', 'hi']);
    expect(both.code).toBe(2);
    expect((await w.as('alice', ['share', quiet, `@${id}`, '--no-notify'])).json).toMatchObject({ group: id, affected: [quiet] });
    const loud = (await w.as('alice', ['exp', 'create', 'Loud group data'])).json.id as string;
    expect((await w.as('alice', ['share', loud, `@${id}`, '--message', 'See the gates'])).json).toMatchObject({ group: id, affected: [loud] });
  });
});
