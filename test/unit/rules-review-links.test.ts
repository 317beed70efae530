import { describe, expect, it } from 'vitest';
import { checkReviewLinkCreate, REVIEW_LINK_MAX_MS, reviewLinkOpens } from '../../shared/rules/review-links.ts';
import type { SharingState } from '../../shared/schemas/entities.ts';

const NOW = 1_800_000_000_000;
const exp: SharingState = {
  id: 'exp-review-1', owner: 'olga', grants: { fred: { by: 'olga', at: 1 } }, public: false, curated: false,
  parentId: null, clonedFrom: null, projectId: null, trashed: false,
} as SharingState;
const actor = (username: string) => ({ username, staff: false });

describe('checkReviewLinkCreate, in order: sharing right, end date, number of live links', () => {
  it.each([
    ['the owner, no end', 'olga', null, 0, null],
    ['full access, an end next month', 'fred', NOW + 30 * 86400_000, 0, null],
    ['a stranger learns only that they cannot read', 'zed', NOW - 1, 99, 'NOT_A_READER'],
    ['an end in the past', 'olga', NOW - 1, 0, 'REVIEW_LINK_EXPIRY'],
    ['an end now', 'olga', NOW, 0, 'REVIEW_LINK_EXPIRY'],
    ['an end beyond two years', 'olga', NOW + REVIEW_LINK_MAX_MS + 1, 0, 'REVIEW_LINK_EXPIRY'],
    ['a bad end beats the count', 'olga', Number.NaN, 99, 'REVIEW_LINK_EXPIRY'],
    ['the 20th live link is the last', 'olga', null, 19, null],
    ['one more is refused', 'olga', null, 20, 'TOO_MANY_REVIEW_LINKS'],
  ] as const)('%s', (_label, who, expiresAt, live, code) => {
    const verdict = checkReviewLinkCreate(exp, actor(who), null, expiresAt, live, 20, NOW);
    expect(verdict.ok ? null : verdict.code).toBe(code);
  });
});

describe('reviewLinkOpens', () => {
  it.each([
    ['live, no end', { revokedAt: null, expiresAt: null }, false, true],
    ['live, ends later', { revokedAt: null, expiresAt: NOW + 1 }, false, true],
    ['ended', { revokedAt: null, expiresAt: NOW }, false, false],
    ['revoked', { revokedAt: NOW - 5, expiresAt: null }, false, false],
    ['experiment trashed', { revokedAt: null, expiresAt: null }, true, false],
  ] as const)('%s', (_label, link, trashed, opens) => {
    expect(reviewLinkOpens(link, { ...exp, trashed }, NOW)).toBe(opens);
  });
});
