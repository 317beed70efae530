import type { IncomingMessage, ServerResponse } from 'node:http';
import { signedIn } from './signed-in.ts';
import { ErrorCode } from '../../shared/codes.ts';
import { GroupCreateRequest, GroupId, GroupMemberRequest, GroupShareRequest } from '../../shared/schemas/groups.ts';
import { GroupRefused, type Groups } from '../effects/group-effects.ts';
import type { Store } from '../store/store.ts';
import { HttpError, readBody, sendJson } from './json.ts';

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
export async function handleGroupApi(req: IncomingMessage, res: ServerResponse, deps: { store: Store; groups: Groups }, rest: string[]): Promise<void> {
  const auth = await signedIn(req, deps.store);
  const actor = auth.actor;
  try {
    const [first, second, ...extra] = rest;
    if (extra.length > 0) throw new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint');
    if (first === undefined || first === '') {
      if (req.method === 'GET') return sendJson(res, 200, await deps.groups.list(actor));
      if (req.method === 'POST') return sendJson(res, 200, await deps.groups.create(actor, (await readBody(req, GroupCreateRequest)).name));
    } else if (first === 'share' && second === undefined && req.method === 'POST') {
      return sendJson(res, 200, await deps.groups.share(actor, await readBody(req, GroupShareRequest)));
    } else {
      // A malformed id is a group nobody has: the same answer as any unknown group.
      const id = GroupId.safeParse(first);
      if (!id.success) throw new GroupRefused(ErrorCode.UNKNOWN_GROUP, 'no such group');
      if (second === undefined && req.method === 'GET') return sendJson(res, 200, await deps.groups.show(actor, id.data));
      if (second === undefined && req.method === 'DELETE') {
        await deps.groups.delete(actor, id.data);
        res.writeHead(204).end();
        return;
      }
      if (second === 'members' && req.method === 'POST') {
        const body = await readBody(req, GroupMemberRequest);
        return sendJson(res, 200, await deps.groups.member(actor, id.data, body.user, body.remove === true));
      }
    }
    throw new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint');
  } catch (error) {
    if (error instanceof GroupRefused) throw new HttpError(statusOf(error.code), error.code, error.message);
    throw error;
  }
}
