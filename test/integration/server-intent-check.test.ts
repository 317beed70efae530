import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestUser } from './support/harness.ts';

/**
 * `POST /api/intents/check`, the dry run behind `cytoshare share --dry-run`: each verdict is
 * the one a real share intent gets at that moment, nothing is applied, and it tells a caller
 * about an experiment they cannot see exactly what a real share tells them (no owner, no grantee).
 */
let h: Harness;
let alice: TestUser;
let mallory: TestUser;
let parent: string;
let child: string;

type Check = { type: 'share'; experimentId: string; user: string };
const check = (user: TestUser, intents: Check[]) => user.post('/api/intents/check', { intents });
const sharingOf = async (id: string) => {
  const e = await h.server.store.getExperiment(id);
  return { grants: Object.keys(e?.grants ?? {}).sort(), parentId: e?.parentId };
};

beforeAll(async () => {
  h = await startHarness({ limits: { intentChecksPerRequest: 8 } });
  alice = await h.user('alice');
  await h.user('bob');
  await h.user('carol');
  mallory = await h.user('mallory');
  parent = await alice.createExperiment('Checked parent');
  child = await alice.createExperiment('Checked child');
  expect((await alice.intent({ type: 'link', experimentId: child, parentId: parent })).ok).toBe(true);
  expect((await alice.intent({ type: 'share', experimentId: parent, user: 'bob' })).ok).toBe(true);
});
afterAll(async () => h?.stop());

describe('dry run of sharing intents', () => {
  it('answers what the real intent then answers, and applies nothing', async () => {
    const before = [await sharingOf(parent), await sharingOf(child)];
    const intents: Check[] = [
      { type: 'share', experimentId: parent, user: 'carol@lab.test' },
      { type: 'share', experimentId: parent, user: 'nobody-here' },
      { type: 'share', experimentId: parent, user: 'alice' },
      { type: 'share', experimentId: parent, user: 'bob' },
    ];
    const dry = await check(alice, intents);
    expect(dry.status).toBe(200);
    const { verdicts } = dry.body as { verdicts: Array<{ ok: boolean; code?: string; affected?: string[] }> };
    expect(verdicts.map((v) => (v.ok ? v.affected : v.code))).toEqual([[parent, child], 'UNKNOWN_USER', 'CANNOT_SHARE_WITH_OWNER', []]);
    expect([await sharingOf(parent), await sharingOf(child)]).toEqual(before);

    for (const [at, intent] of intents.entries()) {
      const real = await alice.intent(intent);
      const v = verdicts[at];
      expect(real.ok ? real.affected : real.code, intent.user).toEqual(v?.ok ? v.affected : v?.code);
    }
    expect((await sharingOf(child)).grants).toEqual(['bob', 'carol']);
  });

  it('tells a caller who cannot see the experiment no more than a real share does', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const intents: Check[] = [
      ...['alice', 'bob', 'carol', 'nobody-here'].map((user) => ({ type: 'share' as const, experimentId: parent, user })),
      { type: 'share', experimentId: missing, user: 'carol' },
    ];
    const dry = await check(mallory, intents);
    expect(dry.status).toBe(200);
    const codes = (dry.body as { verdicts: Array<{ code?: string }> }).verdicts.map((v) => v.code);
    expect(codes).toEqual(['NOT_A_READER', 'NOT_A_READER', 'NOT_A_READER', 'NOT_A_READER', 'UNKNOWN_EXPERIMENT']);
    for (const [at, intent] of intents.entries()) {
      const real = await mallory.intent(intent);
      expect(real.ok ? 'ok' : real.code).toBe(codes[at]);
    }
  });

  it('refuses a request past the limit, an intent it does not check and a caller not signed in', async () => {
    const one: Check = { type: 'share', experimentId: parent, user: 'carol' };
    const tooMany = await check(alice, Array.from({ length: 9 }, () => one));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const unshare = await alice.post('/api/intents/check', { intents: [{ ...one, type: 'unshare' }] });
    expect(unshare.status).toBe(400);
    const anonymous = await fetch(`http://127.0.0.1:${h.server.port}/api/intents/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ intents: [one] }),
    });
    expect(anonymous.status).toBe(401);
  });
});
