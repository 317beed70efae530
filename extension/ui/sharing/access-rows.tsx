import type { View } from '../../messages.ts';

/**
 * Why each person has access, in words: owner, full access given directly, or through the
 * project by role, with what a restricted project policy leaves them.
 */
type Row = View['access'][number];

const roleWords: Record<string, string> = { manager: 'Project manager', leader: 'Project leader', member: 'Project member' };
const cloneWords = { disabled: 'no cloning', 'files-only': 'may clone the files only', full: 'may clone' } as const;

export function roleOf(row: Row): string {
  if (row.via === 'owner') return 'Owner';
  if (row.via === 'direct') return row.role === 'viewer' ? 'Can view (shared directly)' : 'Full access (shared directly)';
  if (row.via === 'group') return `Full access (through group ${row.group ?? ''})`;
  const role = roleWords[row.role ?? (row.via === 'project-manager' ? 'manager' : 'member')] ?? 'Project member';
  if (row.level === 'full') return `${role} · full access`;
  if (row.level === 'restricted') return `${role} · restricted access`;
  return role;
}

/** The restricted levels, one phrase each, as the project policy sets them. */
export function restrictedLevels(row: Row): string[] {
  const r = row.rights;
  if (row.level !== 'restricted' || !r) return [];
  return [
    'can view, not edit tags or gates',
    r.download ? 'may download files' : 'no downloads',
    r.illustrate ? 'may create illustrations' : 'illustrations view-only',
    cloneWords[r.clone],
  ];
}

/** A share that ends, as the row says it: "until 2027-01-31" (the UTC day, as `--until` takes it). */
export function untilWords(row: Row): string | null {
  return row.until === undefined ? null : `until ${new Date(row.until).toISOString().slice(0, 10)}`;
}

export function AccessRowText({ row }: { row: Row }) {
  const levels = restrictedLevels(row);
  const until = untilWords(row);
  // The role stays one piece of text of its own; the why line follows it, not inside it.
  return (
    <>
      <span class="why" data-testid={`role-${row.user}`}>
        {roleOf(row)}
        {levels.length > 0 && <span class="levels">: {levels.join('; ')}</span>}
        {until && <span class="until" data-testid={`until-${row.user}`}> · {until}</span>}
      </span>
      {row.why && (
        <span class="why-sources" data-testid={`why-${row.user}`}>
          {' '}Why: {row.why}
        </span>
      )}
    </>
  );
}
