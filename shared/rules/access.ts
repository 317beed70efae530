import type { Actor, Grant, GrantRole, SharingState } from '../schemas/entities.ts';
import { AccessLevel } from '../schemas/entities.ts';
import type { ProjectPolicy, ProjectState } from '../schemas/project.ts';
import { ErrorCode } from '../codes.ts';
import { allow, refuse, type Verdict } from './verdict.ts';
import { groupsGiving } from './group-access.ts';

/** Where an account's access comes from, and the level that source alone gives. */
export type AccessSource =
  | { via: 'owner'; level: typeof AccessLevel.owner }
  | { via: 'direct'; level: typeof AccessLevel.full | typeof AccessLevel.viewer; grant: Grant }
  | { via: 'project'; level: typeof AccessLevel.full | typeof AccessLevel.restricted; projectId: string; role: ProjectState['members'][string] }
  | { via: 'group'; level: typeof AccessLevel.full; groupId: string; name: string }
  | { via: 'public'; level: typeof AccessLevel.public };

/** The role a direct grant gives (grants made before roles existed are full). */
export const grantRole = (grant: Grant): GrantRole => grant.role ?? 'full';

/**
 * Every source of `username`'s access to `exp`, strongest first: owner, a direct share (full or
 * viewer), the project (managers full; leaders and members as the policy says), a group, public. A
 * trashed experiment is the owner's alone. `project` is the experiment's project, when it has
 * one and the caller knows it.
 */
export function accessSources(exp: SharingState, username: string, project?: ProjectState | null): AccessSource[] {
  if (exp.owner === username) return [{ via: 'owner', level: AccessLevel.owner }];
  if (exp.trashed) return [];
  const out: AccessSource[] = [];
  const grant = Object.hasOwn(exp.grants, username) ? exp.grants[username] : undefined;
  if (grant) out.push({ via: 'direct', level: grantRole(grant) === 'viewer' ? AccessLevel.viewer : AccessLevel.full, grant });
  const role = project && project.id === exp.projectId ? roleIn(project, username) : undefined;
  if (project && role !== undefined) {
    const level = role === 'manager' || project.policy.access === 'full' ? AccessLevel.full : AccessLevel.restricted;
    out.push({ via: 'project', level, projectId: project.id, role });
  }
  for (const groupId of groupsGiving(exp, username)) out.push({ via: 'group', level: AccessLevel.full, groupId, name: exp.groups?.[groupId]?.name ?? '' });
  if (exp.public) out.push({ via: 'public', level: AccessLevel.public });
  return out.sort((a, b) => rank(a.level) - rank(b.level));
}

/** Levels strongest first; a restricted member has every right a viewer has, and maybe more. */
const rank = (level: AccessLevel): number => Object.values(AccessLevel).indexOf(level);

/**
 * Who reaches an experiment and how: the strongest of its sources (a direct full share wins
 * over any project restriction; a project's restricted access over a viewer share).
 */
export function accessOf(exp: SharingState, username: string, project?: ProjectState | null): AccessLevel {
  return accessSources(exp, username, project)[0]?.level ?? AccessLevel.none;
}

/** A user's role in a project; own properties only, so no username can match Object's members. */
export function roleIn(project: ProjectState, username: string): ProjectState['members'][string] | undefined {
  return Object.hasOwn(project.members, username) ? project.members[username] : undefined;
}

export const Capability = {
  view: 'view',
  edit: 'edit',
  illustrate: 'illustrate',
  download: 'download',
  cloneFiles: 'clone-files',
  clone: 'clone',
  manageSharing: 'manage-sharing',
  trash: 'trash',
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];

type Restricted = Extract<ProjectPolicy, { access: 'restricted' }>;

/** The capability table; a restricted member's cell depends on the policy. */
const table: Record<Capability, Record<AccessLevel, boolean | ((policy: Restricted) => boolean)>> = {
  view: { owner: true, full: true, restricted: true, viewer: true, public: true, none: false },
  edit: { owner: true, full: true, restricted: false, viewer: false, public: false, none: false },
  illustrate: { owner: true, full: true, restricted: (p) => p.illustrations === 'create', viewer: false, public: false, none: false },
  download: { owner: true, full: true, restricted: (p) => p.cloning !== 'disabled', viewer: false, public: true, none: false },
  'clone-files': { owner: true, full: true, restricted: (p) => p.cloning !== 'disabled', viewer: false, public: true, none: false },
  clone: { owner: true, full: true, restricted: (p) => p.cloning === 'full', viewer: false, public: true, none: false },
  'manage-sharing': { owner: true, full: true, restricted: false, viewer: false, public: false, none: false },
  trash: { owner: true, full: false, restricted: false, viewer: false, public: false, none: false },
};

