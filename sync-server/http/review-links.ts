import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../../shared/codes.ts';
import { docName, readContent, readFiles } from '../../shared/doc-layout.ts';
import { checkReviewLinkCreate, checkReviewLinkManage, reviewLinkOpens } from '../../shared/rules/review-links.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import { expiryOf, ReviewLinkId, ReviewLinkRequest, ReviewSecret, type ReviewLinkCreated, type ReviewLinkSummary } from '../../shared/schemas/review-links.ts';
import { sharingOf } from '../store/sharing-of.ts';
import type { SlidingWindow } from '../auth/sliding-window.ts';
import type { ServerLimits } from '../limits.ts';
import type { ReviewLinkRecord } from '../store/store.ts';
import { sendStoredFile, type FileDeps } from './file-routes.ts';
import { HttpError } from './json.ts';
import { Reply, routeTable } from './route-table.ts';
import { reviewImages } from './review-images.ts';
import { sendReviewBusy, sendReviewPage, sendReviewGone } from './review-page.ts';

export type ReviewDeps = Pick<FileDeps, 'store' | 'rooms' | 'blobs' | 'plots'> & { limits: ServerLimits; publicUrl: () => string; reviewViews: SlidingWindow };

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Reviewer links, for the experiment's sharing managers (owner, full access):
 *   POST   /api/experiments/<id>/review-links {expiresAt?, download?} → ReviewLinkCreated (the
 *          only answer that carries the secret, inside `url`)
 *   GET    /api/experiments/<id>/review-links → ReviewLinkSummary[]
 *   DELETE /api/experiments/<id>/review-links/<linkId> → 204
 * and for anyone holding the URL, no account needed:
 *   GET /review/<linkId>/<secret>                 a read-only page of the experiment
 *   GET /review/<linkId>/<secret>/files/<fileId>  a file, when the link allows downloads
 * A wrong, revoked or expired link, or a trashed experiment, gets the same 404 page.
 */
export const handleReviewLinkApi = routeTable<ReviewDeps>()({
  'POST /:experiment/review-links': async ({ deps, actor, params, body }) => create(deps, actor, params.experiment, await body(ReviewLinkRequest)),
  'GET /:experiment/review-links': async ({ deps, actor, params }) => {
    await managed(deps, actor, params.experiment);
    const now = Date.now();
    return (await deps.store.reviewLinksOf(params.experiment)).map((l) => summary(l, now));
  },
  'DELETE /:experiment/review-links/:link': async ({ deps, actor, params }) => {
    await managed(deps, actor, params.experiment);
    const id = ReviewLinkId.safeParse(params.link);
    const link = id.success ? await deps.store.findReviewLink(id.data) : null;
    if (!link || link.experimentId !== params.experiment) throw new HttpError(404, ErrorCode.UNKNOWN_REVIEW_LINK);
    await deps.store.revokeReviewLink(link.id, Date.now());
  },
});

async function sharingFor(deps: ReviewDeps, experimentId: string) {
  const record = await deps.store.getExperiment(experimentId);
  if (!record) throw new HttpError(404, ErrorCode.NOT_A_READER);
  const project = record.projectId ? await deps.store.getProject(record.projectId) : null;
  // As it stands now: an ended share gives no say over reviewer links.
  return { sharing: inForce(sharingOf(record), Date.now()), project };
}

async function managed(deps: ReviewDeps, actor: Actor, experimentId: string): Promise<void> {
  const { sharing, project } = await sharingFor(deps, experimentId);
  const verdict = checkReviewLinkManage(sharing, actor, project);
  if (!verdict.ok) throw new HttpError(verdict.code === ErrorCode.NOT_A_READER ? 404 : 403, verdict.code, verdict.message);
}

async function create(deps: ReviewDeps, actor: Actor, experimentId: string, body: ReviewLinkRequest): Promise<Reply> {
  const { sharing, project } = await sharingFor(deps, experimentId);
  const now = Date.now();
  const expiresAt = body.expiresAt === undefined ? null : expiryOf(body.expiresAt);
  const live = (await deps.store.reviewLinksOf(experimentId)).filter((l) => reviewLinkOpens(l, sharing, now)).length;
  const verdict = checkReviewLinkCreate(sharing, actor, project, expiresAt, live, deps.limits.reviewLinksPerExperiment, now);
  if (!verdict.ok) throw new HttpError(verdict.code === ErrorCode.NOT_A_READER ? 404 : verdict.code === ErrorCode.REVIEW_LINK_EXPIRY ? 400 : 403, verdict.code, verdict.message, verdict.path);
  const id = randomBytes(12).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const download = body.download ?? false;
  await deps.store.saveReviewLink({ id, experimentId, secretHash: sha256(secret).toString('hex'), createdBy: actor.username, createdAt: now, expiresAt, download, revokedAt: null });
  const answer: ReviewLinkCreated = { id, url: `${deps.publicUrl().replace(/\/+$/, '')}/review/${id}/${secret}`, expiresAt, download };
  return new Reply(201, answer);
}

function summary(l: ReviewLinkRecord, now: number): ReviewLinkSummary {
  const active = l.revokedAt === null && (l.expiresAt === null || l.expiresAt > now);
  return { id: l.id, createdBy: l.createdBy, createdAt: l.createdAt, expiresAt: l.expiresAt, download: l.download, revokedAt: l.revokedAt, active };
}

/** The link behind `/review/<id>/<secret>`, if it opens now; null for every way it does not. */
async function openLink(deps: ReviewDeps, id: string | undefined, secret: string | undefined) {
  const linkId = ReviewLinkId.safeParse(id);
  const given = ReviewSecret.safeParse(secret);
  if (!linkId.success || !given.success) return null;
  const link = await deps.store.findReviewLink(linkId.data);
  if (!link || !timingSafeEqual(Buffer.from(link.secretHash, 'hex'), sha256(given.data))) return null;
  const record = await deps.store.getExperiment(link.experimentId);
  if (!record || !reviewLinkOpens(link, sharingOf(record), Date.now())) return null;
  return link;
}

/** `parts`: what follows `/review/` in the path. */
export async function handleReviewPage(req: IncomingMessage, res: ServerResponse, deps: ReviewDeps, parts: string[]): Promise<void> {
  if (req.method !== 'GET') throw new HttpError(405, ErrorCode.BAD_REQUEST, 'reviewer pages are read-only');
  const [id, secret, files, fileId, ...extra] = parts;
  const link = await openLink(deps, id, secret);
  const isPage = files === undefined;
  const isFile = files === 'files' && fileId !== undefined && extra.length === 0;
  if (!link || !(isPage || (isFile && link.download))) return sendReviewGone(res);
  if (isFile) return sendStoredFile(res, deps, link.experimentId, fileId);
  // Each view draws density plots from the files: a link passed around (or a script) gets a
  // page a few times a minute, not the server's whole disk and CPU.
  const admitted = await deps.reviewViews.admit(link.id);
  if (!admitted.allowed) return sendReviewBusy(res, admitted.retryAfterMs);
  const shown = await deps.rooms.with(docName.experiment(link.experimentId), async (room) => ({ content: readContent(room.doc), files: readFiles(room.doc) }));
  const images = await reviewImages(deps, link.id, shown.content, shown.files);
  sendReviewPage(res, { ...shown, images, download: link.download, expiresAt: link.expiresAt, base: `/review/${link.id}/${secret}` });
}
