import type { IncomingMessage, ServerResponse } from 'node:http';
import { signedIn } from './signed-in.ts';
import { ErrorCode } from '../../shared/codes.ts';
import { TransferId, TransferRequest } from '../../shared/schemas/transfers.ts';
import { TransferRefused, type Transfers } from '../effects/transfers.ts';
import type { Store } from '../store/store.ts';
import { HttpError, readBody, sendJson } from './json.ts';

/** Codes that say "not found": a stranger learns no more about an offer or an experiment than about none. */
const notFound = new Set<ErrorCode>([ErrorCode.UNKNOWN_TRANSFER, ErrorCode.UNKNOWN_USER, ErrorCode.UNKNOWN_EXPERIMENT, ErrorCode.NOT_A_READER]);
const statusOf = (code: ErrorCode) => (notFound.has(code) ? 404 : code.startsWith('TOO_MANY') ? 429 : code === ErrorCode.TRANSFER_PENDING || code === ErrorCode.TRANSFER_DECIDED ? 409 : 403);
const answers = new Set(['accept', 'decline', 'cancel'] as const);
const isAnswer = (word: string | undefined): word is 'accept' | 'decline' | 'cancel' => answers.has(word as 'accept');

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
export async function handleTransferApi(req: IncomingMessage, res: ServerResponse, deps: { store: Store; transfers: Transfers }, rest: string[]): Promise<void> {
  const auth = await signedIn(req, deps.store);
  const actor = auth.actor;
  try {
    const [first, second, ...extra] = rest;
    if (extra.length > 0) throw new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint');
    if (first === undefined || first === '') {
      if (req.method === 'GET') return sendJson(res, 200, await deps.transfers.list(actor));
      if (req.method === 'POST') return sendJson(res, 200, await deps.transfers.offer(actor, await readBody(req, TransferRequest)));
    } else if (req.method === 'POST' && isAnswer(second)) {
      // A malformed id is an offer nobody made: the same answer as any unknown one.
      const id = TransferId.safeParse(first);
      if (!id.success) throw new TransferRefused(ErrorCode.UNKNOWN_TRANSFER, 'no such transfer', ['transferId']);
      return sendJson(res, 200, await deps.transfers.answer(actor, id.data, second));
    }
    throw new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint');
  } catch (error) {
    if (error instanceof TransferRefused) throw new HttpError(statusOf(error.code), error.code, error.message, error.path);
    throw error;
  }
}
