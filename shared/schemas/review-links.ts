import { z } from 'zod';
import { Username } from './entities.ts';

/**
 * Reviewer links: a secret URL that shows one experiment read-only to someone without an
 * account (a journal's reviewer). The link's id names it to its managers; its secret (32
 * random bytes, base64url) is shown once, at creation, and stored only as SHA-256.
 */
export const ReviewLinkId = z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'a reviewer link id is 16 base64url characters');
export const ReviewSecret = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const ReviewLinkRequest = z.strictObject({
  /** ISO 8601; absent: the link lasts until revoked. */
  expiresAt: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  /** Whether the page offers the FCS files for download. */
  download: z.boolean().optional(),
});
export type ReviewLinkRequest = z.infer<typeof ReviewLinkRequest>;

/** What managers of the experiment see of a link: never its secret. */
export const ReviewLinkSummary = z.strictObject({
  id: ReviewLinkId,
  createdBy: Username,
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  download: z.boolean(),
  revokedAt: z.number().nullable(),
  /** Neither revoked nor expired (at the server's clock when listed). */
  active: z.boolean(),
});
export type ReviewLinkSummary = z.infer<typeof ReviewLinkSummary>;

export const ReviewLinkCreated = z.strictObject({ id: ReviewLinkId, url: z.string(), expiresAt: z.number().nullable(), download: z.boolean() });
export type ReviewLinkCreated = z.infer<typeof ReviewLinkCreated>;

/** ISO date or date-time → epoch ms; a bare date means the end of that day in UTC. */
export function expiryOf(iso: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T23:59:59.999Z`) : Date.parse(iso);
}
