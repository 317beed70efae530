import { describe, expect, it } from 'vitest';
import { applyIntent, newSharing, planIntent, type IntentContext, type IntentPlan } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import { ServerMode, type Actor, type SharingState } from '../../shared/schemas/entities.ts';
import { IntentType, type ExperimentIntent as Intent } from '../../shared/schemas/intents.ts';

function exp(opts: {
  id: string;
  owner?: string;
  grants?: string[];
  public?: boolean;
  curated?: boolean;
  trashed?: boolean;
  parentId?: string | null;
}): SharingState {
  const state = newSharing(opts.id, opts.owner ?? 'olivia', { parentId: opts.parentId ?? null });
  for (const user of opts.grants ?? []) state.grants[user] = { by: state.owner, at: 1 };
  return { ...state, public: opts.public ?? false, curated: opts.curated ?? false, trashed: opts.trashed ?? false };
}
const actor = (username: string, staff = false): Actor => ({ username, staff });
const base = (experimentId: string) => ({ id: 'draft-0001', experimentId });
const intent = {
  create: (experimentId: string): Intent => ({ ...base(experimentId), type: IntentType.create, name: 'Run 1' }),
  publish: (experimentId: string): Intent => ({ ...base(experimentId), type: IntentType.publish }),
  unpublish: (experimentId: string): Intent => ({ ...base(experimentId), type: IntentType.unpublish }),
  link: (experimentId: string, parentId: string | null): Intent => ({ ...base(experimentId), type: IntentType.link, parentId }),
  clone: (experimentId: string, newId: string, linked = false): Intent => ({ ...base(experimentId), type: IntentType.clone, newId, linked }),
  curate: (experimentId: string, curated: boolean): Intent => ({ ...base(experimentId), type: IntentType.curate, curated }),
  markViewed: (experimentId: string): Intent => ({ ...base(experimentId), type: IntentType.markViewed }),
};

function outcome(v: Verdict): { ok: true } | { code: string; path?: string[] } {
  if (v.ok) return { ok: true };
  return v.path === undefined ? { code: v.code } : { code: v.code, path: v.path };
}

/**
 * Olivia owns everything unless said otherwise; Frank has full access to exp-shared01, Paula is
 * any other account. exp-root0001 → exp-child001 → exp-grand001 is a linked line.
 */
const world: SharingState[] = [
  exp({ id: 'exp-shared01', grants: ['frank'], public: true }),
  exp({ id: 'exp-private1', grants: ['frank'] }),
  exp({ id: 'exp-trash001', grants: ['frank'], public: true, trashed: true }),
  exp({ id: 'exp-root0001' }),
  exp({ id: 'exp-child001', parentId: 'exp-root0001' }),
  exp({ id: 'exp-grand001', parentId: 'exp-child001' }),
  exp({ id: 'exp-bobs0001', owner: 'bob', public: true }),
  exp({ id: 'exp-bobs0002', owner: 'bob' }),
  exp({ id: 'exp-bobs0003', owner: 'bob', grants: ['olivia'] }),
  exp({ id: 'exp-bobchild', owner: 'bob', grants: ['olivia'], parentId: 'exp-child001' }),
  exp({ id: 'exp-viewkid1', owner: 'bob', public: true, parentId: 'exp-grand001' }),
];
const ctx: IntentContext = { experiments: new Map(world.map((s) => [s.id, s])), mode: ServerMode.enterprise };

type Row = [name: string, intent: Intent, actor: Actor, expected: object, affected?: string[]];
const UNKNOWN = { code: 'UNKNOWN_EXPERIMENT', path: ['experimentId'] };

function check([_name, i, who, expected, affected]: Row): void {
  const plan = planIntent(i, who, ctx);
  expect(outcome(plan.verdict)).toStrictEqual(expected);
  expect(plan.affected).toStrictEqual(plan.verdict.ok ? affected : []);
  expect(plan.skipped).toStrictEqual([]);
  expect(plan.user).toBeUndefined();
}

