import { grantFor } from '../../shared/rules/grant-roles.ts';
import { GrantRole, type Grant } from '../../shared/schemas/entities.ts';

/**
 * A grant as both adapters store it: who gave it, when, the role (a `full`/`viewer` column) and
 * its end (`until_at`, NULL: permanent).
 */
export type GrantRow = { granted_by: string; granted_at: number; role: string; until_at: number | null };

/**
 * The grant a stored row holds. A role the code does not know (a newer server's, read by an
 * older one after a downgrade) gives the least: viewer.
 */
export function grantOfRow(row: GrantRow): Grant {
  const role = GrantRole.safeParse(row.role);
  const grant = grantFor(row.granted_by, Number(row.granted_at), role.success ? role.data : 'viewer');
  return row.until_at === null ? grant : { ...grant, until: Number(row.until_at) };
}

/** The role column's value for a grant. */
export const roleColumn = (grant: Grant): GrantRole => grant.role ?? 'full';
