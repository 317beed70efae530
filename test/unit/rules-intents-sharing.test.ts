import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { applyIntent, newSharing, planIntent, type IntentContext, type IntentPlan } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import { ServerMode, type Actor, type SharingState } from '../../shared/schemas/entities.ts';
import { IntentType, type ExperimentIntent as Intent } from '../../shared/schemas/intents.ts';

const AT = 1_700_000_000_000;

function exp(opts: {
  id: string;
  owner?: string;
  grants?: string[];
  public?: boolean;
  trashed?: boolean;
  parentId?: string | null;
}): SharingState {
  const state = newSharing(opts.id, opts.owner ?? 'olivia', { parentId: opts.parentId ?? null });
  for (const user of opts.grants ?? []) state.grants[user] = { by: state.owner, at: AT };
  return { ...state, public: opts.public ?? false, trashed: opts.trashed ?? false };
}
const actor = (username: string, staff = false): Actor => ({ username, staff });
const ctxOf = (states: SharingState[], resolveUser?: (ref: string) => string | null): IntentContext => ({
  experiments: new Map(states.map((s) => [s.id, s])),
  mode: ServerMode.premium,
  ...(resolveUser ? { resolveUser } : {}),
});
const share = (experimentId: string, user: string): Intent => ({ id: 'draft-0001', type: IntentType.share, experimentId, user });
const unshare = (experimentId: string, user: string): Intent => ({ id: 'draft-0002', type: IntentType.unshare, experimentId, user });

function outcome(v: Verdict): { ok: true } | { code: string; path?: string[] } {
  if (v.ok) return { ok: true };
  return v.path === undefined ? { code: v.code } : { code: v.code, path: v.path };
}

/** Accounts the server knows; emails resolve to usernames. */
const accounts: Record<string, string> = { 'frank@lab.example': 'frank', 'olivia@lab.example': 'olivia' };
const resolve = (ref: string): string | null =>
  accounts[ref] ?? (['olivia', 'frank', 'gina', 'paula', 'sam', 'bob'].includes(ref) ? ref : null);

// Olivia owns exp-target1, Frank has direct access, and it is public so Paula can view it.
const target = exp({ id: 'exp-target1', grants: ['frank'], public: true });
const trashedTarget = exp({ id: 'exp-trash01', grants: ['frank'], public: true, trashed: true });

