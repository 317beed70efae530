import type { Actor, SharingState } from '../schemas/entities.ts';
import { AccessLevel } from '../schemas/entities.ts';
import { ErrorCode } from '../codes.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * Who reaches an experiment and how (DESIGN.md §2), strongest source first. A trashed
 * experiment is the owner's alone until restored.
 */
export function accessOf(exp: SharingState, username: string): AccessLevel {
  if (exp.owner === username) return AccessLevel.owner;
  if (exp.trashed) return AccessLevel.none;
  if (Object.hasOwn(exp.grants, username)) return AccessLevel.full;
  if (exp.public) return AccessLevel.public;
  return AccessLevel.none;
}

export const Capability = {
  view: 'view',
  edit: 'edit',
  illustrate: 'illustrate',
  download: 'download',
  clone: 'clone',
  manageSharing: 'manage-sharing',
  trash: 'trash',
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];

/** The capability table of DESIGN.md §2, one row per capability, one column per access level. */
const table: Record<Capability, Record<AccessLevel, boolean>> = {
  view: { owner: true, full: true, public: true, none: false },
  edit: { owner: true, full: true, public: false, none: false },
  illustrate: { owner: true, full: true, public: false, none: false },
  download: { owner: true, full: true, public: true, none: false },
  clone: { owner: true, full: true, public: true, none: false },
  'manage-sharing': { owner: true, full: true, public: false, none: false },
  trash: { owner: true, full: false, public: false, none: false },
};

/** The refusal each capability gives an account that can see the experiment but lacks the right. */
const refusalFor: Record<Capability, ErrorCode> = {
  view: ErrorCode.NOT_A_READER,
  edit: ErrorCode.READ_ONLY,
  illustrate: ErrorCode.READ_ONLY,
  download: ErrorCode.READ_ONLY,
  clone: ErrorCode.CLONE_NOT_ALLOWED,
  'manage-sharing': ErrorCode.NOT_A_SHARING_MANAGER,
  trash: ErrorCode.OWNER_ONLY,
};

/**
 * May `actor` use `capability` on `exp`? Order: a stranger learns only that they cannot read;
 * then a trashed experiment refuses everything but viewing; then the table decides.
 */
export function can(exp: SharingState, actor: Actor, capability: Capability): Verdict {
  const level = accessOf(exp, actor.username);
  if (level === AccessLevel.none) return refuse(ErrorCode.NOT_A_READER, 'no access to this experiment');
  if (exp.trashed && capability !== Capability.view && capability !== Capability.trash) {
    return refuse(ErrorCode.EXPERIMENT_TRASHED, 'the experiment is in the trash');
  }
  if (table[capability][level]) return allow;
  return refuse(refusalFor[capability], `${level} access does not allow ${capability}`);
}

export function capabilitiesOf(exp: SharingState, actor: Actor): Record<Capability, boolean> {
  const out = {} as Record<Capability, boolean>;
  for (const capability of Object.values(Capability)) out[capability] = can(exp, actor, capability).ok;
  return out;
}

/** The access list the Sharing dialog shows: the owner first, then direct grants by name. */
export function accessList(exp: SharingState): Array<{ user: string; via: 'owner' | 'direct' }> {
  const direct = Object.keys(exp.grants)
    .filter((user) => user !== exp.owner)
    .sort()
    .map((user) => ({ user, via: 'direct' as const }));
  return [{ user: exp.owner, via: 'owner' as const }, ...direct];
}
