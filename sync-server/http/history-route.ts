import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ErrorCode } from '../../shared/codes.ts';
import { HistoryEntry, type HistoryAnswer } from '../../shared/audit/history-chain.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import { checkHistoryRead } from '../../shared/rules/history.ts';
import { sharingOf } from '../store/sharing-of.ts';
import type { Store } from '../store/store.ts';
import { checkHistory } from './history-check.ts';
import { HttpError, sendJson } from './json.ts';
import { signedIn } from './signed-in.ts';

/**
 * GET /api/experiments/<id>/audit[?after=SEQ] → HistoryAnswer: the experiment's sharing
 * history, oldest first, at most `perAnswer` entries after SEQ (`next` says where the following
 * page starts), with the server's check of the chain (`?verify=1` is accepted; the check is
 * always made, at the cost of the page: see history-check.ts).
 */
const Query = z.strictObject({ verify: z.literal('1').optional(), after: z.coerce.number().int().nonnegative().optional() });

export async function handleHistoryApi(req: IncomingMessage, res: ServerResponse, store: Store, experimentId: string, perAnswer: number): Promise<void> {
  if (req.method !== 'GET') throw new HttpError(405, ErrorCode.BAD_REQUEST, 'the history is read-only');
  const query = Query.safeParse(Object.fromEntries(new URL(req.url ?? '/', 'http://localhost').searchParams));
  if (!query.success) throw new HttpError(400, ErrorCode.BAD_REQUEST, 'the history takes ?after=SEQ and ?verify=1 only');
  const after = query.data.after ?? 0;
  const auth = await signedIn(req, store);
  const record = await store.getExperiment(experimentId);
  // A deleted experiment's history is kept; only staff can still reach it.
  if (record) {
    const project = record.projectId ? await store.getProject(record.projectId) : null;
    const verdict = checkHistoryRead(inForce(sharingOf(record), Date.now()), auth.actor, project);
    if (!verdict.ok) throw new HttpError(verdict.code === ErrorCode.NOT_A_READER ? 404 : 403, verdict.code, verdict.message);
  } else if (!auth.actor.staff) {
    throw new HttpError(404, ErrorCode.NOT_A_READER, 'no access to this experiment');
  }
  // One entry more than the answer holds says whether a further page exists.
  const read = (await store.experimentHistoryPage(experimentId, after, perAnswer + 1)).map((r) => HistoryEntry.parse(r));
  const page = read.slice(0, perAnswer);
  const next = read.length > page.length ? page[page.length - 1]!.seq : null;
  // The entry the page chains from, read on its own so no read is larger than the answer.
  const anchor = after > 0 && page.length > 0 ? ((await store.experimentHistoryPage(experimentId, after - 1, 1)).map((r) => HistoryEntry.parse(r))[0] ?? null) : null;
  const verification = await checkHistory(store, experimentId, { after, anchor, entries: page }, perAnswer);
  const answer: HistoryAnswer = { experimentId, entries: page, verification, next };
  sendJson(res, 200, answer);
}
