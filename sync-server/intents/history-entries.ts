import { nextLink, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import { isExperimentIntent, type Intent, type IntentResult } from '../../shared/schemas/intents.ts';
import type { HistoryAppend } from '../store/store.ts';

/**
 * One history entry per experiment an intent concerned: the one it named, and on acceptance
 * every experiment it changed (a family share, a clone's copy). Refusals are recorded too,
 * on the named experiment only. `via` names the experiment the intent was about when the
 * entry is another's. `recorded` false: the intent is not history (see the intent table).
 */
export function historyOf(actor: string, intent: Intent, result: IntentResult, affected: readonly string[], user: string | null, at: number, recorded = true): HistoryAppend | undefined {
  if (!isExperimentIntent(intent) || !recorded) return undefined;
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
