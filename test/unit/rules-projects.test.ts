import { describe, expect, it } from 'vitest';
import { accessList } from '../../shared/rules/access.ts';
import { applyIntent, newSharing, planIntent, type IntentContext } from '../../shared/rules/intents.ts';
import { applyProjectIntent, planProjectIntent, type ProjectContext, type ProjectPlan } from '../../shared/rules/projects.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import { ServerMode, type Actor, type SharingState } from '../../shared/schemas/entities.ts';
import { IntentType, type ExperimentIntent, type ProjectIntent } from '../../shared/schemas/intents.ts';
import { newProject, type ProjectPolicy, type ProjectRole, type ProjectState } from '../../shared/schemas/project.ts';

/**
 * Projects: the rules of project administration, and the experiment intents whose verdict
 * depends on a project (move, clone, export-gate, trash/restore/delete, curation).
 *
 * People: Olivia owns experiments; Frank has direct full access to some. In project
 * proj-alpha001 Mona manages, Leo leads, Mel is a member; proj-beta0001 is managed by Mona and
 * Max; proj-gamma001 by Gus alone (Mona is only a member there). Paula is any other account,
 * Sam is staff.
 */
const actor = (username: string, staff = false): Actor => ({ username, staff });

function outcome(v: Verdict): { ok: true } | { code: string; path?: string[] } {
  if (v.ok) return { ok: true };
  expect(v.message).toEqual(expect.any(String));
  return v.path === undefined ? { code: v.code } : { code: v.code, path: v.path };
}
const OK = { ok: true } as const;

function project(id: string, members: Record<string, ProjectRole>, policy: ProjectPolicy = { access: 'full' }): ProjectState {
  return { id, name: `Project ${id}`, members, policy };
}
const RESTRICTED_NONE: ProjectPolicy = { access: 'restricted', illustrations: 'view-only', cloning: 'disabled' };
const RESTRICTED_FILES: ProjectPolicy = { access: 'restricted', illustrations: 'create', cloning: 'files-only' };
const RESTRICTED_FULL: ProjectPolicy = { access: 'restricted', illustrations: 'view-only', cloning: 'full' };

// ---------------------------------------------------------------------------------------------
// Project administration
// ---------------------------------------------------------------------------------------------

