import type { Actor } from '../../shared/schemas/entities.ts';
import { IntentType, type Intent, type IntentOf } from '../../shared/schemas/intents.ts';
import { decideConnectionIntent } from '../decisions/connection-decisions.ts';
import { decideExperimentIntent } from '../decisions/experiment-decisions.ts';
import { decideProjectIntent } from '../decisions/project-decisions.ts';
import { answerConnection, endConnection, requestConnection } from '../effects/connection-effects.ts';
import { cloneExperiment, createExperiment, exportGateExperiment } from '../effects/new-experiments.ts';
import { changeProject } from '../effects/project-effects.ts';
import { changeSharing, curateEffect, deleteExperiment, markViewed, requestCuration, shareEffect } from '../effects/sharing-effects.ts';
import type { Decision, EffectDeps, IntentDeps } from './intent-deps.ts';

/**
 * The server's half of every intent, in one table: its decision (sync-server/decisions/: reads
 * the state and runs the shared rule, writes nothing) and its effects (sync-server/effects/:
 * store writes, documents, indexes, mail), which run only when the decision allows it. The
 * client's half (schema, rule, description) is shared/actions/intent-table.ts. How to add an
 * intent: docs/intents.md.
 */
export type ServerIntent<I extends Intent> = {
  /** Decides the intent against the current state; what it returns carries the effects out. */
  decide(deps: IntentDeps, actor: Actor, intent: I): Promise<{ decision: Decision; carryOut: (deps: EffectDeps) => Promise<Decision> }>;
  /** Recorded in the experiment's sharing history (every intent is in the audit log regardless). */
  history: boolean;
};

/** Pairs a decision with its effects; the state the decision read (`D`) is handed to the effects. */
function serverIntent<I extends Intent, D extends { decision: Decision }>(parts: {
  decide: (deps: IntentDeps, actor: Actor, intent: I) => Promise<D>;
  effect: (deps: EffectDeps, actor: Actor, intent: I, decided: D) => Promise<Decision>;
  history?: false;
}): ServerIntent<I> {
  return {
    history: parts.history ?? true,
    async decide(deps, actor, intent) {
      const decided = await parts.decide(deps, actor, intent);
      return { decision: decided.decision, carryOut: (effectDeps) => parts.effect(effectDeps, actor, intent, decided) };
    },
  };
}

const onExperiment = decideExperimentIntent;

export const serverIntents = {
  [IntentType.create]: serverIntent({ decide: onExperiment, effect: createExperiment }),
  [IntentType.share]: serverIntent({ decide: onExperiment, effect: shareEffect }),
  [IntentType.unshare]: serverIntent({ decide: onExperiment, effect: changeSharing }),
  [IntentType.publish]: serverIntent({ decide: onExperiment, effect: changeSharing }),
  [IntentType.unpublish]: serverIntent({ decide: onExperiment, effect: changeSharing }),
  [IntentType.link]: serverIntent({ decide: onExperiment, effect: changeSharing }),
  [IntentType.clone]: serverIntent({ decide: onExperiment, effect: cloneExperiment }),
  [IntentType.curate]: serverIntent({ decide: onExperiment, effect: curateEffect }),
  // Marking a share as seen is the reader's own bookkeeping, not a sharing decision.
  [IntentType.markViewed]: serverIntent({ decide: onExperiment, effect: markViewed, history: false }),
  [IntentType.trash]: serverIntent({ decide: onExperiment, effect: changeSharing }),
  [IntentType.restore]: serverIntent({ decide: onExperiment, effect: changeSharing }),
  [IntentType.delete]: serverIntent({ decide: onExperiment, effect: deleteExperiment }),
  [IntentType.requestCuration]: serverIntent({ decide: onExperiment, effect: requestCuration }),
  [IntentType.move]: serverIntent({ decide: onExperiment, effect: changeSharing }),
  [IntentType.exportGate]: serverIntent({ decide: onExperiment, effect: exportGateExperiment }),
  [IntentType.projectCreate]: serverIntent({ decide: decideProjectIntent, effect: changeProject }),
  [IntentType.projectRename]: serverIntent({ decide: decideProjectIntent, effect: changeProject }),
  [IntentType.projectMember]: serverIntent({ decide: decideProjectIntent, effect: changeProject }),
  [IntentType.projectPolicy]: serverIntent({ decide: decideProjectIntent, effect: changeProject }),
  [IntentType.connect]: serverIntent({ decide: decideConnectionIntent, effect: requestConnection }),
  [IntentType.accept]: serverIntent({ decide: decideConnectionIntent, effect: answerConnection }),
  [IntentType.reject]: serverIntent({ decide: decideConnectionIntent, effect: answerConnection }),
  [IntentType.disconnect]: serverIntent({ decide: decideConnectionIntent, effect: endConnection }),
} satisfies { [T in IntentType]: ServerIntent<IntentOf<T>> };

/** The table's entry for an intent. */
export function serverIntentFor(intent: Intent): ServerIntent<Intent> {
  return serverIntents[intent.type] as ServerIntent<Intent>;
}

/** Decides an intent and, when allowed, carries it out; records nothing (the executor does). */
export async function runIntent(deps: EffectDeps, actor: Actor, intent: Intent): Promise<Decision> {
  const { decision, carryOut } = await serverIntentFor(intent).decide(deps, actor, intent);
  return decision.verdict.ok ? carryOut(deps) : decision;
}