describe('create', () => {
  it.each<Row>([
    ['a new id', intent.create('exp-new00001'), actor('paula'), { ok: true }, ['exp-new00001']],
    ['an id already used', intent.create('exp-shared01'), actor('olivia'), { code: 'EXPERIMENT_EXISTS', path: ['experimentId'] }],
    ['an id used by an experiment the actor cannot see', intent.create('exp-bobs0002'), actor('paula'), { code: 'EXPERIMENT_EXISTS', path: ['experimentId'] }],
  ])('%s', (...row) => check(row));
});

describe.each([
  ['publish', intent.publish],
  ['unpublish', intent.unpublish],
])('%s', (_type, make) => {
  it.each<Row>([
    ['by the owner', make('exp-shared01'), actor('olivia'), { ok: true }, ['exp-shared01']],
    ['by a full grantee', make('exp-private1'), actor('frank'), { ok: true }, ['exp-private1']],
    ['by a public viewer', make('exp-shared01'), actor('paula'), { code: 'NOT_A_SHARING_MANAGER' }],
    ['by a stranger', make('exp-private1'), actor('paula'), { code: 'NOT_A_READER' }],
    ['by a stranger who is staff', make('exp-private1'), actor('paula', true), { code: 'NOT_A_READER' }],
    ['of a trashed experiment by its owner', make('exp-trash001'), actor('olivia'), { code: 'EXPERIMENT_TRASHED' }],
    ['of a trashed experiment by a former grantee', make('exp-trash001'), actor('frank'), { code: 'NOT_A_READER' }],
    ['of an unknown experiment', make('exp-missing1'), actor('olivia'), UNKNOWN],
  ])('%s', (...row) => check(row));
});

describe('link', () => {
  it.each<Row>([
    ['owner links to own experiment', intent.link('exp-shared01', 'exp-root0001'), actor('olivia'), { ok: true }, ['exp-shared01']],
    ['owner links under a parent with full access', intent.link('exp-shared01', 'exp-bobs0003'), actor('olivia'), { ok: true }, ['exp-shared01']],
    ['relinking to the current parent', intent.link('exp-grand001', 'exp-child001'), actor('olivia'), { ok: true }, ['exp-grand001']],
    ['moving to a sibling branch', intent.link('exp-grand001', 'exp-root0001'), actor('olivia'), { ok: true }, ['exp-grand001']],
    ['unlink', intent.link('exp-child001', null), actor('olivia'), { ok: true }, ['exp-child001']],
    ['unlink by a full grantee', intent.link('exp-bobchild', null), actor('olivia'), { ok: true }, ['exp-bobchild']],
    ['unlink by a public viewer', intent.link('exp-bobs0001', null), actor('olivia'), { code: 'NOT_A_SHARING_MANAGER' }],
    ['by a stranger', intent.link('exp-bobs0002', 'exp-root0001'), actor('olivia'), { code: 'NOT_A_READER' }],
    ['target check before self check', intent.link('exp-bobs0001', 'exp-bobs0001'), actor('olivia'), { code: 'NOT_A_SHARING_MANAGER' }],
    ['to itself', intent.link('exp-root0001', 'exp-root0001'), actor('olivia'), { code: 'LINK_TO_SELF', path: ['parentId'] }],
    ['to an unknown parent', intent.link('exp-root0001', 'exp-missing1'), actor('olivia'), { code: 'UNKNOWN_EXPERIMENT', path: ['parentId'] }],
    ['to a parent only viewed publicly', intent.link('exp-root0001', 'exp-bobs0001'), actor('olivia'), { code: 'NOT_A_SHARING_MANAGER', path: ['parentId'] }],
    ['to a parent the actor cannot see', intent.link('exp-root0001', 'exp-bobs0002'), actor('olivia'), { code: 'NOT_A_READER', path: ['parentId'] }],
    ['to a trashed parent', intent.link('exp-root0001', 'exp-trash001'), actor('olivia'), { code: 'EXPERIMENT_TRASHED', path: ['parentId'] }],
    ['to its own child', intent.link('exp-root0001', 'exp-child001'), actor('olivia'), { code: 'LINK_CYCLE', path: ['parentId'] }],
    ['to its own grandchild', intent.link('exp-root0001', 'exp-grand001'), actor('olivia'), { code: 'LINK_CYCLE', path: ['parentId'] }],
    ['to a descendant managed through a grant', intent.link('exp-child001', 'exp-bobchild'), actor('olivia'), { code: 'LINK_CYCLE', path: ['parentId'] }],
    ['parent check before cycle check', intent.link('exp-child001', 'exp-viewkid1'), actor('olivia'), { code: 'NOT_A_SHARING_MANAGER', path: ['parentId'] }],
  ])('%s', (...row) => check(row));
});

