import type { Actor } from '../../shared/schemas/entities.ts';
import { IntentType, type IntentOf } from '../../shared/schemas/intents.ts';
import type { ConnectionDecided } from '../decisions/connection-decisions.ts';
import type { Decision, EffectDeps } from '../intents/intent-deps.ts';

/** The effects of allowed connection intents, carried out by `Connections` (connections.ts). */

export async function requestConnection(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.connect>, decided: ConnectionDecided): Promise<Decision> {
  await deps.connections.request(actor, intent.email, decided.target, decided.ctx.incoming);
  return decided.decision;
}

export async function answerConnection(
  deps: EffectDeps,
  actor: Actor,
  intent: IntentOf<typeof IntentType.accept> | IntentOf<typeof IntentType.reject>,
  decided: ConnectionDecided,
): Promise<Decision> {
  await deps.connections.answer(intent.user, actor.username, intent.type === IntentType.accept ? 'accepted' : 'rejected', Date.now());
  return decided.decision;
}

export async function endConnection(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.disconnect>, decided: ConnectionDecided): Promise<Decision> {
  await deps.connections.disconnect(actor.username, intent.user);
  return decided.decision;
}
