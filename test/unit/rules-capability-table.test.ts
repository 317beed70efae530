import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { accessOf, can, capabilitiesOf, Capability } from '../../shared/rules/access.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import { AccessLevel, type Actor, type SharingState } from '../../shared/schemas/entities.ts';
import type { CloningLevel, IllustrationsLevel, ProjectPolicy, ProjectState } from '../../shared/schemas/project.ts';

/**
 * Every cell of the capability table, with the people of a project.
 *
 * Olivia owns exp-inproj01, which belongs to project proj-lab00001. Frank has direct full
 * access, Vera direct viewer access. Mona manages the project, Leo leads in it, Mel is a member. Paula is any other account
 * (a public viewer once the experiment is public), Sam a stranger, Stella a staff member who is
 * a stranger to the experiment.
 */
const PROJECT = 'proj-lab00001';
const OTHER_PROJECT = 'proj-other001';
const EXP = 'exp-inproj01';

function project(policy: ProjectPolicy, id = PROJECT, members: ProjectState['members'] = { mona: 'manager', leo: 'leader', mel: 'member' }): ProjectState {
  return { id, name: 'Lab', members, policy };
}
function exp(opts: { grants?: string[]; viewers?: string[]; public?: boolean; trashed?: boolean; projectId?: string | null } = {}): SharingState {
  const state = newSharing(EXP, 'olivia');
  for (const user of opts.grants ?? ['frank']) state.grants[user] = { by: 'olivia', at: 1_700_000_000_000 };
  for (const user of opts.viewers ?? ['vera']) state.grants[user] = { by: 'olivia', at: 1_700_000_000_000, role: 'viewer' };
  return { ...state, public: opts.public ?? false, trashed: opts.trashed ?? false, projectId: opts.projectId === undefined ? PROJECT : opts.projectId };
}
const actor = (username: string, staff = false): Actor => ({ username, staff });
const restricted = (illustrations: IllustrationsLevel, cloning: CloningLevel): ProjectPolicy => ({ access: 'restricted', illustrations, cloning });
const FULL: ProjectPolicy = { access: 'full' };

function outcome(v: Verdict): { ok: true } | { code: string; path?: string[] } {
  if (v.ok) return { ok: true };
  expect(v.message).toEqual(expect.any(String));
  return v.path === undefined ? { code: v.code } : { code: v.code, path: v.path };
}
const OK = { ok: true } as const;
const no = (code: ErrorCode) => ({ code });
const READ_ONLY = no(ErrorCode.READ_ONLY);
const NO_DOWNLOAD = no(ErrorCode.DOWNLOAD_NOT_ALLOWED);
const NO_CLONE = no(ErrorCode.CLONE_NOT_ALLOWED);
const NO_SHARING = no(ErrorCode.NOT_A_SHARING_MANAGER);
const OWNER_ONLY = no(ErrorCode.OWNER_ONLY);
const NOT_A_READER = no(ErrorCode.NOT_A_READER);

type Column = { who: string; user: string; staff: boolean; state: SharingState; project: ProjectState; level: AccessLevel };

