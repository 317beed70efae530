import { z } from 'zod';
import { intentAction, intentActions, type IntentActions, type MadeField } from '../shared/actions/intent-table.ts';
import { ExperimentId } from '../shared/schemas/entities.ts';
import { IntentType, type IntentOf } from '../shared/schemas/intents.ts';

/**
 * The pages' requests for intents, derived from the intent table (shared/actions/intent-table.ts):
 * one request per intent, named by the table's `message`, holding the intent's own fields (from
 * its schema) less the draft id and any id the core makes; the experiment is `id`, as in every
 * other request. A new intent needs nothing here.
 */

type Fields<T extends IntentType> = Omit<IntentOf<T>, 'id' | 'type' | 'experimentId' | MadeField<T>>;
/** The experiment a request concerns is its `id`, unless the intent creates it. */
type ExperimentRef<T extends IntentType> = IntentOf<T> extends { experimentId: string } ? ('experimentId' extends MadeField<T> ? object : { id: string }) : object;

export type IntentRequest = { [T in IntentType]: { type: IntentActions[T]['message'] } & Fields<T> & ExperimentRef<T> }[IntentType];
export type IntentRequestType = IntentRequest['type'];

/** The intent type of each request name. */
export const typeOfMessage = new Map<string, IntentType>(Object.values(IntentType).map((type) => [intentActions[type].message, type]));

function requestSchema(type: IntentType) {
  const entry = intentAction(type);
  // Every intent's schema is a strict object (the members of the `Intent` union).
  const { id: _id, type: _type, experimentId, ...shape } = (entry.schema as unknown as z.ZodObject).shape;
  if (entry.makes) delete shape[entry.makes];
  const fields: z.ZodRawShape = experimentId !== undefined && entry.makes !== 'experimentId' ? { ...shape, id: ExperimentId } : shape;
  return z.strictObject(fields).extend({ type: z.literal(entry.message as IntentRequestType) });
}

export const intentRequestSchemas = Object.values(IntentType).map(requestSchema);

/** The intent a request asks for, as the core's `intent` takes it. */
export function intentOfRequest(request: IntentRequest): { type: IntentType; payload: Record<string, unknown> } {
  const { type: message, ...fields } = request as { type: string; id?: string } & Record<string, unknown>;
  const type = typeOfMessage.get(message);
  if (type === undefined) throw new Error(`no intent is sent as ${message}`);
  const { id, ...rest } = fields;
  return { type, payload: id === undefined ? rest : { ...rest, experimentId: id } };
}

export function isIntentRequest(request: { type: string }): request is IntentRequest {
  return typeOfMessage.has(request.type);
}

/** A request that creates something answers its new id with the draft; any other, the draft. */
export function intentResponseSchema(type: IntentType, draft: z.ZodType): z.ZodType {
  return intentAction(type).makes ? z.strictObject({ id: z.string(), draft }) : draft;
}
