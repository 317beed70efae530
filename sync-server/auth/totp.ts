import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Store } from '../store/store.ts';
import { loadKeyFile, seal, unseal } from './sealed-key.ts';

/**
 * Two-step sign-in: codes of an authenticator app (RFC 6238: SHA-1, 6 digits, 30-second steps,
 * one step of clock drift either way) and single-use recovery codes. The secret is sealed with a
 * key file of the data folder before it reaches the store; recovery codes are kept as SHA-256
 * (they are random, so a fast hash is enough, as for session tokens).
 */
export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
const WINDOW = 1;
const SECRET_BYTES = 20;
const KEY_FILE = 'totp.key';
export const RECOVERY_CODE_COUNT = 10;
/** Recovery codes: 10 characters of this alphabet (no 0/O, 1/I/L), shown as `xxxxx-xxxxx`: 50 bits each. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_CHARS = 10;

export function loadTotpKey(dataDir: string): Buffer {
  return loadKeyFile(dataDir, KEY_FILE, 'TOTP secret');
}

/**
 * Server nodes on one database must seal two-step secrets with one key, yet the key stays out of
 * the database (a copy of it alone must not give anyone the codes). The first node records the
 * key's SHA-256 there; a node with another `totp.key` refuses to start rather than lock every
 * account out.
 */
export async function checkTotpKeyShared(key: Buffer, store: Pick<Store, 'sharedSecret'>): Promise<void> {
  const mine = createHash('sha256').update(key).digest('hex');
  if ((await store.sharedSecret('totp-key-sha256', mine)) !== mine) {
    throw new Error(`this node's ${KEY_FILE} is not the key the database's two-step secrets were sealed with: copy ${KEY_FILE} from another node's data folder into this one's`);
  }
}

function totp(secretBase32: string, label = 'account'): TOTP {
  return new TOTP({ issuer: 'Cytoshare', label, algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secretBase32) });
}

/** A fresh secret (base32, what an app takes typed in) and its otpauth:// URI (what it takes as a QR code or link). */
export function newTotpSecret(username: string): { secret: string; uri: string } {
  const secret = new Secret({ size: SECRET_BYTES }).base32;
  return { secret, uri: totp(secret, username).toString() };
}

export const stepAt = (now: number): number => Math.floor(now / 1000 / TOTP_PERIOD_S);

/** The code of the step at `now` (what the app shows); for tests and the CLI's own checks. */
export function codeAt(secretBase32: string, now: number): string {
  return totp(secretBase32).generate({ timestamp: now });
}

/** The time step a code belongs to (now, or one step either side), or null if it is none of them. */
export function matchingStep(secretBase32: string, code: string, now: number): number | null {
  const token = code.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secretBase32).validate({ token, timestamp: now, window: WINDOW });
  return delta === null ? null : stepAt(now) + delta;
}

/** Recovery codes as shown once to the user, and the hashes the store keeps. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(RECOVERY_CHARS);
    const chars = Array.from(bytes, (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  return { codes, hashes: codes.map(recoveryHash) };
}

/** Case, spaces and the dash do not matter when a recovery code is typed back. */
export function recoveryHash(code: string): string {
  return createHash('sha256').update(code.toLowerCase().replace(/[\s-]/g, '')).digest('hex');
}

export function sealSecret(key: Buffer, secretBase32: string): Uint8Array {
  return seal(key, secretBase32);
}

export function openSecret(key: Buffer, sealed: Uint8Array): string | null {
  return unseal(key, Buffer.from(sealed))?.toString('utf8') ?? null;
}

/**
 * Takes a code of a confirmed account, once: an app code of the current step (±1) later than
 * the last one taken (a code seen over a shoulder or in a log cannot be replayed within its
 * window), or an unused recovery code, which is then spent.
 */
export async function useCode(store: Store, key: Buffer, username: string, code: string, now = Date.now()): Promise<'app' | 'recovery' | null> {
  const record = await store.totpOf(username);
  if (!record || record.confirmedAt === null) return null;
  if (/^[\d\s-]+$/.test(code)) {
    const secret = openSecret(key, record.sealedSecret);
    const step = secret === null ? null : matchingStep(secret, code, now);
    return step !== null && (await store.useTotpStep(username, step)) ? 'app' : null;
  }
  return (await store.useRecoveryCode(username, recoveryHash(code), now)) ? 'recovery' : null;
}