/** The columns of the table: who, in what experiment and project, and the access level it gives. */
const columns: Column[] = [
  { who: 'owner', user: 'olivia', staff: false, state: exp(), project: project(restricted('view-only', 'disabled')), level: AccessLevel.owner },
  { who: 'direct full access', user: 'frank', staff: false, state: exp(), project: project(restricted('view-only', 'disabled')), level: AccessLevel.full },
  { who: 'direct viewer', user: 'vera', staff: false, state: exp(), project: project(restricted('view-only', 'disabled')), level: AccessLevel.viewer },
  { who: 'project manager', user: 'mona', staff: false, state: exp(), project: project(restricted('view-only', 'disabled')), level: AccessLevel.full },
  { who: 'project leader, policy full', user: 'leo', staff: false, state: exp(), project: project(FULL), level: AccessLevel.full },
  { who: 'project member, policy full', user: 'mel', staff: false, state: exp(), project: project(FULL), level: AccessLevel.full },
  { who: 'restricted view-only/disabled', user: 'mel', staff: false, state: exp(), project: project(restricted('view-only', 'disabled')), level: AccessLevel.restricted },
  { who: 'restricted view-only/files-only', user: 'mel', staff: false, state: exp(), project: project(restricted('view-only', 'files-only')), level: AccessLevel.restricted },
  { who: 'restricted view-only/full', user: 'mel', staff: false, state: exp(), project: project(restricted('view-only', 'full')), level: AccessLevel.restricted },
  { who: 'restricted create/disabled', user: 'mel', staff: false, state: exp(), project: project(restricted('create', 'disabled')), level: AccessLevel.restricted },
  { who: 'restricted create/files-only', user: 'mel', staff: false, state: exp(), project: project(restricted('create', 'files-only')), level: AccessLevel.restricted },
  { who: 'restricted create/full', user: 'mel', staff: false, state: exp(), project: project(restricted('create', 'full')), level: AccessLevel.restricted },
  { who: 'public viewer', user: 'paula', staff: false, state: exp({ public: true }), project: project(restricted('view-only', 'disabled')), level: AccessLevel.public },
  { who: 'staff stranger', user: 'stella', staff: true, state: exp(), project: project(FULL), level: AccessLevel.none },
  { who: 'stranger', user: 'sam', staff: false, state: exp(), project: project(FULL), level: AccessLevel.none },
];

// prettier-ignore
// capability        owner owner-full viewer manager leader-full member-full | restricted: vo/dis vo/files vo/full cr/dis cr/files cr/full | public  staff      stranger
const table: Array<[Capability, ...object[]]> = [
  [Capability.view,          OK, OK, OK, OK, OK, OK,                 OK,          OK,          OK,        OK,          OK,          OK,        OK,         NOT_A_READER, NOT_A_READER],
  [Capability.edit,          OK, OK, READ_ONLY, OK, OK, OK,                 READ_ONLY,   READ_ONLY,   READ_ONLY, READ_ONLY,   READ_ONLY,   READ_ONLY, READ_ONLY,  NOT_A_READER, NOT_A_READER],
  [Capability.illustrate,    OK, OK, READ_ONLY, OK, OK, OK,                 READ_ONLY,   READ_ONLY,   READ_ONLY, OK,          OK,          OK,        READ_ONLY,  NOT_A_READER, NOT_A_READER],
  [Capability.download,      OK, OK, NO_DOWNLOAD, OK, OK, OK,                 NO_DOWNLOAD, OK,          OK,        NO_DOWNLOAD, OK,          OK,        OK,         NOT_A_READER, NOT_A_READER],
  [Capability.cloneFiles,    OK, OK, NO_CLONE, OK, OK, OK,                 NO_CLONE,    OK,          OK,        NO_CLONE,    OK,          OK,        OK,         NOT_A_READER, NOT_A_READER],
  [Capability.clone,         OK, OK, NO_CLONE, OK, OK, OK,                 NO_CLONE,    NO_CLONE,    OK,        NO_CLONE,    NO_CLONE,    OK,        OK,         NOT_A_READER, NOT_A_READER],
  [Capability.manageSharing, OK, OK, NO_SHARING, OK, OK, OK,                 NO_SHARING,  NO_SHARING,  NO_SHARING, NO_SHARING, NO_SHARING,  NO_SHARING, NO_SHARING, NOT_A_READER, NOT_A_READER],
  [Capability.trash,         OK, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, OWNER_ONLY, NOT_A_READER, NOT_A_READER],
];

