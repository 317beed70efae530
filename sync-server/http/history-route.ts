import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../shared/codes.ts';
import { HistoryEntry, verifyChain, type HistoryAnswer } from '../../shared/audit/history-chain.ts';
import { checkHistoryRead } from '../../shared/rules/history.ts';
import { authenticate } from '../auth/sessions.ts';
import { sharingOf } from '../effects/experiment-intents.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import type { Store } from '../store/store.ts';
import { bearerToken, HttpError, sendJson } from './json.ts';

/**
 * GET /api/experiments/<id>/audit → HistoryAnswer: the experiment's whole sharing history,
 * oldest first, with the server's check of its chain (`?verify=1` is accepted; the check is
 * always made, it costs one hash per entry).
 */
export async function handleHistoryApi(req: IncomingMessage, res: ServerResponse, store: Store, experimentId: string): Promise<void> {
  if (req.method !== 'GET') throw new HttpError(405, ErrorCode.BAD_REQUEST, 'the history is read-only');
  const auth = await authenticate(store, bearerToken(req));
  if (!auth.ok) throw new HttpError(401, auth.code);
  const record = await store.getExperiment(experimentId);
  // A deleted experiment's history is kept; only staff can still reach it.
  if (record) {
    const project = record.projectId ? await store.getProject(record.projectId) : null;
    const verdict = checkHistoryRead(sharingOf(record), auth.actor, project);
    if (!verdict.ok) throw new HttpError(verdict.code === ErrorCode.NOT_A_READER ? 404 : 403, verdict.code, verdict.message);
  } else if (!auth.actor.staff) {
    throw new HttpError(404, ErrorCode.NOT_A_READER, 'no access to this experiment');
  }
  const entries = (await store.experimentHistory(experimentId)).map((r) => HistoryEntry.parse(r));
  const answer: HistoryAnswer = { experimentId, entries, verification: verifyChain(sha256Hex, experimentId, entries) };
  sendJson(res, 200, answer);
}
