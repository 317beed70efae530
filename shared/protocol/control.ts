import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { z } from 'zod';
import { AccessLevelSchema, Username } from '../schemas/entities.ts';
import { MessageType } from './message-types.ts';

/**
 * The control family: JSON messages from server to client on a document socket, framed as
 * `varUint(10) varString(json)`.
 *
 *   welcome  after authentication: who you are on this document, and your access
 *   ack      after each update from you: the server's clock for each of your client ids in it
 *   refused  a part of your update broke a rule; the server reverted it, the ranges say which
 *   closing  why the server is about to close the socket (access removed, reset required)
 */
export const ClockRange = z.strictObject({
  client: z.number().int().nonnegative(),
  clock: z.number().int().nonnegative(),
  length: z.number().int().positive(),
});
export type ClockRange = z.infer<typeof ClockRange>;

export const ControlMessage = z.discriminatedUnion('t', [
  z.strictObject({
    t: z.literal('welcome'),
    protocol: z.number().int(),
    username: Username,
    doc: z.string(),
    access: AccessLevelSchema.or(z.literal('self')),
  }),
  z.strictObject({ t: z.literal('ack'), clients: z.record(z.string(), z.number().int().nonnegative()) }),
  z.strictObject({
    t: z.literal('refused'),
    code: z.string(),
    message: z.string(),
    path: z.array(z.string()).optional(),
    ranges: z.array(ClockRange),
  }),
  z.strictObject({ t: z.literal('closing'), code: z.string(), message: z.string() }),
]);
export type ControlMessage = z.infer<typeof ControlMessage>;

export function writeControl(encoder: encoding.Encoder, message: ControlMessage): void {
  encoding.writeVarUint(encoder, MessageType.control);
  encoding.writeVarString(encoder, JSON.stringify(message));
}

export function encodeControl(message: ControlMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  writeControl(encoder, message);
  return encoding.toUint8Array(encoder);
}

/** Reads the body of a control message (the type was already read); null if malformed. */
export function readControl(decoder: decoding.Decoder): ControlMessage | null {
  try {
    const parsed = ControlMessage.safeParse(JSON.parse(decoding.readVarString(decoder)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