describe('the capability table, cell by cell', () => {
  it('has one row per capability and one cell per column', () => {
    expect(table.map(([c]) => c).sort()).toEqual(Object.values(Capability).sort());
    for (const [capability, ...cells] of table) expect(cells, capability).toHaveLength(columns.length);
  });

  it.each(columns)('$who has access level $level', ({ state, user, project: p, level }) => {
    expect(accessOf(state, user, p)).toBe(level);
  });

  const cells = table.flatMap(([capability, ...expected]) =>
    columns.map((column, i) => ({ capability, ...column, expected: expected[i] as object })),
  );
  it.each(cells)('$capability by $who', ({ capability, state, user, staff, project: p, expected }) => {
    expect(outcome(can(state, actor(user, staff), capability, p))).toStrictEqual(expected);
  });

  it.each(columns)('capabilitiesOf agrees with can for $who', ({ state, user, staff, project: p }) => {
    const expected = Object.fromEntries(Object.values(Capability).map((c) => [c, can(state, actor(user, staff), c, p).ok]));
    expect(capabilitiesOf(state, actor(user, staff), p)).toStrictEqual(expected);
  });

  const policies: ProjectPolicy[] = [
    FULL,
    ...(['view-only', 'create'] as const).flatMap((i) => (['disabled', 'files-only', 'full'] as const).map((c) => restricted(i, c))),
  ];
  it.each(policies)('leader and member get the same rights under %o; the manager keeps full access', (policy) => {
    const p = project(policy);
    expect(capabilitiesOf(exp(), actor('leo'), p)).toStrictEqual(capabilitiesOf(exp(), actor('mel'), p));
    expect(capabilitiesOf(exp(), actor('mona'), p)).toStrictEqual(capabilitiesOf(exp(), actor('frank'), p));
  });
});

describe('precedence of the sources of access', () => {
  const all = (value: boolean): Record<Capability, boolean> =>
    Object.fromEntries(Object.values(Capability).map((c) => [c, value])) as Record<Capability, boolean>;
  const fullAccess = { ...all(true), trash: false };
  const harshest = project(restricted('view-only', 'disabled'), PROJECT, { mona: 'manager', mel: 'member', frank: 'member', olivia: 'member' });

  it('direct full access beats a restricted project', () => {
    expect(accessOf(exp(), 'frank', harshest)).toBe(AccessLevel.full);
    expect(capabilitiesOf(exp(), actor('frank'), harshest)).toStrictEqual(fullAccess);
    // The same member without the grant is restricted.
    expect(accessOf(exp({ grants: [] }), 'frank', harshest)).toBe(AccessLevel.restricted);
  });

  it('the owner in a restricted project keeps everything', () => {
    expect(accessOf(exp(), 'olivia', harshest)).toBe(AccessLevel.owner);
    expect(capabilitiesOf(exp(), actor('olivia'), harshest)).toStrictEqual(all(true));
  });

  it('a member of a different project gets nothing from it', () => {
    const other = project(FULL, OTHER_PROJECT, { mona: 'manager', mel: 'member' });
    // The project passed is not the experiment's: it is ignored.
    expect(accessOf(exp({ grants: [] }), 'mel', other)).toBe(AccessLevel.none);
    expect(accessOf(exp({ grants: [] }), 'mona', other)).toBe(AccessLevel.none);
    expect(outcome(can(exp({ grants: [] }), actor('mona'), Capability.view, other))).toStrictEqual(NOT_A_READER);
    expect(capabilitiesOf(exp({ grants: [] }), actor('mel'), other)).toStrictEqual(all(false));
    // And the experiment's own project does not list them.
    const own = project(FULL, PROJECT, { olga: 'manager' });
    expect(accessOf(exp({ grants: [] }), 'mel', own)).toBe(AccessLevel.none);
  });

  it('an experiment outside any project gives nothing to the members of a project passed along', () => {
    expect(accessOf(exp({ grants: [], projectId: null }), 'mona', project(FULL))).toBe(AccessLevel.none);
  });

  it('without the project at hand, membership cannot be seen: the member is a stranger', () => {
    expect(accessOf(exp({ grants: [] }), 'mel')).toBe(AccessLevel.none);
    expect(accessOf(exp({ grants: [] }), 'mel', null)).toBe(AccessLevel.none);
  });

  it('a name inherited from Object.prototype is no project role', () => {
    expect(accessOf(exp({ grants: [] }), 'constructor', project(FULL))).toBe(AccessLevel.none);
  });

  describe('a trashed experiment in a project is the owner’s alone', () => {
    const trashed = exp({ trashed: true, public: true });
    const p = project(FULL, PROJECT, { mona: 'manager', leo: 'leader', mel: 'member' });
    it.each(['frank', 'mona', 'leo', 'mel', 'paula'])('%s has no access at all', (user) => {
      expect(accessOf(trashed, user, p)).toBe(AccessLevel.none);
      for (const capability of Object.values(Capability)) {
        expect(outcome(can(trashed, actor(user), capability, p)), capability).toStrictEqual(NOT_A_READER);
      }
    });
    it('the owner may still view it and take it out of the trash, nothing else', () => {
      expect(accessOf(trashed, 'olivia', p)).toBe(AccessLevel.owner);
      expect(capabilitiesOf(trashed, actor('olivia'), p)).toStrictEqual({ ...all(false), view: true, trash: true });
      expect(outcome(can(trashed, actor('olivia'), Capability.edit, p))).toStrictEqual(no(ErrorCode.EXPERIMENT_TRASHED));
    });
  });
});

