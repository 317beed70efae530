import { ErrorCode } from '../codes.ts';
import type { Actor, SharingState } from '../schemas/entities.ts';
import type { ProjectState } from '../schemas/project.ts';
import { can, Capability } from './access.ts';
import { allow, firstRefusal, refuse, type Verdict } from './verdict.ts';

/** The longest a reviewer link may last: a review round, with room for revisions. */
export const REVIEW_LINK_MAX_MS = 2 * 365 * 24 * 3600_000;

export type ReviewLinkFacts = { revokedAt: number | null; expiresAt: number | null };

/**
 * May `actor` create a reviewer link on `exp` lasting until `expiresAt` (null: until revoked)?
 * Order: the sharing right (a stranger learns only NOT_A_READER), the end date, then the
 * number of live links.
 */
export function checkReviewLinkCreate(
  exp: SharingState,
  actor: Actor,
  project: ProjectState | null,
  expiresAt: number | null,
  liveLinks: number,
  maxLive: number,
  now: number,
): Verdict {
  return firstRefusal(
    () => can(exp, actor, Capability.manageSharing, project),
    () => (expiresAt !== null && (!Number.isFinite(expiresAt) || expiresAt <= now || expiresAt > now + REVIEW_LINK_MAX_MS)
      ? refuse(ErrorCode.REVIEW_LINK_EXPIRY, 'the end date must be in the future and within two years', ['expiresAt'])
      : allow),
    () => (liveLinks >= maxLive ? refuse(ErrorCode.TOO_MANY_REVIEW_LINKS, `at most ${maxLive} live reviewer links per experiment`) : allow),
  );
}

/** Listing and revoking links need the same right as sharing. */
export function checkReviewLinkManage(exp: SharingState, actor: Actor, project: ProjectState | null): Verdict {
  return can(exp, actor, Capability.manageSharing, project);
}

/** Does a link still open its experiment? Not once revoked, expired, or the experiment trashed. */
export function reviewLinkOpens(link: ReviewLinkFacts, exp: SharingState, now: number): boolean {
  return link.revokedAt === null && (link.expiresAt === null || link.expiresAt > now) && !exp.trashed;
}