describe('clone', () => {
  it.each<Row>([
    ['public experiment by a stranger', intent.clone('exp-bobs0001', 'exp-new00001'), actor('paula'), { ok: true }, ['exp-new00001']],
    ['private experiment by a stranger', intent.clone('exp-private1', 'exp-new00001'), actor('paula'), { code: 'NOT_A_READER' }],
    ['by the owner, linked', intent.clone('exp-private1', 'exp-new00001', true), actor('olivia'), { ok: true }, ['exp-new00001']],
    ['by a full grantee', intent.clone('exp-private1', 'exp-new00001'), actor('frank'), { ok: true }, ['exp-new00001']],
    ['trashed, by its owner', intent.clone('exp-trash001', 'exp-new00001'), actor('olivia'), { code: 'EXPERIMENT_TRASHED' }],
    ['trashed public, by another account', intent.clone('exp-trash001', 'exp-new00001'), actor('paula'), { code: 'NOT_A_READER' }],
    ['to an id already used', intent.clone('exp-shared01', 'exp-root0001'), actor('olivia'), { code: 'EXPERIMENT_EXISTS', path: ['newId'] }],
    ['to its own id', intent.clone('exp-shared01', 'exp-shared01'), actor('paula'), { code: 'EXPERIMENT_EXISTS', path: ['newId'] }],
    ['read check before id check', intent.clone('exp-bobs0002', 'exp-root0001'), actor('olivia'), { code: 'NOT_A_READER' }],
    ['of an unknown experiment', intent.clone('exp-missing1', 'exp-new00001'), actor('olivia'), UNKNOWN],
  ])('%s', (...row) => check(row));
});

describe('curate', () => {
  it.each<Row>([
    ['staff curates a public experiment', intent.curate('exp-bobs0001', true), actor('sara', true), { ok: true }, ['exp-bobs0001']],
    ['staff curates a private experiment', intent.curate('exp-private1', true), actor('sara', true), { code: 'NOT_PUBLIC' }],
    ['staff uncurates a private experiment', intent.curate('exp-private1', false), actor('sara', true), { ok: true }, ['exp-private1']],
    ['the owner, not staff', intent.curate('exp-shared01', true), actor('olivia'), { code: 'STAFF_ONLY' }],
    ['the owner uncurating, not staff', intent.curate('exp-shared01', false), actor('olivia'), { code: 'STAFF_ONLY' }],
    ['STAFF_ONLY before NOT_PUBLIC', intent.curate('exp-private1', true), actor('paula'), { code: 'STAFF_ONLY' }],
    ['of an unknown experiment', intent.curate('exp-missing1', true), actor('sara', true), UNKNOWN],
  ])('%s', (...row) => check(row));
});

describe('mark-viewed', () => {
  it.each<Row>([
    ['by the owner', intent.markViewed('exp-private1'), actor('olivia'), { ok: true }, ['exp-private1']],
    ['by a full grantee', intent.markViewed('exp-private1'), actor('frank'), { ok: true }, ['exp-private1']],
    ['by a public viewer', intent.markViewed('exp-shared01'), actor('paula'), { ok: true }, ['exp-shared01']],
    ['by a stranger', intent.markViewed('exp-private1'), actor('paula'), { code: 'NOT_A_READER' }],
    ['trashed, by its owner', intent.markViewed('exp-trash001'), actor('olivia'), { ok: true }, ['exp-trash001']],
    ['trashed, by a former grantee', intent.markViewed('exp-trash001'), actor('frank'), { code: 'NOT_A_READER' }],
    ['of an unknown experiment', intent.markViewed('exp-missing1'), actor('frank'), UNKNOWN],
  ])('%s', (...row) => check(row));
});

