import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, world, type World } from './cli-helpers.ts';

type Row = { user: string | null; email: string; status: string; direction: string | null; sharedExperiments: number; sharedProjects: number };

describe('cytoshare CLI: connections on a premium server', () => {
  let w: World;
  beforeAll(async () => {
    w = await world(['ann', 'ben', 'cat', 'dan'], { connected: false });
    for (const user of ['ann', 'ben', 'cat', 'dan']) expect((await w.login(user)).code).toBe(0);
  });
  afterAll(async () => cleanup(w));

  it('request → pending on both sides → accept → share → removal refused while shared, allowed after', async () => {
    const exp = (await w.as('ann', ['exp', 'create', 'Needs a connection'])).json.id as string;
    const early = await w.as('ann', ['share', exp, 'ben']);
    expect(early.code).toBe(3);
    expect(early.json.code ?? early.json.error?.code).toBe('NOT_CONNECTED');

    expect((await w.as('ann', ['connect', 'ben@lab.example'])).code).toBe(0);
    expect((await w.as('ann', ['connections'])).json).toEqual([
      { user: 'ben', email: 'ben@lab.example', status: 'pending', direction: 'outgoing', sharedExperiments: 0, sharedProjects: 0 },
    ]);
    expect(((await w.as('ben', ['connections'])).json as Row[]).map((r) => [r.user, r.status, r.direction])).toEqual([['ann', 'pending', 'incoming']]);
    const twice = await w.as('ann', ['connect', 'ben@lab.example']);
    expect(twice.code).toBe(3);
    expect(twice.json.error?.code ?? twice.json.code).toBe('REQUEST_PENDING');

    expect((await w.as('ben', ['accept', 'ann'])).code).toBe(0);
    expect((await w.as('ann', ['share', exp, 'ben'])).code).toBe(0);
    expect((await w.as('ann', ['connections'])).json).toEqual([
      { user: 'ben', email: 'ben@lab.example', status: 'connected', direction: null, sharedExperiments: 1, sharedProjects: 0 },
    ]);

    const blocked = await w.as('ann', ['disconnect', 'ben']);
    expect(blocked.code).toBe(3);
    expect(blocked.json.error?.code ?? blocked.json.code).toBe('CONNECTION_IN_USE');
    expect((await w.as('ann', ['unshare', exp, 'ben'])).code).toBe(0);
    expect((await w.as('ann', ['disconnect', 'ben'])).code).toBe(0);
    expect((await w.as('ben', ['connections'])).json).toEqual([]);
  });

  it('a rejected user is still auto-connected when both end up on the same experiment', async () => {
    expect((await w.as('cat', ['connect', 'ann@lab.example'])).code).toBe(0);
    expect((await w.as('ann', ['reject', 'cat'])).code).toBe(0);
    expect((await w.as('cat', ['connections'])).json).toEqual([]);

    // ben is connected with both; sharing one experiment with both connects ann and cat.
    for (const other of ['ann', 'cat']) {
      expect((await w.as('ben', ['connect', `${other}@lab.example`])).code).toBe(0);
      expect((await w.as(other, ['accept', 'ben'])).code).toBe(0);
    }
    const exp = (await w.as('ben', ['exp', 'create', 'Joint panel'])).json.id as string;
    expect((await w.as('ben', ['share', exp, 'ann'])).code).toBe(0);
    expect((await w.as('ben', ['share', exp, 'cat'])).code).toBe(0);
    const cats = (await w.as('cat', ['connections'])).json as Row[];
    expect(cats.map((r) => [r.user, r.status, r.sharedExperiments])).toEqual([
      ['ann', 'connected', 1],
      ['ben', 'connected', 1],
    ]);
  });

  it('each user can switch share mail off and on', async () => {
    expect((await w.as('cat', ['whoami'])).json.shareEmails).toBe(true);
    expect((await w.as('cat', ['prefs', 'share-emails', 'off'])).json).toEqual({ shareEmails: false });
    expect((await w.as('cat', ['whoami'])).json.shareEmails).toBe(false);
    expect((await w.as('cat', ['prefs', 'share-emails', 'on'])).code).toBe(0);
    expect((await w.as('cat', ['prefs', 'share-emails', 'maybe'])).code).toBe(2);
  });

  it('an enterprise server has no connections and shares with anyone', async () => {
    const set = await w.as('ann', ['admin', '--data', `${w.root}/data`, 'set-mode', 'enterprise']);
    expect(set.code).toBe(0);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await w.as('ann', ['whoami'])).json.mode).toBe('enterprise');
    const refused = await w.as('ann', ['connect', 'ben@lab.example']);
    expect(refused.code).toBe(3);
    expect(refused.json.error?.code ?? refused.json.code).toBe('CONNECTIONS_DISABLED');
    const exp = (await w.as('ann', ['exp', 'create', 'Institution-wide'])).json.id as string;
    expect((await w.as('ann', ['share', exp, 'dan'])).code).toBe(0);
    expect((await w.as('ann', ['connections'])).json).toEqual([]);

    // Back to premium: ann and dan share without ever having connected.
    const back = await w.as('ann', ['admin', '--data', `${w.root}/data`, 'set-mode', 'premium']);
    expect(back.json).toEqual({ mode: 'premium', preExisting: 1 });
    await new Promise((r) => setTimeout(r, 1_500));
    const anns = (await w.as('ann', ['connections'])).json as Row[];
    expect(anns.find((r) => r.user === 'dan')).toMatchObject({ status: 'pre-existing', sharedExperiments: 1 });
  });
});
