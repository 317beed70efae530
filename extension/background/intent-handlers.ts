import { ErrorCode } from '../../shared/codes.ts';
import { intentAction, madeIdOf, type IntentPayload } from '../../shared/actions/intent-table.ts';
import type { Intent, IntentType } from '../../shared/schemas/intents.ts';
import type { Draft } from '../core/contract.ts';
import { intentOfRequest, typeOfMessage, type IntentRequest, type IntentRequestType } from '../intent-messages.ts';
import { coded, type HandlerCore, type Handlers } from './handler-types.ts';

/**
 * The worker's answers to intent requests, one per entry of the intent table: the core's
 * `intent` entry point records the draft (or refuses with the rules' code); a request for an
 * intent that creates something also gets the new id.
 */
async function answerIntent(request: IntentRequest, core: HandlerCore): Promise<Draft | { id: string; draft: Draft }> {
  const { type, payload } = intentOfRequest(request);
  const draft = await core.intent(type, asPayload(payload));
  return intentAction(type).makes ? { id: madeIdOf(draft.intent) ?? '', draft } : draft;
}

// The request was parsed with the schema derived from this intent's (intent-messages.ts), and
// the core parses the intent again with the intent's own schema before any rule runs.
const asPayload = (payload: Record<string, unknown>) => payload as IntentPayload<IntentType>;

export const intentHandlers = Object.fromEntries([...typeOfMessage.keys()].map((message) => [message, answerIntent])) as unknown as Pick<Handlers, IntentRequestType>;

/** A rejected draft done again: the same intent, recorded as a new draft (where the intent table allows it). */
export async function redo(draft: Draft, core: HandlerCore): Promise<Draft> {
  if (draft.kind !== 'intent') throw coded(ErrorCode.BAD_REQUEST, 'an edit cannot be retried; make it again');
  const { intent } = draft;
  // Creating, cloning, curating and project changes are not offered again from a refusal.
  if (!intentAction(intent.type).retry) throw coded(ErrorCode.BAD_REQUEST, `a ${intent.type} cannot be retried from here`);
  return core.intent(intent.type, payloadOf(intent));
}

function payloadOf(intent: Intent): IntentPayload<IntentType> {
  const { id: _id, type: _type, ...payload } = intent;
  return asPayload(payload);
}
