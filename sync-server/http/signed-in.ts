import type { IncomingMessage } from 'node:http';
import { authenticate, refusalStatus, type Scope } from '../auth/sessions.ts';
import type { Store } from '../store/store.ts';
import { bearerToken, HttpError } from './json.ts';

/**
 * The session behind a request's bearer token, or the refusal every route answers alike (401
 * not signed in, expired or disabled; 403 a session limited to enrolment, see `refusalStatus`):
 * one place decides it, so no route can answer a bad token differently from another.
 */
export async function signedIn(req: IncomingMessage, store: Store, scope: Scope = 'full') {
  const auth = await authenticate(store, bearerToken(req), Date.now(), scope);
  if (!auth.ok) throw new HttpError(refusalStatus(auth.code), auth.code);
  return auth;
}