describe('share / unshare: verdict and check order', () => {
  it.each([
    ['owner shares with a new user', share('exp-target1', 'gina'), 'olivia', { ok: true }],
    ['full grantee shares with a new user', share('exp-target1', 'gina'), 'frank', { ok: true }],
    ['owner shares by email', share('exp-target1', 'frank@lab.example'), 'olivia', { ok: true }],
    ['unknown experiment', share('exp-missing1', 'gina'), 'olivia', { code: 'UNKNOWN_EXPERIMENT', path: ['experimentId'] }],
    ['stranger: NOT_A_READER before UNKNOWN_USER', share('exp-private', 'nobody-here'), 'sam', { code: 'NOT_A_READER' }],
    ['stranger: NOT_A_READER before CANNOT_SHARE_WITH_OWNER', share('exp-private', 'olivia'), 'sam', { code: 'NOT_A_READER' }],
    ['public viewer may not share', share('exp-target1', 'gina'), 'paula', { code: 'NOT_A_SHARING_MANAGER' }],
    ['public viewer: manager check before UNKNOWN_USER', share('exp-target1', 'nobody-here'), 'paula', { code: 'NOT_A_SHARING_MANAGER' }],
    ['unknown user', share('exp-target1', 'nobody-here'), 'olivia', { code: 'UNKNOWN_USER', path: ['user'] }],
    ['unknown email', share('exp-target1', 'who@lab.example'), 'frank', { code: 'UNKNOWN_USER', path: ['user'] }],
    ['sharing with the owner', share('exp-target1', 'olivia'), 'frank', { code: 'CANNOT_SHARE_WITH_OWNER', path: ['user'] }],
    ['sharing with the owner by email', share('exp-target1', 'olivia@lab.example'), 'olivia', { code: 'CANNOT_SHARE_WITH_OWNER', path: ['user'] }],
    ['owner shares a trashed experiment', share('exp-trash01', 'gina'), 'olivia', { code: 'EXPERIMENT_TRASHED' }],
    ['grantee shares a trashed experiment', share('exp-trash01', 'gina'), 'frank', { code: 'NOT_A_READER' }],
    ['owner unshares a grantee', unshare('exp-target1', 'frank'), 'olivia', { ok: true }],
    ['grantee removes their own access', unshare('exp-target1', 'frank'), 'frank', { ok: true }],
    ['owner unshares by email', unshare('exp-target1', 'frank@lab.example'), 'olivia', { ok: true }],
    ['public viewer may not unshare', unshare('exp-target1', 'frank'), 'paula', { code: 'NOT_A_SHARING_MANAGER' }],
    ['stranger unshares', unshare('exp-private', 'frank'), 'sam', { code: 'NOT_A_READER' }],
    ['unshare an unknown user: UNKNOWN_USER before NOT_SHARED', unshare('exp-target1', 'nobody-here'), 'olivia', { code: 'UNKNOWN_USER', path: ['user'] }],
    ['unshare the owner', unshare('exp-target1', 'olivia'), 'frank', { code: 'CANNOT_REMOVE_OWNER', path: ['user'] }],
    ['unshare a user without a grant', unshare('exp-target1', 'gina'), 'olivia', { code: 'NOT_SHARED_WITH_USER', path: ['user'] }],
    ['owner unshares on a trashed experiment', unshare('exp-trash01', 'frank'), 'olivia', { code: 'EXPERIMENT_TRASHED' }],
  ])('%s', (_name, intent, username, expected) => {
    const ctx = ctxOf([target, trashedTarget, exp({ id: 'exp-private', grants: ['frank'] })], resolve);
    const plan = planIntent(intent, actor(username), ctx);
    expect(outcome(plan.verdict)).toStrictEqual(expected);
    if (!plan.verdict.ok) expect([plan.affected, plan.skipped, plan.user]).toStrictEqual([[], [], undefined]);
  });

  it.each([
    ['by username', 'gina', 'gina'],
    ['by email', 'frank@lab.example', 'frank'],
  ])('an accepted share carries the resolved user (%s)', (_name, ref, user) => {
    const plan = planIntent(share('exp-target1', ref), actor('olivia'), ctxOf([target], resolve));
    // Frank has the grant already: the share is allowed but changes (and affects) nothing.
    expect(plan).toStrictEqual({ verdict: { ok: true }, affected: user === 'frank' ? [] : ['exp-target1'], skipped: [], user });
  });

  it('without resolveUser (the client) the reference is taken as the username', () => {
    const plan = planIntent(share('exp-target1', 'gina'), actor('olivia'), ctxOf([target]));
    expect(plan.user).toBe('gina');
    expect(plan.affected).toStrictEqual(['exp-target1']);
  });

  it('resolveUser receives the reference as written', () => {
    const seen: string[] = [];
    planIntent(share('exp-target1', 'frank@lab.example'), actor('olivia'), ctxOf([target], (ref) => (seen.push(ref), 'frank')));
    expect(seen).toStrictEqual(['frank@lab.example']);
  });
});

/**
 * A linked family around exp-child001, acted on by Olivia for Frank:
 *   exp-root0001 (olivia)
 *   ├─ exp-child001 (olivia)             ← target
 *   │  ├─ exp-grand001 (olivia)
 *   │  ├─ exp-grand002 (olivia, trashed)
 *   │  └─ exp-grand004 (olivia)
 *   ├─ exp-child002 (bob, olivia granted)
 *   │  └─ exp-grand003 (frank: the user himself owns it)
 *   ├─ exp-child003 (bob, public)
 *   └─ exp-child004 (bob, private)
 *   exp-other001 (olivia, unlinked)
 */
function family(frankOn: string[]): SharingState[] {
  const f = (id: string, rest: Omit<Parameters<typeof exp>[0], 'id' | 'grants'>, grants: string[] = []) =>
    exp({ id, ...rest, grants: frankOn.includes(id) ? [...grants, 'frank'] : grants });
  return [
    f('exp-root0001', {}),
    f('exp-child001', { parentId: 'exp-root0001' }),
    f('exp-child002', { parentId: 'exp-root0001', owner: 'bob' }, ['olivia']),
    f('exp-child003', { parentId: 'exp-root0001', owner: 'bob', public: true }),
    f('exp-child004', { parentId: 'exp-root0001', owner: 'bob' }),
    f('exp-grand001', { parentId: 'exp-child001' }),
    f('exp-grand002', { parentId: 'exp-child001', trashed: true }),
    f('exp-grand003', { parentId: 'exp-child002', owner: 'frank' }),
    f('exp-grand004', { parentId: 'exp-child001' }),
    f('exp-other001', {}),
  ];
}
const skippedOutside = [
  { experimentId: 'exp-child003', code: ErrorCode.NOT_A_SHARING_MANAGER },
  { experimentId: 'exp-child004', code: ErrorCode.NOT_A_READER },
  { experimentId: 'exp-grand002', code: ErrorCode.EXPERIMENT_TRASHED },
];