describe('planProjectIntent', () => {
  const alpha = project('proj-alpha001', { mona: 'manager', leo: 'leader', mel: 'member' });
  const beta = project('proj-beta0001', { mona: 'manager', max: 'manager', mel: 'member' });
  const users: Record<string, string> = { mona: 'mona', leo: 'leo', mel: 'mel', max: 'max', paula: 'paula', 'paula@lab.test': 'paula', nina: 'nina' };
  const connectedPairs = new Set(['mona|leo', 'mona|mel', 'mona|max', 'mona|paula']);
  const isConnected = (a: string, b: string) => connectedPairs.has(`${a}|${b}`) || connectedPairs.has(`${b}|${a}`);
  const ctx = (over: Partial<ProjectContext> = {}): ProjectContext => ({
    projects: new Map([alpha, beta].map((p) => [p.id, p])),
    mode: ServerMode.premium,
    resolveUser: (ref) => users[ref] ?? null,
    isConnected,
    ...over,
  });
  const create = (projectId: string): ProjectIntent => ({ id: 'draft-0001', type: IntentType.projectCreate, projectId, name: 'New' });
  const rename = (projectId: string): ProjectIntent => ({ id: 'draft-0001', type: IntentType.projectRename, projectId, name: 'Renamed' });
  const policy = (projectId: string, p: ProjectPolicy = RESTRICTED_NONE): ProjectIntent => ({ id: 'draft-0001', type: IntentType.projectPolicy, projectId, policy: p });
  const member = (projectId: string, user: string, role: ProjectRole | null): ProjectIntent => ({ id: 'draft-0001', type: IntentType.projectMember, projectId, user, role });

  type Row = [name: string, intent: ProjectIntent, who: Actor, expected: object, user?: string, context?: ProjectContext];
  const check = ([, i, who, expected, user, context]: Row) => {
    const plan = planProjectIntent(i, who, context ?? ctx());
    expect(outcome(plan.verdict)).toStrictEqual(expected);
    expect(plan.user).toBe(user);
  };

  describe('project-create', () => {
    it.each<Row>([
      ['a new id, by anyone', create('proj-new00001'), actor('paula'), OK],
      ['an id already used', create('proj-alpha001'), actor('mona'), { code: 'PROJECT_EXISTS', path: ['projectId'] }],
      ['an id used by a project the actor is not in', create('proj-alpha001'), actor('paula'), { code: 'PROJECT_EXISTS', path: ['projectId'] }],
    ])('%s', (...row) => check(row));
  });

  describe.each([
    ['project-rename', rename],
    ['project-policy', (id: string) => policy(id)],
  ])('%s', (_type, make) => {
    it.each<Row>([
      ['by a manager', make('proj-alpha001'), actor('mona'), OK],
      ['by a leader', make('proj-alpha001'), actor('leo'), { code: 'NOT_A_PROJECT_MANAGER' }],
      ['by a member', make('proj-alpha001'), actor('mel'), { code: 'NOT_A_PROJECT_MANAGER' }],
      ['by a stranger', make('proj-alpha001'), actor('paula'), { code: 'NOT_A_PROJECT_MANAGER' }],
      ['by a stranger who is staff', make('proj-alpha001'), actor('sam', true), { code: 'NOT_A_PROJECT_MANAGER' }],
      ['of an unknown project', make('proj-missing1'), actor('mona'), { code: 'UNKNOWN_PROJECT', path: ['projectId'] }],
      ['an unknown project is reported before the manager check', make('proj-missing1'), actor('paula'), { code: 'UNKNOWN_PROJECT', path: ['projectId'] }],
    ])('%s', (...row) => check(row));
  });

  describe('project-member', () => {
    it.each<Row>([
      ['a manager adds a connected account', member('proj-alpha001', 'paula', 'member'), actor('mona'), OK, 'paula'],
      ['the user may be given by email', member('proj-alpha001', 'paula@lab.test', 'leader'), actor('mona'), OK, 'paula'],
      ['a manager changes a role', member('proj-alpha001', 'mel', 'leader'), actor('mona'), OK, 'mel'],
      ['a manager promotes a member', member('proj-alpha001', 'leo', 'manager'), actor('mona'), OK, 'leo'],
      ['a manager removes a member', member('proj-alpha001', 'mel', null), actor('mona'), OK, 'mel'],
      ['one of two managers demotes the other', member('proj-beta0001', 'max', 'member'), actor('mona'), OK, 'max'],
      ['one of two managers removes themselves', member('proj-beta0001', 'mona', null), actor('mona'), OK, 'mona'],
      ['the only manager stays manager (no change)', member('proj-alpha001', 'mona', 'manager'), actor('mona'), OK, 'mona'],
      ['the only manager demotes themselves', member('proj-alpha001', 'mona', 'member'), actor('mona'), { code: 'LAST_MANAGER', path: ['user'] }],
      ['the only manager leaves', member('proj-alpha001', 'mona', null), actor('mona'), { code: 'LAST_MANAGER', path: ['user'] }],
      ['removing someone who is not a member', member('proj-alpha001', 'paula', null), actor('mona'), { code: 'NOT_SHARED_WITH_USER', path: ['user'] }],
      ['an unknown account', member('proj-alpha001', 'ghost', 'member'), actor('mona'), { code: 'UNKNOWN_USER', path: ['user'] }],
      ['removing an unknown account', member('proj-alpha001', 'ghost', null), actor('mona'), { code: 'UNKNOWN_USER', path: ['user'] }],
      ['a leader adds someone', member('proj-alpha001', 'paula', 'member'), actor('leo'), { code: 'NOT_A_PROJECT_MANAGER' }],
      ['a member removes themselves', member('proj-alpha001', 'mel', null), actor('mel'), { code: 'NOT_A_PROJECT_MANAGER' }],
      ['a stranger adds themselves', member('proj-alpha001', 'paula', 'manager'), actor('paula'), { code: 'NOT_A_PROJECT_MANAGER' }],
      ['unknown project', member('proj-missing1', 'paula', 'member'), actor('mona'), { code: 'UNKNOWN_PROJECT', path: ['projectId'] }],
      // Check order: project, manager, user, membership, last manager, connection.
      ['UNKNOWN_PROJECT before NOT_A_PROJECT_MANAGER', member('proj-missing1', 'ghost', 'member'), actor('paula'), { code: 'UNKNOWN_PROJECT', path: ['projectId'] }],
      ['NOT_A_PROJECT_MANAGER before UNKNOWN_USER', member('proj-alpha001', 'ghost', 'member'), actor('leo'), { code: 'NOT_A_PROJECT_MANAGER' }],
      ['NOT_A_PROJECT_MANAGER before LAST_MANAGER', member('proj-alpha001', 'mona', null), actor('mel'), { code: 'NOT_A_PROJECT_MANAGER' }],
    ])('%s', (...row) => check(row));

    it('premium mode: adding an account the manager is not connected with is refused', () => {
      check(['', member('proj-alpha001', 'nina', 'member'), actor('mona'), { code: 'NOT_CONNECTED', path: ['user'] }]);
    });
    it('premium mode: the connection is the acting manager’s, not another member’s', () => {
      // Max manages beta and is connected with Mona only; Paula is connected with Mona, not Max.
      check(['', member('proj-beta0001', 'paula', 'member'), actor('max'), { code: 'NOT_CONNECTED', path: ['user'] }]);
      check(['', member('proj-beta0001', 'paula', 'member'), actor('mona'), OK, 'paula']);
    });
    it('premium mode: changing the role of an existing member needs no connection', () => {
      check(['', member('proj-beta0001', 'mel', 'leader'), actor('max'), OK, 'mel']);
      check(['', member('proj-beta0001', 'mel', null), actor('max'), OK, 'mel']);
    });
    it('enterprise mode needs no connection', () => {
      check(['', member('proj-alpha001', 'nina', 'member'), actor('mona'), OK, 'nina', ctx({ mode: ServerMode.enterprise })]);
    });
    it('without a way to know connections the check is left to the server', () => {
      check(['', member('proj-alpha001', 'nina', 'member'), actor('mona'), OK, 'nina', ctx({ isConnected: undefined })]);
    });
    it('without a resolver the user is taken as written', () => {
      check(['', member('proj-alpha001', 'nina', 'leader'), actor('mona'), OK, 'nina', ctx({ resolveUser: undefined, mode: ServerMode.enterprise })]);
    });
    it('UNKNOWN_USER before NOT_CONNECTED', () => {
      check(['', member('proj-alpha001', 'ghost', 'member'), actor('mona'), { code: 'UNKNOWN_USER', path: ['user'] }, undefined, ctx({ isConnected: () => false })]);
    });
  });

  describe('a username inherited from Object.prototype is no member', () => {
    // Roles are read with Object.hasOwn: for the (valid) username `constructor` a plain
    // lookup would yield Object's constructor function instead of undefined.
    const withConstructor = ctx({ resolveUser: (ref) => ref });
    it('adding `constructor` without a connection is refused NOT_CONNECTED', () => {
      check(['', member('proj-alpha001', 'constructor', 'member'), actor('mona'), { code: 'NOT_CONNECTED', path: ['user'] }, undefined, withConstructor]);
    });
    it('removing `constructor`, who is no member, is refused NOT_SHARED_WITH_USER', () => {
      check(['', member('proj-alpha001', 'constructor', null), actor('mona'), { code: 'NOT_SHARED_WITH_USER', path: ['user'] }, undefined, withConstructor]);
    });
  });
});

