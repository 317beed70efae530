import { ErrorCode } from '../../shared/codes.ts';
import { TransferId, TransferRequest } from '../../shared/schemas/transfers.ts';
import { Refused } from '../effects/refused.ts';
import type { Transfers } from '../effects/transfers.ts';
import type { Store } from '../store/store.ts';
import { HttpError } from './json.ts';
import { parsedOr, routeTable } from './route-table.ts';

/** Codes that say "not found": a stranger learns no more about an offer or an experiment than about none. */
const notFound = new Set<ErrorCode>([ErrorCode.UNKNOWN_TRANSFER, ErrorCode.UNKNOWN_USER, ErrorCode.UNKNOWN_EXPERIMENT, ErrorCode.NOT_A_READER]);
const statusOf = (code: ErrorCode) => (notFound.has(code) ? 404 : code.startsWith('TOO_MANY') ? 429 : code === ErrorCode.TRANSFER_PENDING || code === ErrorCode.TRANSFER_DECIDED ? 409 : 403);

/**
 * Transfers of ownership, for any signed-in account. Routes, not intents: the receiver answers
 * about an experiment they cannot read (no replica holds it), and an offer needs the server's
 * answer (the receiver's account, connections, pending offers) before it means anything, so
 * none of it can be drafted offline.
 *   GET  /api/transfers                       → TransferList (pending: made by and made to the caller)
 *   POST /api/transfers {experimentId, user, leave?, family?} → TransferOfferAnswer (owner only; the same offer again answers the waiting one)
 *   POST /api/transfers/<id>/accept | decline → TransferSummary (the receiver only)
 *   POST /api/transfers/<id>/cancel           → TransferSummary (the giver only)
 */
export const handleTransferApi = routeTable<{ store: Store; transfers: Transfers }>({
  // A malformed id is an offer nobody made: the same answer as any unknown one.
  params: { id: parsedOr(TransferId, () => new Refused(ErrorCode.UNKNOWN_TRANSFER, 'no such transfer', ['transferId'])) },
  refusal: (error) => (error instanceof Refused ? new HttpError(statusOf(error.code), error.code, error.message, error.path) : undefined),
})({
  'GET /': ({ deps, actor }) => deps.transfers.list(actor),
  'POST /': async ({ deps, actor, body }) => deps.transfers.offer(actor, await body(TransferRequest)),
  'POST /:id/accept': ({ deps, actor, params }) => deps.transfers.answer(actor, params.id, 'accept'),
  'POST /:id/decline': ({ deps, actor, params }) => deps.transfers.answer(actor, params.id, 'decline'),
  'POST /:id/cancel': ({ deps, actor, params }) => deps.transfers.answer(actor, params.id, 'cancel'),
});
