import type { Actor, SharingState } from '../schemas/entities.ts';
import { AccessLevel } from '../schemas/entities.ts';
import type { ProjectPolicy, ProjectState } from '../schemas/project.ts';
import { ErrorCode } from '../codes.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * Who reaches an experiment and how, strongest source first: owner, direct full
 * access (which wins over any project restriction), the project (managers full; leaders and
 * members as the policy says), public. A trashed experiment is the owner's alone.
 * `project` is the experiment's project, when it has one and the caller knows it.
 */
export function accessOf(exp: SharingState, username: string, project?: ProjectState | null): AccessLevel {
  if (exp.owner === username) return AccessLevel.owner;
  if (exp.trashed) return AccessLevel.none;
  if (Object.hasOwn(exp.grants, username)) return AccessLevel.full;
  const role = project && project.id === exp.projectId ? roleIn(project, username) : undefined;
  if (role === 'manager' || (role !== undefined && project?.policy.access === 'full')) return AccessLevel.full;
  if (role !== undefined) return AccessLevel.restricted;
  if (exp.public) return AccessLevel.public;
  return AccessLevel.none;
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
  view: { owner: true, full: true, restricted: true, public: true, none: false },
  edit: { owner: true, full: true, restricted: false, public: false, none: false },
  illustrate: { owner: true, full: true, restricted: (p) => p.illustrations === 'create', public: false, none: false },
  download: { owner: true, full: true, restricted: (p) => p.cloning !== 'disabled', public: true, none: false },
  'clone-files': { owner: true, full: true, restricted: (p) => p.cloning !== 'disabled', public: true, none: false },
  clone: { owner: true, full: true, restricted: (p) => p.cloning === 'full', public: true, none: false },
  'manage-sharing': { owner: true, full: true, restricted: false, public: false, none: false },
  trash: { owner: true, full: false, restricted: false, public: false, none: false },
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
  // Being in a restricted project never takes away what every account has on a public one.
  if (level === AccessLevel.restricted && exp.public && table[capability].public === true) return allow;
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
  via: 'owner' | 'direct' | 'project-manager' | 'project-member';
  /** For the project's people: their role, and (when the policy is known) full or restricted access. */
  role?: ProjectState['members'][string];
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
    .map((user) => ({ user, via: 'direct' as const }));
  const listed = new Set([exp.owner, ...direct.map((d) => d.user)]);
  const viaProject =
    project && project.id === exp.projectId
      ? Object.entries(project.members)
          .filter(([user]) => !listed.has(user))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([user, role]): AccessRow => ({ user, via: role === 'manager' ? 'project-manager' : 'project-member', role, ...projectLevel(exp, user, project) }))
      : [];
  return [{ user: exp.owner, via: 'owner' as const }, ...direct, ...viaProject];
}

function projectLevel(exp: SharingState, user: string, project: Pick<ProjectState, 'id' | 'members'> & { policy?: ProjectPolicy }): Pick<AccessRow, 'level' | 'rights'> {
  if (!project.policy) return {};
  const full = { ...project, policy: project.policy } as ProjectState;
  if (accessOf(exp, user, full) !== AccessLevel.restricted) return { level: 'full' };
  const caps = capabilitiesOf(exp, { username: user, staff: false }, full);
  return { level: 'restricted', rights: { download: caps.download, illustrate: caps.illustrate, clone: caps.clone ? 'full' : caps['clone-files'] ? 'files-only' : 'disabled' } };
}
