import type { ServerResponse } from 'node:http';
import { signedIn } from './signed-in.ts';
import { ErrorCode } from '../../shared/codes.ts';
import {
  EndSessionsRequest,
  LoginRequest,
  PasswordChangeRequest,
  SignupRequest,
  type Session,
  type SessionInfo,
} from '../../shared/schemas/api.ts';
import { CodedError, createAccount } from '../admin.ts';
import { clientAddressKey } from '../auth/client-address.ts';
import { HashQueueFull } from '../auth/hash-queue.ts';
import type { LoginAttempt } from '../auth/login-throttle.ts';
import { decoyHash, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { authenticate, createSession, mustEnrolTotp } from '../auth/sessions.ts';
import { useCode } from '../auth/totp.ts';
import type { Store } from '../store/store.ts';
import { bearerToken, HttpError, readBody, sendJson } from './json.ts';
import type { HttpDeps, HttpRoute } from './http-deps.ts';

/**
 * Accounts and sessions over HTTP: sign-in (throttled before any hashing), sign-up, sign-out,
 * password change, and a user's own session list. Every password hash goes through the
 * server's hash queue; every ended session has its open sockets closed at once.
 */
export const accountRoutes: Record<string, HttpRoute> = {
  'POST /api/login': async (req, res, deps) => {
    const body = await readBody(req, LoginRequest);
    const address = clientAddressKey(req.socket.remoteAddress);
    const attempt = await admit(res, deps, body.username, address, 'login');
    try {
      const user = await deps.store.findUser(body.username);
      // Spend the same time on an unknown name as on a wrong password.
      const good = await deps.hashes.run(address, async () => verifyPassword(body.password, user?.passwordHash ?? (await decoyHash())));
      if (!user || !good) {
        await attempt.failed();
        deps.log.warn('login refused', { user: body.username, address, reason: 'bad credentials' });
        throw new HttpError(401, ErrorCode.BAD_CREDENTIALS);
      }
      // Only someone who knows the password learns that the account is disabled.
      if (user.disabledAt != null) {
        await attempt.abandoned();
        deps.log.warn('login refused', { user: user.username, address, reason: 'account disabled' });
        throw new HttpError(403, ErrorCode.ACCOUNT_DISABLED);
      }
      // Likewise only a right password learns that a code is needed; asking without one is no failure.
      const totp = await deps.store.totpOf(user.username);
      if (totp?.confirmedAt != null) {
        if (body.code === undefined) {
          await attempt.abandoned();
          throw new HttpError(401, ErrorCode.TOTP_REQUIRED);
        }
        const used = await useCode(deps.store, deps.totpKey, user.username, body.code);
        if (used === null) {
          await attempt.failed();
          deps.log.warn('login refused', { user: user.username, address, reason: 'bad second-factor code' });
          throw new HttpError(401, ErrorCode.BAD_TOTP_CODE);
        }
        if (used === 'recovery') deps.log.info('recovery code used', { user: user.username, address });
      }
      await attempt.succeeded();
      sendJson(res, 200, await sessionFor(deps.store, user));
    } catch (error) {
      await attempt.abandoned();
      throw queueFull(res, error);
    }
  },

  'POST /api/signup': async (req, res, deps) => {
    if (deps.mode() === 'enterprise') throw new HttpError(403, ErrorCode.SIGNUP_DISABLED);
    const body = await readBody(req, SignupRequest);
    const address = clientAddressKey(req.socket.remoteAddress);
    // Before any hashing or mail: each account could mail codes to any address it names.
    const admitted = await deps.signups.admit(address);
    if (!admitted.allowed) {
      deps.log.warn('signup throttled', { address, retryAfterMs: admitted.retryAfterMs });
      res.setHeader('retry-after', String(Math.max(1, Math.ceil(admitted.retryAfterMs / 1000))));
      throw new HttpError(429, ErrorCode.TOO_MANY_ATTEMPTS);
    }
    try {
      // The account starts with no address in force; a code goes to the address it gave. An
      // address that is already an account's is answered the same way (its owner gets a notice).
      const user = await createAccount(deps.store, { ...body, staff: false }, deps.proofs, (password) =>
        deps.hashes.run(address, () => hashPassword(password)),
      );
      sendJson(res, 201, await sessionFor(deps.store, user));
    } catch (error) {
      // No account made (a name taken, a full queue): the sign-up does not count.
      await admitted.release();
      if (error instanceof CodedError) throw new HttpError(error.code === ErrorCode.BAD_REQUEST ? 400 : 409, error.code, error.message);
      throw queueFull(res, error);
    }
  },

  'POST /api/logout': async (req, res, { store, sockets }) => {
    const auth = await authenticate(store, bearerToken(req), Date.now(), 'enrolment');
    if (auth.ok) {
      await store.deleteSession(auth.tokenHash);
      sockets.closeSession(auth.tokenHash, ErrorCode.NOT_SIGNED_IN);
    }
    res.writeHead(204).end();
  },

  /**
   * Changes the caller's password. Every OTHER session of the account ends (a thief holding an
   * old token is out), the caller's own stays, as Google and GitHub do: whoever just proved the
   * current password is the owner, and signing them out too would only make them type it again.
   */
  'POST /api/password': async (req, res, deps) => {
    const { actor, tokenHash } = await signedIn(req, deps.store);
    const body = await readBody(req, PasswordChangeRequest);
    const address = clientAddressKey(req.socket.remoteAddress);
    // A stolen token must not turn into free guesses at the password: same throttle as a login.
    const attempt = await admit(res, deps, actor.username, address, 'password change');
    try {
      const user = await deps.store.findUser(actor.username);
      const good = user !== null && (await deps.hashes.run(address, () => verifyPassword(body.currentPassword, user.passwordHash)));
      if (!good) {
        await attempt.failed();
        deps.log.warn('password change refused', { user: actor.username, address, reason: 'bad credentials' });
        throw new HttpError(401, ErrorCode.BAD_CREDENTIALS);
      }
      await attempt.succeeded();
      await deps.store.setPasswordHash(actor.username, await deps.hashes.run(address, () => hashPassword(body.newPassword)));
      const ended = await deps.store.deleteSessionsOf(actor.username, tokenHash, Date.now());
      for (const hash of ended) deps.sockets.closeSession(hash, ErrorCode.NOT_SIGNED_IN);
      deps.log.info('password changed', { user: actor.username, endedSessions: ended.length });
      sendJson(res, 200, { endedSessions: ended.length });
    } catch (error) {
      await attempt.abandoned();
      throw queueFull(res, error);
    }
  },

  'GET /api/sessions': async (req, res, deps) => {
    const { actor, tokenHash } = await signedIn(req, deps.store);
    const now = Date.now();
    const list: SessionInfo[] = (await deps.store.sessionsOf(actor.username))
      .filter((s) => s.expiresAt > now)
      .map((s) => ({ id: s.publicId, createdAt: s.createdAt, lastUsedAt: s.lastUsedAt, expiresAt: s.expiresAt, current: s.tokenHash === tokenHash }));
    sendJson(res, 200, list);
  },

  /** Ends one of the caller's sessions (any but their own is UNKNOWN_SESSION, existing or not), or all others. */
  'POST /api/sessions/end': async (req, res, deps) => {
    const { actor, tokenHash } = await signedIn(req, deps.store);
    const body = await readBody(req, EndSessionsRequest);
    let ended: string[];
    if ('others' in body) {
      ended = await deps.store.deleteSessionsOf(actor.username, tokenHash, Date.now());
    } else {
      const session = (await deps.store.sessionsOf(actor.username)).find((s) => s.publicId === body.id);
      if (!session) throw new HttpError(404, ErrorCode.UNKNOWN_SESSION);
      await deps.store.deleteSession(session.tokenHash);
      ended = [session.tokenHash];
    }
    for (const hash of ended) deps.sockets.closeSession(hash, ErrorCode.NOT_SIGNED_IN);
    sendJson(res, 200, { ended: ended.length });
  },
};

/**
 * Asks the throttle whether this attempt may have its password checked; a refusal is a 429
 * with Retry-After, decided before any hashing.
 */
export async function admit(res: ServerResponse, deps: HttpDeps, account: string, address: string, what: string): Promise<LoginAttempt> {
  const verdict = await deps.throttle.begin({ account, address });
  if (verdict.allowed) return verdict.attempt;
  if (verdict.firstRefusal) deps.log.warn(`${what} throttled`, { user: account, address, retryAfterMs: verdict.retryAfterMs });
  res.setHeader('retry-after', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
  throw new HttpError(429, ErrorCode.TOO_MANY_ATTEMPTS);
}

/** A full hash queue is a 429 like the throttle's; anything else goes on as it is. */
export function queueFull(res: ServerResponse, error: unknown): unknown {
  if (!(error instanceof HashQueueFull)) return error;
  res.setHeader('retry-after', '1');
  return new HttpError(429, ErrorCode.TOO_MANY_ATTEMPTS);
}

async function sessionFor(store: Store, user: { username: string; email: string; staff: boolean }): Promise<Session> {
  const { token, expiresAt } = await createSession(store, user.username);
  const limited = await mustEnrolTotp(store, user.username);
  return { token, username: user.username, email: user.email, staff: user.staff, expiresAt, ...(limited ? { totpEnrolmentRequired: true } : {}) };
}