describe('applyProjectIntent', () => {
  const before = project('proj-alpha001', { mona: 'manager', leo: 'leader', mel: 'member' });
  const pristine = structuredClone(before);
  const allowed = (user?: string): ProjectPlan => ({ verdict: { ok: true }, ...(user ? { user } : {}) });
  it.each<[string, ProjectIntent, ProjectPlan, ProjectState]>([
    ['rename', { id: 'draft-0001', type: IntentType.projectRename, projectId: before.id, name: 'Renamed' }, allowed(), { ...before, name: 'Renamed' }],
    ['policy', { id: 'draft-0001', type: IntentType.projectPolicy, projectId: before.id, policy: RESTRICTED_FILES }, allowed(), { ...before, policy: RESTRICTED_FILES }],
    [
      'add a member under the resolved name',
      { id: 'draft-0001', type: IntentType.projectMember, projectId: before.id, user: 'paula@lab.test', role: 'leader' },
      allowed('paula'),
      { ...before, members: { ...before.members, paula: 'leader' } },
    ],
    [
      'change a role',
      { id: 'draft-0001', type: IntentType.projectMember, projectId: before.id, user: 'mel', role: 'manager' },
      allowed('mel'),
      { ...before, members: { ...before.members, mel: 'manager' } },
    ],
    [
      'remove a member',
      { id: 'draft-0001', type: IntentType.projectMember, projectId: before.id, user: 'leo', role: null },
      allowed('leo'),
      { ...before, members: { mona: 'manager', mel: 'member' } },
    ],
  ])('%s', (_name, i, plan, expected) => {
    expect(applyProjectIntent(i, plan, before)).toStrictEqual(expected);
    expect(before).toStrictEqual(pristine);
  });

  it('a member change without a resolved user changes nothing', () => {
    const i: ProjectIntent = { id: 'draft-0001', type: IntentType.projectMember, projectId: before.id, user: 'mel', role: null };
    expect(applyProjectIntent(i, allowed(), before)).toBe(before);
  });

  it('project-create leaves the state to newProject: its creator manages it, with full access for members', () => {
    const i: ProjectIntent = { id: 'draft-0001', type: IntentType.projectCreate, projectId: 'proj-new00001', name: 'New' };
    expect(applyProjectIntent(i, allowed(), before)).toBe(before);
    expect(newProject('proj-new00001', 'New', 'paula')).toStrictEqual({
      id: 'proj-new00001',
      name: 'New',
      members: { paula: 'manager' },
      policy: { access: 'full' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Experiment intents that depend on a project
// ---------------------------------------------------------------------------------------------

function exp(opts: { id: string; owner?: string; grants?: string[]; public?: boolean; trashed?: boolean; projectId?: string | null }): SharingState {
  const state = newSharing(opts.id, opts.owner ?? 'olivia');
  for (const user of opts.grants ?? []) state.grants[user] = { by: state.owner, at: 1 };
  return { ...state, public: opts.public ?? false, trashed: opts.trashed ?? false, projectId: opts.projectId ?? null };
}

const projects = [
  project('proj-alpha001', { mona: 'manager', leo: 'leader', mel: 'member', olivia: 'manager' }),
  project('proj-beta0001', { mona: 'manager', max: 'manager', mel: 'member', frank: 'manager' }),
  project('proj-gamma001', { gus: 'manager', mona: 'member', olivia: 'member' }),
  // Restricted projects for the clone and export rules.
  project('proj-rnone001', { mona: 'manager', mel: 'member' }, RESTRICTED_NONE),
  project('proj-rfiles01', { mona: 'manager', mel: 'member' }, RESTRICTED_FILES),
  project('proj-rfull001', { mona: 'manager', mel: 'member' }, RESTRICTED_FULL),
];
const world: SharingState[] = [
  exp({ id: 'exp-loose001', grants: ['frank'] }),
  exp({ id: 'exp-alpha001', grants: ['frank'], projectId: 'proj-alpha001' }),
  exp({ id: 'exp-alpha002', owner: 'leo', projectId: 'proj-alpha001' }),
  exp({ id: 'exp-alphapub', public: true, projectId: 'proj-alpha001' }),
  exp({ id: 'exp-alphatr1', grants: ['frank'], public: true, trashed: true, projectId: 'proj-alpha001' }),
  exp({ id: 'exp-gamma001', projectId: 'proj-gamma001' }),
  exp({ id: 'exp-rnone001', projectId: 'proj-rnone001', public: false }),
  exp({ id: 'exp-rfiles01', projectId: 'proj-rfiles01' }),
  exp({ id: 'exp-rfull001', projectId: 'proj-rfull001' }),
  exp({ id: 'exp-public01', public: true }),
  exp({ id: 'exp-trash001', public: true, trashed: true }),
  exp({ id: 'exp-orphan01', projectId: 'proj-gone0001' }),
];
const ctx: IntentContext = {
  experiments: new Map(world.map((s) => [s.id, s])),
  projects: new Map(projects.map((p) => [p.id, p])),
  mode: ServerMode.premium,
  hasGate: (experimentId, gateId) => gateId === 'gate-cd4' && experimentId !== 'exp-rfull001',
};

type Row = [name: string, intent: ExperimentIntent, who: Actor, expected: object, affected?: string[]];
function check([, i, who, expected, affected]: Row, context: IntentContext = ctx): void {
  const plan = planIntent(i, who, context);
  expect(outcome(plan.verdict)).toStrictEqual(expected);
  expect(plan.affected).toStrictEqual(plan.verdict.ok ? affected : []);
  expect(plan.skipped).toStrictEqual([]);
}
const base = (experimentId: string) => ({ id: 'draft-0001', experimentId });
const move = (experimentId: string, projectId: string | null): ExperimentIntent => ({ ...base(experimentId), type: IntentType.move, projectId });
const clone = (experimentId: string, opts: { filesOnly?: boolean; linked?: boolean; newId?: string } = {}): ExperimentIntent => ({
  ...base(experimentId),
  type: IntentType.clone,
  newId: opts.newId ?? 'exp-new00001',
  linked: opts.linked ?? false,
  ...(opts.filesOnly === undefined ? {} : { filesOnly: opts.filesOnly }),
});
const exportGate = (experimentId: string, gateId = 'gate-cd4', newId = 'exp-new00001'): ExperimentIntent => ({ ...base(experimentId), type: IntentType.exportGate, gateId, newId });
const simple = (type: 'trash' | 'restore' | 'delete' | 'request-curation') => (experimentId: string): ExperimentIntent => ({ ...base(experimentId), type });
const curate = (experimentId: string, curated: boolean): ExperimentIntent => ({ ...base(experimentId), type: IntentType.curate, curated });
const UNKNOWN = { code: 'UNKNOWN_EXPERIMENT', path: ['experimentId'] };

describe('move', () => {
  it.each<Row>([
    ['the owner who manages the target moves a loose experiment in', move('exp-loose001', 'proj-alpha001'), actor('olivia'), OK, ['exp-loose001']],
    ['a full grantee who manages the target moves it in', move('exp-loose001', 'proj-beta0001'), actor('frank'), OK, ['exp-loose001']],
    ['a manager of both projects moves it across, with access only through the project', move('exp-alpha002', 'proj-beta0001'), actor('mona'), OK, ['exp-alpha002']],
    ['a manager of its project moves it out', move('exp-alpha002', null), actor('mona'), OK, ['exp-alpha002']],
    ['the owner who manages its project moves it out', move('exp-alpha001', null), actor('olivia'), OK, ['exp-alpha001']],
    ['into the project it is already in', move('exp-alpha001', 'proj-alpha001'), actor('olivia'), OK, ['exp-alpha001']],
    // manage-sharing on the experiment
    ['a leader with full access through the policy', move('exp-alpha001', null), actor('leo'), { code: 'NOT_A_PROJECT_MANAGER', path: ['experimentId'] }],
    ['a restricted member', move('exp-rfull001', null), actor('mel'), { code: 'NOT_A_SHARING_MANAGER' }],
    ['a public viewer', move('exp-public01', 'proj-alpha001'), actor('mona'), { code: 'NOT_A_SHARING_MANAGER' }],
    ['a stranger', move('exp-loose001', 'proj-alpha001'), actor('mona'), { code: 'NOT_A_READER' }],
    ['a staff stranger', move('exp-loose001', 'proj-alpha001'), actor('sam', true), { code: 'NOT_A_READER' }],
    ['a trashed experiment, by its owner', move('exp-alphatr1', null), actor('olivia'), { code: 'EXPERIMENT_TRASHED' }],
    ['a trashed experiment, by its project manager', move('exp-alphatr1', null), actor('mona'), { code: 'NOT_A_READER' }],
    ['an unknown experiment', move('exp-missing1', 'proj-alpha001'), actor('olivia'), UNKNOWN],
    // the target project
    ['into an unknown project', move('exp-loose001', 'proj-missing1'), actor('olivia'), { code: 'UNKNOWN_PROJECT', path: ['projectId'] }],
    ['the owner who is only a member of the target', move('exp-loose001', 'proj-gamma001'), actor('olivia'), { code: 'NOT_A_PROJECT_MANAGER', path: ['projectId'] }],
    ['the owner who is not in the target at all', move('exp-loose001', 'proj-beta0001'), actor('olivia'), { code: 'NOT_A_PROJECT_MANAGER', path: ['projectId'] }],
    // the current project
    ['the owner who is only a member of its project moves it out', move('exp-gamma001', null), actor('olivia'), { code: 'NOT_A_PROJECT_MANAGER', path: ['experimentId'] }],
    ['the owner who is only a member of its project moves it to one they manage', move('exp-gamma001', 'proj-alpha001'), actor('olivia'), { code: 'NOT_A_PROJECT_MANAGER', path: ['experimentId'] }],
    ['a full grantee who manages neither project', move('exp-alpha001', null), actor('frank'), { code: 'NOT_A_PROJECT_MANAGER', path: ['experimentId'] }],
    ['a full grantee who manages only the target', move('exp-alpha001', 'proj-beta0001'), actor('frank'), { code: 'NOT_A_PROJECT_MANAGER', path: ['experimentId'] }],
    ['a manager of the current project only', move('exp-alpha001', 'proj-gamma001'), actor('olivia'), { code: 'NOT_A_PROJECT_MANAGER', path: ['projectId'] }],
    ['its project is unknown to the caller', move('exp-orphan01', null), actor('olivia'), { code: 'NOT_A_PROJECT_MANAGER', path: ['experimentId'] }],
    // order: manage-sharing, unknown target, current project, target project
    ['manage-sharing before UNKNOWN_PROJECT', move('exp-loose001', 'proj-missing1'), actor('paula'), { code: 'NOT_A_READER' }],
    ['UNKNOWN_PROJECT before the current project', move('exp-gamma001', 'proj-missing1'), actor('olivia'), { code: 'UNKNOWN_PROJECT', path: ['projectId'] }],
    ['current project before target project', move('exp-gamma001', 'proj-beta0001'), actor('olivia'), { code: 'NOT_A_PROJECT_MANAGER', path: ['experimentId'] }],
  ])('%s', (...row) => check(row));

  it('without any projects known, a move into one is UNKNOWN_PROJECT and a move of a loose experiment out is allowed', () => {
    const bare: IntentContext = { experiments: ctx.experiments, mode: ServerMode.premium };
    check(['', move('exp-loose001', 'proj-alpha001'), actor('olivia'), { code: 'UNKNOWN_PROJECT', path: ['projectId'] }], bare);
    check(['', move('exp-loose001', null), actor('olivia'), OK, ['exp-loose001']], bare);
  });

  it('applyIntent sets the project, and moving out clears it', () => {
    const plan = planIntent(move('exp-loose001', 'proj-alpha001'), actor('olivia'), ctx);
    const state = ctx.experiments.get('exp-loose001') as SharingState;
    expect(applyIntent(move('exp-loose001', 'proj-alpha001'), plan, state, actor('olivia'), 5)).toStrictEqual({ ...state, projectId: 'proj-alpha001' });
    const inside = ctx.experiments.get('exp-alpha001') as SharingState;
    expect(applyIntent(move('exp-alpha001', null), plan, inside, actor('olivia'), 5)).toStrictEqual({ ...inside, projectId: null });
  });
});

describe('clone in a project', () => {
  it.each<Row>([
    ['restricted cloning disabled: files only', clone('exp-rnone001', { filesOnly: true }), actor('mel'), { code: 'CLONE_NOT_ALLOWED' }],
    ['restricted cloning disabled: full', clone('exp-rnone001'), actor('mel'), { code: 'CLONE_NOT_ALLOWED' }],
    ['restricted files-only: files only', clone('exp-rfiles01', { filesOnly: true }), actor('mel'), OK, ['exp-new00001']],
    ['restricted files-only: full', clone('exp-rfiles01', { filesOnly: false }), actor('mel'), { code: 'CLONE_NOT_ALLOWED' }],
    ['restricted files-only: filesOnly absent means full', clone('exp-rfiles01'), actor('mel'), { code: 'CLONE_NOT_ALLOWED' }],
    ['restricted full: files only', clone('exp-rfull001', { filesOnly: true }), actor('mel'), OK, ['exp-new00001']],
    ['restricted full: full', clone('exp-rfull001'), actor('mel'), OK, ['exp-new00001']],
    ['restricted full: a linked clone needs the sharing right', clone('exp-rfull001', { linked: true }), actor('mel'), { code: 'CLONE_NOT_ALLOWED', path: ['linked'] }],
    ['restricted files-only: a linked files-only clone', clone('exp-rfiles01', { linked: true, filesOnly: true }), actor('mel'), { code: 'CLONE_NOT_ALLOWED', path: ['linked'] }],
    ['the manager of a restricted project, linked', clone('exp-rnone001', { linked: true }), actor('mona'), OK, ['exp-new00001']],
    ['a member of a full-access project, linked', clone('exp-alpha001', { linked: true }), actor('mel'), OK, ['exp-new00001']],
    ['a member of another project', clone('exp-rfull001'), actor('leo'), { code: 'NOT_A_READER' }],
    ['restricted full: to an id already used', clone('exp-rfull001', { newId: 'exp-loose001' }), actor('mel'), { code: 'EXPERIMENT_EXISTS', path: ['newId'] }],
    ['clone right before the id check', clone('exp-rfiles01', { newId: 'exp-loose001' }), actor('mel'), { code: 'CLONE_NOT_ALLOWED' }],
    ['a trashed project experiment, by a project manager', clone('exp-alphatr1'), actor('mona'), { code: 'NOT_A_READER' }],
  ])('%s', (...row) => check(row));
});

describe('export-gate', () => {
  it.each<Row>([
    ['by the owner', exportGate('exp-alpha001'), actor('olivia'), OK, ['exp-new00001']],
    ['by a full grantee', exportGate('exp-alpha001'), actor('frank'), OK, ['exp-new00001']],
    ['by a member with full access through the policy', exportGate('exp-alpha001'), actor('mel'), OK, ['exp-new00001']],
    ['by the manager of a restricted project', exportGate('exp-rnone001'), actor('mona'), OK, ['exp-new00001']],
    ['by a public viewer', exportGate('exp-public01'), actor('paula'), { code: 'NOT_A_SHARING_MANAGER' }],
    ['by a restricted member with cloning full', exportGate('exp-rfull001', 'gate-any1'), actor('mel'), { code: 'NOT_A_SHARING_MANAGER' }],
    ['by a restricted member with cloning files-only', exportGate('exp-rfiles01'), actor('mel'), { code: 'CLONE_NOT_ALLOWED' }],
    ['by a restricted member with cloning disabled', exportGate('exp-rnone001'), actor('mel'), { code: 'CLONE_NOT_ALLOWED' }],
    ['by a stranger', exportGate('exp-loose001'), actor('paula'), { code: 'NOT_A_READER' }],
    ['of a trashed experiment by its owner', exportGate('exp-trash001'), actor('olivia'), { code: 'EXPERIMENT_TRASHED' }],
    ['of an unknown experiment', exportGate('exp-missing1'), actor('olivia'), UNKNOWN],
    ['an unknown gate', exportGate('exp-alpha001', 'gate-none'), actor('olivia'), { code: 'UNKNOWN_GATE', path: ['gateId'] }],
    ['to an id already used', exportGate('exp-alpha001', 'gate-cd4', 'exp-loose001'), actor('olivia'), { code: 'EXPERIMENT_EXISTS', path: ['newId'] }],
    ['to its own id', exportGate('exp-alpha001', 'gate-cd4', 'exp-alpha001'), actor('olivia'), { code: 'EXPERIMENT_EXISTS', path: ['newId'] }],
    // order: clone right, sharing right, gate, new id
    ['the rights before the gate', exportGate('exp-public01', 'gate-none'), actor('paula'), { code: 'NOT_A_SHARING_MANAGER' }],
    ['UNKNOWN_GATE before EXPERIMENT_EXISTS', exportGate('exp-alpha001', 'gate-none', 'exp-loose001'), actor('olivia'), { code: 'UNKNOWN_GATE', path: ['gateId'] }],
  ])('%s', (...row) => check(row));

  it('without hasGate the gate is left to the server', () => {
    const noGates: IntentContext = { ...ctx, hasGate: undefined };
    check(['', exportGate('exp-alpha001', 'gate-none'), actor('olivia'), OK, ['exp-new00001']], noGates);
  });
});

describe('trash, restore, delete', () => {
  it.each<Row>([
    ['trash by the owner', simple('trash')('exp-alpha001'), actor('olivia'), OK, ['exp-alpha001']],
    ['trash by a full grantee', simple('trash')('exp-alpha001'), actor('frank'), { code: 'OWNER_ONLY' }],
    ['trash by the project manager', simple('trash')('exp-alpha002'), actor('mona'), { code: 'OWNER_ONLY' }],
    ['trash by a project member', simple('trash')('exp-alpha001'), actor('mel'), { code: 'OWNER_ONLY' }],
    ['trash by a restricted member', simple('trash')('exp-rfull001'), actor('mel'), { code: 'OWNER_ONLY' }],
    ['trash by a public viewer', simple('trash')('exp-public01'), actor('paula'), { code: 'OWNER_ONLY' }],
    ['trash by a stranger', simple('trash')('exp-loose001'), actor('paula'), { code: 'NOT_A_READER' }],
    ['trash an unknown experiment', simple('trash')('exp-missing1'), actor('olivia'), UNKNOWN],
    ['restore by the owner', simple('restore')('exp-alphatr1'), actor('olivia'), OK, ['exp-alphatr1']],
    ['restore by the former project manager', simple('restore')('exp-alphatr1'), actor('mona'), { code: 'NOT_A_READER' }],
    ['restore by the former grantee', simple('restore')('exp-alphatr1'), actor('frank'), { code: 'NOT_A_READER' }],
    ['delete a trashed experiment by the owner', simple('delete')('exp-alphatr1'), actor('olivia'), OK, ['exp-alphatr1']],
    ['delete one not in the trash', simple('delete')('exp-alpha001'), actor('olivia'), { code: 'NOT_TRASHED' }],
    ['delete by the former project manager', simple('delete')('exp-alphatr1'), actor('mona'), { code: 'NOT_A_READER' }],
    ['OWNER_ONLY before NOT_TRASHED', simple('delete')('exp-alpha001'), actor('frank'), { code: 'OWNER_ONLY' }],
    ['delete by the project manager of one not in the trash', simple('delete')('exp-alpha002'), actor('mona'), { code: 'OWNER_ONLY' }],
    ['delete an unknown experiment', simple('delete')('exp-missing1'), actor('olivia'), UNKNOWN],
  ])('%s', (...row) => check(row));

  it('trash and restore set and clear the flag', () => {
    const plan = { verdict: { ok: true as const }, affected: ['exp-alpha001'], skipped: [] };
    const state = ctx.experiments.get('exp-alpha001') as SharingState;
    const trashed = applyIntent(simple('trash')('exp-alpha001'), plan, state, actor('olivia'), 5);
    expect(trashed).toStrictEqual({ ...state, trashed: true });
    expect(applyIntent(simple('restore')('exp-alpha001'), plan, trashed, actor('olivia'), 5)).toStrictEqual(state);
    expect(applyIntent(simple('delete')('exp-alpha001'), plan, trashed, actor('olivia'), 5)).toBe(trashed);
  });
});

describe('curation', () => {
  it.each<Row>([
    ['request by the owner of a public experiment', simple('request-curation')('exp-public01'), actor('olivia'), OK, ['exp-public01']],
    ['request by the owner of a public project experiment', simple('request-curation')('exp-alphapub'), actor('olivia'), OK, ['exp-alphapub']],
    ['request by the owner of a private experiment', simple('request-curation')('exp-alpha001'), actor('olivia'), { code: 'NOT_PUBLIC' }],
    ['request by a full grantee', simple('request-curation')('exp-alpha001'), actor('frank'), { code: 'OWNER_ONLY' }],
    ['request by the project manager of a public experiment', simple('request-curation')('exp-alphapub'), actor('mona'), { code: 'OWNER_ONLY' }],
    ['request by a public viewer', simple('request-curation')('exp-public01'), actor('paula'), { code: 'OWNER_ONLY' }],
    ['request by a stranger', simple('request-curation')('exp-loose001'), actor('paula'), { code: 'NOT_A_READER' }],
    ['OWNER_ONLY before NOT_PUBLIC', simple('request-curation')('exp-alpha001'), actor('mel'), { code: 'OWNER_ONLY' }],
    ['request for an unknown experiment', simple('request-curation')('exp-missing1'), actor('olivia'), UNKNOWN],
    ['staff curates a public project experiment', curate('exp-alphapub', true), actor('sam', true), OK, ['exp-alphapub']],
    ['the project manager, not staff, curates', curate('exp-alphapub', true), actor('mona'), { code: 'STAFF_ONLY' }],
    ['staff curates a private project experiment', curate('exp-alpha001', true), actor('sam', true), { code: 'NOT_PUBLIC' }],
    ['staff curates a trashed public experiment', curate('exp-trash001', true), actor('sam', true), { code: 'EXPERIMENT_TRASHED' }],
    ['STAFF_ONLY before EXPERIMENT_TRASHED', curate('exp-trash001', true), actor('olivia'), { code: 'STAFF_ONLY' }],
    ['curate an unknown experiment', curate('exp-missing1', true), actor('sam', true), UNKNOWN],
  ])('%s', (...row) => check(row));
});

describe('accessList with a project', () => {
  const p = project('proj-alpha001', { zed: 'member', mona: 'manager', leo: 'leader', frank: 'manager', olivia: 'member', abe: 'manager' }, RESTRICTED_NONE);
  const state = exp({ id: 'exp-alpha001', grants: ['frank', 'carl'], projectId: 'proj-alpha001' });

  it('lists the owner, the direct grants, then the project’s people by name, each once', () => {
    // Roles and levels per row: rules-access-rows.test.ts.
    expect(accessList(state, p).map(({ user, via }) => ({ user, via }))).toStrictEqual([
      { user: 'olivia', via: 'owner' },
      { user: 'carl', via: 'direct' },
      { user: 'frank', via: 'direct' },
      { user: 'abe', via: 'project-manager' },
      { user: 'leo', via: 'project-member' },
      { user: 'mona', via: 'project-manager' },
      { user: 'zed', via: 'project-member' },
    ]);
  });

  it('a project that is not the experiment’s adds nobody', () => {
    expect(accessList(state, { ...p, id: 'proj-other001' })).toStrictEqual([
      { user: 'olivia', via: 'owner' },
      { user: 'carl', via: 'direct' },
      { user: 'frank', via: 'direct' },
    ]);
    expect(accessList({ ...state, projectId: null }, p)).toHaveLength(3);
  });

  it('without the project, only owner and direct grants', () => {
    expect(accessList(state)).toHaveLength(3);
    expect(accessList(state, null)).toHaveLength(3);
  });
});
