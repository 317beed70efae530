import { ExperimentId } from '../../shared/schemas/entities.ts';
import { ReviewLinkId, ReviewLinkRequest } from '../../shared/schemas/review-links.ts';
import { flag, has, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { Exit } from './output.ts';

const USAGE = 'usage: review-link create ID [--expires DATE] [--download] | review-link list ID | review-link revoke ID LINK_ID';
const day = (ms: number | null) => (ms === null ? 'until revoked' : `until ${new Date(ms).toISOString().slice(0, 10)}`);

/**
 * `review-link create ID [--expires DATE] [--download]` → {id, url, expiresAt, download}: the
 * URL (with its secret) is printed this once and never again; `review-link list ID`;
 * `review-link revoke ID LINK_ID`. Online only: links live on the server.
 */
export async function runReviewLink(ctx: Ctx): Promise<Exit> {
  const [, sub, exp, linkArg, ...rest] = ctx.args.positionals;
  const expId = ExperimentId.safeParse(exp);
  if (!expId.success || rest.length > 0) throw new UsageError(USAGE);
  if (ctx.offline) throw new UsageError('reviewer links live on the server; drop --offline');
  const core = await ctx.core();
  core.requireSession();
  const api = core.api();
  if (sub === 'create' && linkArg === undefined) {
    onlyFlags(ctx.args, ['expires', 'download']);
    const expires = flag(ctx.args, 'expires');
    const request = ReviewLinkRequest.safeParse({ ...(expires !== undefined ? { expiresAt: expires } : {}), download: has(ctx.args, 'download') });
    if (!request.success) throw new UsageError('--expires takes an ISO 8601 date (2027-03-01) or date and time (2027-03-01T12:00:00Z)');
    const made = await api.createReviewLink(expId.data, request.data);
    ctx.out.result(made, `${made.url}\n  ${made.id}: read-only, ${made.download ? 'with' : 'without'} downloads, ${day(made.expiresAt)}; the URL is shown only now`);
    return Exit.ok;
  }
  if (sub === 'list' && linkArg === undefined) {
    onlyFlags(ctx.args, []);
    const links = await api.reviewLinks(expId.data);
    const lines = links.map((l) => `${l.id}  ${l.active ? 'active' : l.revokedAt !== null ? 'revoked' : 'expired'}  ${l.download ? 'downloads' : 'no downloads'}  ${day(l.expiresAt)}  by ${l.createdBy}`);
    ctx.out.result(links, lines.length > 0 ? lines.join('\n') : 'no reviewer links');
    return Exit.ok;
  }
  if (sub === 'revoke' && linkArg !== undefined) {
    onlyFlags(ctx.args, []);
    const linkId = ReviewLinkId.safeParse(linkArg);
    if (!linkId.success) throw new UsageError('bad reviewer link id');
    await api.revokeReviewLink(expId.data, linkId.data);
    ctx.out.result({ id: linkId.data, revoked: true }, `revoked ${linkId.data}`);
    return Exit.ok;
  }
  throw new UsageError(USAGE);
}
