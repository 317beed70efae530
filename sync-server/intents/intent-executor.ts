import type { Actor } from '../../shared/schemas/entities.ts';
import { isExperimentIntent, type Intent, type IntentCheck, type IntentCheckVerdict, type IntentResult } from '../../shared/schemas/intents.ts';
import { decideExperimentIntent } from '../decisions/experiment-decisions.ts';
import { historyOf } from './history-entries.ts';
import { resentResult } from './resent-result.ts';
import type { Decision, EffectDeps, IntentDeps } from './intent-deps.ts';
import { runIntent, serverIntentFor } from './intent-table.ts';

/** The rules never read an intent's id; a dry run has none, as it is recorded nowhere. */
const DRY_RUN_ID = 'dry-run-check';

/**
 * Decides and carries out intents. The server is the only writer of sharing state: it runs the
 * shared rules against the database, saves the new state, mirrors it into the documents
 * (cutting off readers who lost access), rewrites the affected indexes, and records the verdict
 * in the audit log. Intents run one at a time, so each is decided against the state the
 * previous one left; a resent intent gets the verdict it got the first time.
 */
export class IntentExecutor {
  private queue: Promise<unknown> = Promise.resolve();

  /** What effects run with: a further intent they start (a waiting share's) runs in the same turn. */
  readonly effectDeps: EffectDeps;

  constructor(private readonly deps: IntentDeps) {
    this.effectDeps = { ...deps, run: (actor, intent) => runIntent(this.effectDeps, actor, intent) };
  }

  execute(actor: Actor, intent: Intent): Promise<IntentResult> {
    return this.inTurn(() => this.decide(actor, intent));
  }

  /**
   * A dry run: each intent planned by the same rules on the same state as `execute` would (so a
   * refusal has the same code, and an experiment the actor cannot see says no more than a real
   * intent would), applied and recorded nowhere. Each takes its own turn in the queue, so a
   * long dry run never holds back other accounts' intents.
   */
  async check(actor: Actor, intents: IntentCheck[]): Promise<IntentCheckVerdict[]> {
    const verdicts: IntentCheckVerdict[] = [];
    for (const intent of intents) {
      const { plan } = await this.inTurn(() => decideExperimentIntent(this.deps, actor, { ...intent, id: DRY_RUN_ID }));
      const { verdict } = plan;
      verdicts.push(
        verdict.ok
          ? { ok: true, affected: plan.affected, skipped: plan.skipped }
          : { ok: false, code: verdict.code, message: verdict.message, ...(verdict.path ? { path: verdict.path } : {}) },
      );
    }
    return verdicts;
  }

  /**
   * Intents take turns in this process, and each turn holds the store's `intents` lock, so
   * intents on several server nodes sharing a database also run one after the other: each is
   * decided against what the previous one saved, and a draft resent to another node meanwhile
   * finds the verdict of the first.
   */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.deps.store.lockNamed('intents', work));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` in the intents' turn, for changes that arrive another way (a mail link's answer
   * to a connection request, which may carry out shares waiting for it).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.inTurn(work);
  }

  private async decide(actor: Actor, intent: Intent): Promise<IntentResult> {
    const earlier = await this.deps.store.findIntentResult(actor.username, intent.id);
    if (earlier === null) return this.record(actor, intent, await runIntent(this.effectDeps, actor, intent));
    return resentResult(earlier, intent.id, ({ issues }) =>
      this.deps.log.error('stored intent result unreadable', { user: actor.username, draft: intent.id, type: intent.type, issues }),
    );
  }

  /** Stores the verdict (for resends) and its audit line together. */
  private async record(actor: Actor, intent: Intent, decision: Decision): Promise<IntentResult> {
    const experimentId = isExperimentIntent(intent) ? intent.experimentId : null;
    const { verdict } = decision;
    const result: IntentResult = verdict.ok
      ? { ok: true, draftId: intent.id, affected: decision.affected, skipped: decision.skipped, resent: false, ...(decision.waitingFor ? { waitingFor: decision.waitingFor } : {}) }
      : { ok: false, draftId: intent.id, code: verdict.code, message: verdict.message, ...(verdict.path ? { path: verdict.path } : {}), resent: false };
    const at = Date.now();
    const history = historyOf(actor.username, intent, result, decision.affected, decision.user ?? null, at, serverIntentFor(intent).history);
    await this.deps.store.saveIntentResult(actor.username, intent.id, JSON.stringify(result), {
      at,
      actor: actor.username,
      action: intent.type,
      experimentId,
      verdict: result.ok ? 'accepted' : 'refused',
      code: result.ok ? null : result.code,
      detail: { intent, affected: decision.affected, skipped: decision.skipped, user: decision.user ?? null, ...(decision.waitingFor ? { waitingFor: decision.waitingFor } : {}) },
    }, history);
    return result;
  }
}