describe('the viewer role among the other sources', () => {
  const harshest = project(restricted('view-only', 'disabled'), PROJECT, { mona: 'manager', vera: 'member' });
  it('a restricted project membership gives a viewer what the policy gives', () => {
    const p = project(restricted('create', 'files-only'), PROJECT, { mona: 'manager', vera: 'member' });
    expect(accessOf(exp(), 'vera', p)).toBe(AccessLevel.restricted);
    expect(outcome(can(exp(), actor('vera'), Capability.download, p))).toStrictEqual(OK);
    expect(outcome(can(exp(), actor('vera'), Capability.illustrate, p))).toStrictEqual(OK);
  });
  it('a full project membership makes a viewer a full collaborator', () => {
    expect(accessOf(exp(), 'vera', project(FULL, PROJECT, { mona: 'manager', vera: 'member' }))).toBe(AccessLevel.full);
  });
  it('a viewer of a public experiment may download and clone it like any account, still not edit or share', () => {
    const pub = exp({ public: true, projectId: null });
    expect(accessOf(pub, 'vera', null)).toBe(AccessLevel.viewer);
    expect(outcome(can(pub, actor('vera'), Capability.download, null))).toStrictEqual(OK);
    expect(outcome(can(pub, actor('vera'), Capability.clone, null))).toStrictEqual(OK);
    expect(outcome(can(pub, actor('vera'), Capability.edit, null))).toStrictEqual(READ_ONLY);
    expect(outcome(can(pub, actor('vera'), Capability.manageSharing, null))).toStrictEqual(NO_SHARING);
  });
  it('a viewer of a trashed experiment sees nothing', () => {
    expect(outcome(can(exp({ trashed: true }), actor('vera'), Capability.view, harshest))).toStrictEqual(NOT_A_READER);
  });
});

describe('project membership never takes away what the public has', () => {
  // On a public experiment every account on the server may view, download and
  // clone, a restricted member with cloning `disabled` included; otherwise leaving the project
  // would give them more rights.
  const publicInProject = exp({ grants: [], public: true });
  const p = project(restricted('view-only', 'disabled'));
  it('a restricted member may download and clone a public experiment like any account', () => {
    expect(outcome(can(publicInProject, actor('mel'), Capability.download, p))).toStrictEqual(OK);
    expect(outcome(can(publicInProject, actor('mel'), Capability.clone, p))).toStrictEqual(OK);
  });
  it('any account outside the project may', () => {
    expect(outcome(can(publicInProject, actor('paula'), Capability.download, p))).toStrictEqual(OK);
    expect(outcome(can(publicInProject, actor('paula'), Capability.clone, p))).toStrictEqual(OK);
  });
});