describe('applyIntent: state after an accepted intent', () => {
  const plan: IntentPlan = { verdict: { ok: true }, affected: ['exp-test0001'], skipped: [] };
  const before = exp({ id: 'exp-test0001', grants: ['frank'], public: true, curated: true, parentId: 'exp-root0001' });
  const pristine = structuredClone(before);
  it.each<[string, Intent, Partial<SharingState>]>([
    ['publish sets public, keeps curated', intent.publish('exp-test0001'), { public: true, curated: true }],
    ['unpublish clears public and curated', intent.unpublish('exp-test0001'), { public: false, curated: false }],
    ['link sets the parent', intent.link('exp-test0001', 'exp-child001'), { parentId: 'exp-child001' }],
    ['unlink clears the parent', intent.link('exp-test0001', null), { parentId: null }],
    ['curate false', intent.curate('exp-test0001', false), { curated: false }],
  ])('%s', (_name, i, changed) => {
    const after = applyIntent(i, plan, before, actor('olivia', true), 5);
    expect(after).toStrictEqual({ ...before, ...changed });
    expect(before).toStrictEqual(pristine);
  });

  it('curate true on an uncurated experiment', () => {
    const uncurated = { ...before, curated: false };
    expect(applyIntent(intent.curate('exp-test0001', true), plan, uncurated, actor('sara', true), 5)).toStrictEqual(before);
  });

  it.each([
    ['create', intent.create('exp-test0001')],
    ['clone', intent.clone('exp-test0001', 'exp-new00001', true)],
    ['mark-viewed', intent.markViewed('exp-test0001')],
  ])('%s leaves the existing state as it is', (_name, i) => {
    expect(applyIntent(i, plan, before, actor('olivia'), 5)).toBe(before);
  });
});

describe('newSharing', () => {
  it('starts private, uncurated, unlinked, with no grants', () => {
    expect(newSharing('exp-new00001', 'paula')).toStrictEqual({
      id: 'exp-new00001', owner: 'paula', grants: {}, public: false, curated: false,
      parentId: null, clonedFrom: null, projectId: null, trashed: false,
    });
  });
  it('records the parent and the clone source', () => {
    const state = newSharing('exp-new00001', 'paula', { parentId: 'exp-root0001', clonedFrom: 'exp-bobs0001' });
    expect([state.parentId, state.clonedFrom, state.owner]).toStrictEqual(['exp-root0001', 'exp-bobs0001', 'paula']);
  });
});

describe('planIntent: decisions taken after review', () => {
  const source = { ...newSharing('exp-public-1', 'olivia'), public: true };
  const ctxOf = (...states: ReturnType<typeof newSharing>[]) => ({ experiments: new Map(states.map((s) => [s.id, s])), mode: 'premium' as const });
  it('lets a public viewer make only an unlinked copy', () => {
    const linked = planIntent({ id: 'draft-0001', type: 'clone', experimentId: source.id, newId: 'exp-copy-01', linked: true }, { username: 'vic', staff: false }, ctxOf(source));
    expect(linked.verdict).toStrictEqual({ ok: false, code: 'CLONE_NOT_ALLOWED', message: 'only a private copy can be made from here', path: ['linked'] });
    const unlinked = planIntent({ id: 'draft-0002', type: 'clone', experimentId: source.id, newId: 'exp-copy-01', linked: false }, { username: 'vic', staff: false }, ctxOf(source));
    expect(unlinked.verdict).toStrictEqual({ ok: true });
  });
  it('refuses to curate a trashed experiment', () => {
    const trashed = { ...source, trashed: true };
    const plan = planIntent({ id: 'draft-0003', type: 'curate', experimentId: source.id, curated: true }, { username: 'staffer', staff: true }, ctxOf(trashed));
    expect(plan.verdict.ok === false && plan.verdict.code).toBe('EXPERIMENT_TRASHED');
  });
});
