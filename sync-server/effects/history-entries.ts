import { nextLink, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import { IntentType, isExperimentIntent, type Intent, type IntentResult } from '../../shared/schemas/intents.ts';
import type { HistoryAppend } from '../store/store.ts';

/** Marking a share as seen is the reader's own bookkeeping, not a sharing decision. */
const NOT_HISTORY = new Set<string>([IntentType.markViewed]);

/**
 * One history entry per experiment an intent concerned: the one it named, and on acceptance
 * every experiment it changed (a family share, a clone's copy). Refusals are recorded too,
 * on the named experiment only. `via` names the experiment the intent was about when the
 * entry is another's.
 */
export function historyOf(actor: string, intent: Intent, result: IntentResult, affected: readonly string[], user: string | null, at: number): HistoryAppend | undefined {
  if (!isExperimentIntent(intent) || NOT_HISTORY.has(intent.type)) return undefined;
  const { id: _draft, type, experimentId, ...params } = intent;
  const targets = result.ok ? [...new Set([experimentId, ...affected])] : [experimentId];
  const entries: HistoryFields[] = targets.map((target) => ({
    experimentId: target,
    at,
    actor,
    action: type,
    verdict: result.ok ? 'accepted' : 'refused',
    code: result.ok ? null : result.code,
    detail: JSON.parse(JSON.stringify({ ...params, ...(user !== null ? { user } : {}), ...(target !== experimentId ? { via: experimentId } : {}) })) as unknown,
  }));
  return { entries, link: (head, fields) => nextLink(sha256Hex, head, fields) };
}