/** The refusal each capability gives an account that can see the experiment but lacks the right. */
const refusalFor: Record<Capability, ErrorCode> = {
  view: ErrorCode.NOT_A_READER,
  edit: ErrorCode.READ_ONLY,
  illustrate: ErrorCode.READ_ONLY,
  download: ErrorCode.DOWNLOAD_NOT_ALLOWED,
  'clone-files': ErrorCode.CLONE_NOT_ALLOWED,
  clone: ErrorCode.CLONE_NOT_ALLOWED,
  'manage-sharing': ErrorCode.NOT_A_SHARING_MANAGER,
  trash: ErrorCode.OWNER_ONLY,
};

/**
 * May `actor` use `capability` on `exp`? Order: a stranger learns only that they cannot read;
 * then a trashed experiment refuses everything but viewing; then the table decides.
 */
export function can(exp: SharingState, actor: Actor, capability: Capability, project?: ProjectState | null): Verdict {
  const level = accessOf(exp, actor.username, project);
  if (level === AccessLevel.none) return refuse(ErrorCode.NOT_A_READER, 'no access to this experiment');
  if (exp.trashed && capability !== Capability.view && capability !== Capability.trash) {
    return refuse(ErrorCode.EXPERIMENT_TRASHED, 'the experiment is in the trash');
  }
  const cell = table[capability][level];
  const allowed = typeof cell === 'function' ? project?.policy.access === 'restricted' && cell(project.policy) : cell;
  if (allowed) return allow;
  // Being in a restricted project or a viewer never takes away what every account has on a public one.
  if ((level === AccessLevel.restricted || level === AccessLevel.viewer) && exp.public && table[capability].public === true) return allow;
  return refuse(refusalFor[capability], `${level} access does not allow ${capability}`);
}

export function capabilitiesOf(exp: SharingState, actor: Actor, project?: ProjectState | null): Record<Capability, boolean> {
  const out = {} as Record<Capability, boolean>;
  for (const capability of Object.values(Capability)) out[capability] = can(exp, actor, capability, project).ok;
  return out;
}

/** What a restricted project member may do besides viewing, as the project's policy sets it. */
export type RestrictedRights = { download: boolean; illustrate: boolean; clone: 'disabled' | 'files-only' | 'full' };
export type AccessRow = {
  user: string;
  via: 'owner' | 'direct' | 'project-manager' | 'project-member' | 'group';
  /** For access through a group: the group's name (the first by id when several give it). */
  group?: string;
  /** A direct share's role; for the project's people their role, and (when the policy is known) full or restricted access. */
  role?: ProjectState['members'][string] | GrantRole;
  level?: 'full' | 'restricted';
  /** For restricted access: the levels the policy gives (a public experiment may give more). */
  rights?: RestrictedRights;
  /** For a direct share that ends: when (ms since the epoch; see expiry.ts `withEnds`). */
  until?: number;
};

/**
 * The access list the Sharing dialog shows: the owner, direct grants, then the project's people
 * with their role and, where the caller knows the project's policy, what that role gives them.
 */
export function accessList(exp: SharingState, project?: (Pick<ProjectState, 'id' | 'members'> & { policy?: ProjectPolicy }) | null): AccessRow[] {
  const direct = Object.keys(exp.grants)
    .filter((user) => user !== exp.owner)
    .sort()
    // A direct row names its role only when it is not the default, full access.
    .map((user) => ({ user, via: 'direct' as const, ...(grantRole(exp.grants[user] as Grant) === 'viewer' ? { role: 'viewer' as const } : {}) }));
  const listed = new Set([exp.owner, ...direct.map((d) => d.user)]);
  const viaProject =
    project && project.id === exp.projectId
      ? Object.entries(project.members)
          .filter(([user]) => !listed.has(user))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([user, role]): AccessRow => ({ user, via: role === 'manager' ? 'project-manager' : 'project-member', role, ...projectLevel(exp, user, project) }))
      : [];
  const viaGroup = groupRows(exp, new Set([...listed, ...viaProject.map((row) => row.user)]));
  return [{ user: exp.owner, via: 'owner' as const }, ...direct, ...viaProject, ...viaGroup];
}

/** Group members not listed otherwise, each with the group's name. */
function groupRows(exp: SharingState, listed: ReadonlySet<string>): AccessRow[] {
  const users = Object.values(exp.groups ?? {}).flatMap((g) => g.members).filter((user) => !listed.has(user));
  return [...new Set(users)].sort().map((user) => ({ user, via: 'group', group: exp.groups?.[groupsGiving(exp, user)[0] ?? '']?.name ?? '' }));
}

function projectLevel(exp: SharingState, user: string, project: Pick<ProjectState, 'id' | 'members'> & { policy?: ProjectPolicy }): Pick<AccessRow, 'level' | 'rights'> {
  if (!project.policy) return {};
  const full = { ...project, policy: project.policy } as ProjectState;
  if (accessOf(exp, user, full) !== AccessLevel.restricted) return { level: 'full' };
  const caps = capabilitiesOf(exp, { username: user, staff: false }, full);
  return { level: 'restricted', rights: { download: caps.download, illustrate: caps.illustrate, clone: caps.clone ? 'full' : caps['clone-files'] ? 'files-only' : 'disabled' } };
}
