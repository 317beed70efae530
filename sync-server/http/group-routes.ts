import { ErrorCode } from '../../shared/codes.ts';
import { GroupCreateRequest, GroupId, GroupMemberRequest, GroupShareRequest } from '../../shared/schemas/groups.ts';
import type { Groups } from '../effects/group-effects.ts';
import { Refused } from '../effects/refused.ts';
import type { Store } from '../store/store.ts';
import { HttpError } from './json.ts';
import { parsedOr, routeTable } from './route-table.ts';

/** Codes that say "not found" (a stranger learns no more about a group than about none). */
const notFound = new Set<ErrorCode>([ErrorCode.UNKNOWN_GROUP, ErrorCode.UNKNOWN_USER, ErrorCode.UNKNOWN_EXPERIMENT, ErrorCode.NOT_A_READER]);
const statusOf = (code: ErrorCode) => (notFound.has(code) ? 404 : code.startsWith('TOO_MANY') ? 429 : 403);

/**
 * Groups, for any signed-in account:
 *   GET    /api/groups                      → GroupSummary[] (groups the caller owns or belongs to)
 *   POST   /api/groups {name}               → {id}
 *   POST   /api/groups/share {experimentId, group, unshare?, role?} → GroupShareAnswer
 *   GET    /api/groups/<id>                 → GroupSummary (members and owner only)
 *   POST   /api/groups/<id>/members {user, remove?} → GroupSummary (owner only)
 *   DELETE /api/groups/<id>                 → 204 (owner only)
 */
export const handleGroupApi = routeTable<{ store: Store; groups: Groups }>({
  // A malformed id is a group nobody has: the same answer as any unknown group.
  params: { id: parsedOr(GroupId, () => new Refused(ErrorCode.UNKNOWN_GROUP, 'no such group')) },
  refusal: (error) => (error instanceof Refused ? new HttpError(statusOf(error.code), error.code, error.message) : undefined),
})({
  'GET /': ({ deps, actor }) => deps.groups.list(actor),
  'POST /': async ({ deps, actor, body }) => deps.groups.create(actor, (await body(GroupCreateRequest)).name),
  'POST /share': async ({ deps, actor, body }) => deps.groups.share(actor, await body(GroupShareRequest)),
  'GET /:id': ({ deps, actor, params }) => deps.groups.show(actor, params.id),
  'DELETE /:id': ({ deps, actor, params }) => deps.groups.delete(actor, params.id),
  'POST /:id/members': async ({ deps, actor, params, body }) => {
    const { user, remove } = await body(GroupMemberRequest);
    return deps.groups.member(actor, params.id, user, remove === true);
  },
});
