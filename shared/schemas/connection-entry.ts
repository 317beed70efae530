import { z } from 'zod';
import { Username } from './entities.ts';

/**
 * One row of a user's connections list, written by the server into `conn-<username>`. A request
 * to an address with no account yet has `user: null` until that account exists.
 */
export const ConnectionStatusSchema = z.enum(['connected', 'pre-existing', 'pending']);
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

export const ConnectionEntry = z.strictObject({
  user: Username.nullable(),
  email: z.string(),
  status: ConnectionStatusSchema,
  /** For a pending request: who asked. */
  direction: z.enum(['incoming', 'outgoing']).nullable(),
  sharedExperiments: z.number().int().nonnegative(),
  sharedProjects: z.number().int().nonnegative(),
  since: z.number(),
});
export type ConnectionEntry = z.infer<typeof ConnectionEntry>;

/**
 * A share the user sent with `connect` (premium): `waiting` for `user` to accept the connection
 * request, or `refused` with the rules' code when the connection came (or was declined).
 */
export const WaitingShareEntry = z.strictObject({
  experimentId: z.string(),
  user: Username,
  state: z.enum(['waiting', 'refused']),
  code: z.string().nullable(),
  since: z.number(),
});
export type WaitingShareEntry = z.infer<typeof WaitingShareEntry>;
