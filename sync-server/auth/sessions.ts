import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '../../shared/codes.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { Store } from '../store/store.ts';

/**
 * Sessions are random 256-bit tokens. Only their SHA-256 is stored, so a copy of the database
 * does not let anyone sign in; a fast hash is enough because the token itself is random.
 * Each session also has a short random public id, by which its owner lists and ends it.
 */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** "Last used" is written at most this often per session: a write on every request would cost more than it tells. */
export const TOUCH_EVERY_MS = 5 * 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(store: Store, username: string, now = Date.now()): Promise<{ token: string; expiresAt: number; tokenHash: string }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now + SESSION_TTL_MS;
  const tokenHash = hashToken(token);
  await store.addSession({ tokenHash, username, publicId: randomBytes(8).toString('hex'), createdAt: now, expiresAt, lastUsedAt: now });
  return { token, expiresAt, tokenHash };
}

/** `expiresAt`: when the session ends, so open sockets can be closed then (SocketDirectory). */
export type Authenticated = { ok: true; actor: Actor; tokenHash: string; expiresAt: number } | { ok: false; code: ErrorCode };

/**
 * Who holds this token? Read from the store on every request and new socket, so a session
 * ended or an account disabled by `cytoshare admin` (which writes the data folder directly)
 * stops working at once. Unknown and forged tokens are NOT_SIGNED_IN; old ones SESSION_EXPIRED.
 */
export async function authenticate(store: Store, token: string | null | undefined, now = Date.now(), scope: Scope = 'full'): Promise<Authenticated> {
  if (!token || token.length > 200) return { ok: false, code: ErrorCode.NOT_SIGNED_IN };
  return authenticateHash(store, hashToken(token), now, scope);
}

/**
 * What a request needs of its session. 'enrolment': only setting up two-step sign-in, signing
 * out and asking who one is, which a session of an account that has not set it up may do while
 * the server requires it; every other call answers TOTP_ENROLMENT_REQUIRED until it is set up.
 */
export type Scope = 'full' | 'enrolment';

/** The HTTP status of a refused authentication: 403 for a session limited to enrolment (it is signed in), else 401. */
export function refusalStatus(code: ErrorCode): 401 | 403 {
  return code === ErrorCode.TOTP_ENROLMENT_REQUIRED ? 403 : 401;
}

/** True when the server requires two-step sign-in and this account has not confirmed it. */
export async function mustEnrolTotp(store: Store, username: string): Promise<boolean> {
  return (await store.totpRequired()) && (await store.totpOf(username))?.confirmedAt == null;
}

/** The same check by the token's hash: for a file ticket, which holds the hash of the session it was issued under. */
export async function authenticateHash(store: Store, tokenHash: string, now = Date.now(), scope: Scope = 'full'): Promise<Authenticated> {
  const session = await store.findSession(tokenHash);
  if (!session) return { ok: false, code: ErrorCode.NOT_SIGNED_IN };
  if (session.expiresAt <= now) {
    await store.deleteSession(tokenHash);
    return { ok: false, code: ErrorCode.SESSION_EXPIRED };
  }
  const user = await store.findUser(session.username);
  if (!user) return { ok: false, code: ErrorCode.NOT_SIGNED_IN };
  // Disabling ends every session; this guards a session added in a race with it.
  if (user.disabledAt != null) return { ok: false, code: ErrorCode.ACCOUNT_DISABLED };
  // Read on every request, so confirming the app (or the admin turning the rule off) frees the session at once.
  if (scope === 'full' && (await mustEnrolTotp(store, user.username))) return { ok: false, code: ErrorCode.TOTP_ENROLMENT_REQUIRED };
  if (session.lastUsedAt === null || now - session.lastUsedAt >= TOUCH_EVERY_MS) await store.touchSession(tokenHash, now);
  return { ok: true, actor: { username: user.username, staff: user.staff }, tokenHash, expiresAt: session.expiresAt };
}
