import { ErrorCode } from '../codes.ts';
import type { Grant, SharingState } from '../schemas/entities.ts';
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
