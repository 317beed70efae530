import { grantFor } from '../../shared/rules/grant-roles.ts';
import { GrantRole, type Grant } from '../../shared/schemas/entities.ts';

/** A grant as both adapters store it: who gave it, when, and the role (a `full`/`viewer` column). */
export type GrantRow = { granted_by: string; granted_at: number; role: string };

/**
 * The grant a stored row holds. A role the code does not know (a newer server's, read by an
 * older one after a downgrade) gives the least: viewer.
 */
export function grantOfRow(row: GrantRow): Grant {
  const role = GrantRole.safeParse(row.role);
  return grantFor(row.granted_by, Number(row.granted_at), role.success ? role.data : 'viewer');
}

/** The role column's value for a grant. */
export const roleColumn = (grant: Grant): GrantRole => grant.role ?? 'full';
