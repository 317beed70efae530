import type { Grant, GrantRole, SharingState } from '../schemas/entities.ts';
import { grantRole } from './access.ts';

/** A new direct grant; `full` is stored without a role, as every grant made before roles. */
export function grantFor(by: string, at: number, role: GrantRole): Grant {
  return role === 'full' ? { by, at } : { by, at, role };
}

/** Does `user` hold a direct grant on `exp` with exactly this role? */
export function holdsRole(exp: SharingState, user: string, role: GrantRole): boolean {
  const grant = Object.hasOwn(exp.grants, user) ? exp.grants[user] : undefined;
  return grant !== undefined && grantRole(grant) === role;
}

/** Does `user` hold a direct grant on `exp` with exactly this role and this end (undefined: none)? */
export function holdsGrant(exp: SharingState, user: string, role: GrantRole, until: number | undefined): boolean {
  return holdsRole(exp, user, role) && exp.grants[user]?.until === until;
}

/**
 * The people holding direct grants in a family, each with the strongest role they hold there:
 * what a link passes on to an experiment joining it (a viewer stays a viewer).
 */
export function familyRoles(ids: readonly string[], experiments: ReadonlyMap<string, SharingState>): Map<string, GrantRole> {
  const roles = new Map<string, GrantRole>();
  for (const id of ids) {
    const member = experiments.get(id);
    if (member === undefined) continue;
    for (const [user, grant] of Object.entries(member.grants)) {
      if (roles.get(user) !== 'full') roles.set(user, grantRole(grant));
    }
  }
  return roles;
}