describe('share / unshare: cascade over a linked family', () => {
  it.each([
    {
      name: 'share: target first, then managed members; already granted and owned-by-user are neither',
      intent: share('exp-child001', 'frank'),
      frankOn: ['exp-grand004'],
      affected: ['exp-child001', 'exp-child002', 'exp-grand001', 'exp-root0001'],
      skipped: skippedOutside,
    },
    {
      name: 'unshare: only members that hold a grant change',
      intent: unshare('exp-child001', 'frank'),
      frankOn: ['exp-child001', 'exp-child002', 'exp-child003', 'exp-child004', 'exp-grand001', 'exp-grand002'],
      affected: ['exp-child001', 'exp-child002', 'exp-grand001'],
      skipped: skippedOutside,
    },
    {
      name: 'share from a grandchild reaches the same family',
      intent: share('exp-grand001', 'frank'),
      frankOn: ['exp-grand004'],
      affected: ['exp-grand001', 'exp-child001', 'exp-child002', 'exp-root0001'],
      skipped: skippedOutside,
    },
    {
      name: 'share when every member already has the grant',
      intent: share('exp-root0001', 'frank'),
      frankOn: ['exp-root0001', 'exp-child001', 'exp-child002', 'exp-child003', 'exp-child004', 'exp-grand001', 'exp-grand002', 'exp-grand004'],
      // Nothing changes, so nothing is affected: no second grant, mail or connection.
      affected: [],
      skipped: [],
    },
    {
      name: 'unshare when no other member has the grant',
      intent: unshare('exp-child001', 'frank'),
      frankOn: ['exp-child001'],
      affected: ['exp-child001'],
      skipped: [],
    },
  ])('$name', ({ intent, frankOn, affected, skipped }) => {
    const plan = planIntent(intent, actor('olivia'), ctxOf(family(frankOn), resolve));
    expect(plan).toStrictEqual({ verdict: { ok: true }, affected, skipped, user: 'frank' });
  });

  it('an unlinked experiment shares alone', () => {
    const plan = planIntent(share('exp-other001', 'frank'), actor('olivia'), ctxOf(family([]), resolve));
    expect([plan.affected, plan.skipped]).toStrictEqual([['exp-other001'], []]);
  });
});

describe('applyIntent: share and unshare', () => {
  const plan = (user: string): IntentPlan => ({ verdict: { ok: true }, affected: ['exp-target1'], skipped: [], user });

  it('share adds a grant recording who granted it and when', () => {
    const after = applyIntent(share('exp-target1', 'gina'), plan('gina'), target, actor('frank'), 42);
    expect(after.grants).toStrictEqual({ frank: { by: 'olivia', at: AT }, gina: { by: 'frank', at: 42 } });
    expect(target.grants).toStrictEqual({ frank: { by: 'olivia', at: AT } });
    expect({ ...after, grants: target.grants }).toStrictEqual(target);
  });

  it('share of an existing grant keeps the original by/at', () => {
    const after = applyIntent(share('exp-target1', 'frank'), plan('frank'), target, actor('olivia'), 42);
    expect(after.grants).toStrictEqual({ frank: { by: 'olivia', at: AT } });
  });

  it('unshare removes only that grant', () => {
    const state = exp({ id: 'exp-target1', grants: ['frank', 'gina'] });
    const after = applyIntent(unshare('exp-target1', 'frank'), plan('frank'), state, actor('olivia'), 42);
    expect(after.grants).toStrictEqual({ gina: { by: 'olivia', at: AT } });
    expect(Object.keys(state.grants)).toStrictEqual(['frank', 'gina']);
  });

  it('the plan’s resolved user is applied, not the reference in the intent', () => {
    const after = applyIntent(share('exp-target1', 'gina@lab.example'), plan('gina'), target, actor('olivia'), 7);
    expect(Object.keys(after.grants).sort()).toStrictEqual(['frank', 'gina']);
  });

  it('plan then apply over every affected member grants them all', () => {
    const states = family([]);
    const ctx = ctxOf(states, resolve);
    const decided = planIntent(share('exp-child001', 'frank'), actor('olivia'), ctx);
    const granted = decided.affected.map((id) => {
      const after = applyIntent(share('exp-child001', 'frank'), decided, ctx.experiments.get(id)!, actor('olivia'), 9);
      return [id, after.grants.frank];
    });
    expect(granted).toStrictEqual(decided.affected.map((id) => [id, { by: 'olivia', at: 9 }]));
  });
});
