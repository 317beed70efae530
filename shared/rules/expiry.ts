import { ErrorCode } from '../codes.ts';
import type { Grant, SharingState } from '../schemas/entities.ts';
import type { ProjectState } from '../schemas/project.ts';
import { accessOf, type AccessRow } from './access.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * Access that ends and publication that waits. A grant with `until` gives nothing from that
 * instant on; an experiment with `publishAt` is public from that instant and not before. The
 * server's timer writes these changes into the stored state when due, but every reader applies
 * `inForce` with its own clock first, so access ends on time even before the timer has run (and
 * on a client that is offline).
 */

/** The furthest a share's end or an embargo may be set: past that, a date is almost surely a typo. */
export const SHARING_DATE_MAX_MS = 5 * 365 * 24 * 3600_000;
/** How long before a grant ends its holder is warned by mail. */
export const EXPIRY_WARNING_MS = 3 * 24 * 3600_000;

export function grantExpired(grant: Pick<Grant, 'until'>, now: number): boolean {
  return grant.until !== undefined && grant.until <= now;
}

export function embargoDue(exp: Pick<SharingState, 'publishAt'>, now: number): boolean {
  return exp.publishAt !== undefined && exp.publishAt !== null && exp.publishAt <= now;
}

/**
 * The sharing state as it stands at `now`: expired grants gone, a due embargo lifted. Returns
 * the same object when nothing is due, so callers can tell whether anything changed.
 */
export function inForce<T extends SharingState>(exp: T, now: number): T {
  const expired = Object.entries(exp.grants).filter(([, grant]) => grantExpired(grant, now));
  const publish = embargoDue(exp, now);
  if (expired.length === 0 && !publish) return exp;
  const grants = { ...exp.grants };
  for (const [user] of expired) delete grants[user];
  return { ...exp, grants, ...(publish ? { public: !exp.trashed || exp.public, publishAt: null } : {}) };
}

/** The next instant at which `inForce` will change this state, or null if none is pending. */
export function nextChangeAt(exp: SharingState): number | null {
  const times = Object.values(exp.grants).flatMap((g) => (g.until === undefined ? [] : [g.until]));
  if (exp.publishAt !== undefined && exp.publishAt !== null) times.push(exp.publishAt);
  return times.length === 0 ? null : Math.min(...times);
}

/** Is `at` a usable end or publication date: in the future, and within SHARING_DATE_MAX_MS? */
export function checkSharingDate(at: number, now: number, field: string): Verdict {
  if (!Number.isFinite(at) || at <= now || at > now + SHARING_DATE_MAX_MS) {
    return refuse(ErrorCode.SHARE_EXPIRY, 'the date must be in the future and within five years', [field]);
  }
  return allow;
}

/** The access list with each direct share's end, where it has one (the Sharing dialog, `exp show`). */
export function withEnds(rows: AccessRow[], exp: SharingState): AccessRow[] {
  return rows.map((row) => {
    const until = row.via === 'direct' && Object.hasOwn(exp.grants, row.user) ? exp.grants[row.user]?.until : undefined;
    return until === undefined ? row : { ...row, until };
  });
}

/**
 * When `username`'s access to `exp` ends, if it ends at all: the end of their direct share when
 * nothing else (ownership, a project, publication) would still let them in. Index entries carry
 * it so a client drops the row on time even offline.
 */
export function accessEndsAt(exp: SharingState, username: string, project?: ProjectState | null): number | undefined {
  const until = Object.hasOwn(exp.grants, username) ? exp.grants[username]?.until : undefined;
  if (until === undefined) return undefined;
  const grants = { ...exp.grants };
  delete grants[username];
  const level = accessOf({ ...exp, grants }, username, project);
  return level === 'none' || level === 'public' ? until : undefined;
}
