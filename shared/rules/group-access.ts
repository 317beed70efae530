import type { SharingState } from '../schemas/entities.ts';

/**
 * The groups through which `username` reaches an experiment, by id (sorted): kept apart from
 * access.ts so the group rules can use `can` without an import circle.
 */
export function groupsGiving(exp: SharingState, username: string): string[] {
  if (!exp.groups) return [];
  return Object.entries(exp.groups)
    .filter(([, grant]) => grant.members.includes(username))
    .map(([id]) => id)
    .sort();
}

/** Everyone a group share reaches on the experiment. */
export function groupMembersOf(exp: SharingState): string[] {
  return [...new Set(Object.values(exp.groups ?? {}).flatMap((grant) => grant.members))];
}
