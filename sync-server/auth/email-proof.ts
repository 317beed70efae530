import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../../shared/codes.ts';
import type { ServerLimits } from '../limits.ts';
import type { MailMessage } from '../mail/mail-queue.ts';
import { addressChanged, addressInUse, verificationCode } from '../mail/templates.ts';
import type { EmailClaimRecord, Store } from '../store/store.ts';

/**
 * Proof that an address is an account's: nothing addressed to an address (connection requests,
 * shares by email) reaches an account until it has proved the address with the one-time code
 * mailed there, or with the mail's link and the button on the page it opens (a page, because
 * mail scanners open links on their own).
 *
 * Codes are 10 characters from an alphabet without look-alikes (31^10, about 2^49), kept only
 * as SHA-256, good once and for `verifyCodeTtlMs`. Each code may be tried
 * `verifyAttemptsPerCode` times; an account may cause `verifyMailsPerDay` code mails a day, so
 * a guesser gets at most their product of tries a day. One recipient address gets at most
 * `verifyMailsPerAddressPerDay` of these mails a day whichever accounts ask; past that the claim
 * is recorded and answered as usual but no mail goes out, so the asker learns nothing and the
 * address's owner is not mail-bombed. Codes and tokens are never logged and never appear in an
 * error.
 */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 10;
const DAY_MS = 24 * 3600 * 1000;

export class ProofRefused extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProofRefused';
  }
}

export type ProofDeps = {
  store: Store;
  limits: Pick<ServerLimits, 'verifyAttemptsPerCode' | 'verifyMailsPerDay' | 'verifyMailsPerAddressPerDay' | 'verifyCodeTtlMs'>;
  /** Queues a mail (durably, before the caller answers). */
  send: (mail: MailMessage) => Promise<void>;
  /** The server's public URL for the mail's link; '' leaves the link out (the admin command does not know it). */
  publicUrl: () => string;
  /** Runs once an account has proved an address: what waited for the address may now reach it. */
  onProved?: (username: string, email: string) => Promise<void>;
};

/** The account's address in force ('' if none proved yet) and the one waiting for its code. */
export type AddressState = { email: string; pendingEmail: string | null };

/** A code as typed: case, spaces and dashes do not matter. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]+/g, '');
}

export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const invalid = () => new ProofRefused(ErrorCode.VERIFICATION_INVALID, 400, 'that code is wrong, used or expired');
const tooMany = () => new ProofRefused(ErrorCode.TOO_MANY_ATTEMPTS, 429, 'too many tries of this code; ask for a new one');

export class EmailProofs {
  constructor(private readonly deps: ProofDeps) {}

  /**
   * `username` asks to use `address`: a code goes there, and the address in force (if any) stays
   * until the code comes back. Asking for the address in force drops a pending change. An
   * address that is already another account's gets a notice to its owner instead of a code,
   * and the asker the same answer as for a free address.
   */
  async claim(username: string, address: string, now = Date.now()): Promise<AddressState> {
    const { store, limits } = this.deps;
    const user = await store.findUser(username);
    if (!user) throw new ProofRefused(ErrorCode.NOT_SIGNED_IN, 401, 'no such account');
    const email = address.toLowerCase();
    const prior = await store.emailClaimOf(username);
    if (email === user.email) {
      if (prior) await store.deleteEmailClaim(username);
      return { email: user.email, pendingEmail: null };
    }
    if (!(await store.takeCodeMail(username, now, DAY_MS, limits.verifyMailsPerDay))) {
      throw new ProofRefused(ErrorCode.TOO_MANY_ATTEMPTS, 429, 'too many codes asked for today; try again tomorrow');
    }
    // Past the recipient's daily budget: same answer, no mail (the asker cannot tell).
    const mailing = await store.takeMailTo(sha256(email), now, DAY_MS, limits.verifyMailsPerAddressPerDay);
    const base = { username, email, expiresAt: now + limits.verifyCodeTtlMs, attempts: 0, createdAt: now };
    const owner = await store.findUser(email);
    if (owner) {
      await store.saveEmailClaim({ ...base, codeHash: null, linkHash: null });
      if (mailing) await this.deps.send({ to: email, ...addressInUse({ email, username: owner.username, asker: username }) });
    } else {
      const code = newCode();
      const token = randomBytes(32).toString('base64url');
      await store.saveEmailClaim({ ...base, codeHash: sha256(normalizeCode(code)), linkHash: sha256(token) });
      const publicUrl = this.deps.publicUrl().replace(/\/+$/, '');
      const mail = verificationCode({
        username,
        email,
        code,
        change: user.email !== '',
        ...(publicUrl ? { confirmUrl: `${publicUrl}/verify?token=${token}` } : {}),
      });
      if (mailing) await this.deps.send({ to: email, ...mail });
    }
    return { email: user.email, pendingEmail: email };
  }

  /** The signed-in `username` proves its pending address with the mailed code. */
  async proveCode(username: string, code: string, now = Date.now()): Promise<AddressState> {
    const { store, limits } = this.deps;
    const claim = await store.emailClaimOf(username);
    if (!claim) throw invalid();
    // Counted before the comparison, and checked on the count after it, so parallel guesses are counted too.
    const tries = await store.countEmailClaimAttempt(username);
    if (tries > limits.verifyAttemptsPerCode) throw tooMany();
    if (claim.expiresAt <= now || claim.codeHash === null || !sameHash(claim.codeHash, sha256(normalizeCode(code)))) throw invalid();
    return this.prove(claim);
  }

  /**
   * Follows the mail's link. Opening it (`confirm` false) only asks; the page's button
   * (`confirm` true) proves the address, once.
   */
  async byLink(token: string, confirm: boolean, now = Date.now()): Promise<{ status: number; message: string; confirm?: true }> {
    const { store, limits } = this.deps;
    const claim = token && token.length <= 200 ? await store.emailClaimByLink(sha256(token)) : null;
    if (!claim) return { status: 404, message: 'This link is not valid, or was already used.' };
    if (claim.expiresAt <= now) return { status: 410, message: 'This link has expired. Ask Cytoshare for a new code.' };
    if (claim.attempts >= limits.verifyAttemptsPerCode) return { status: 429, message: 'This code was tried too often. Ask Cytoshare for a new one.' };
    if (!confirm) return { status: 200, message: `Confirm that ${claim.email} is the address of the Cytoshare account ${claim.username}? Only confirm if you asked for this.`, confirm: true };
    try {
      await this.prove(claim);
    } catch (error) {
      if (error instanceof ProofRefused) return { status: error.status, message: 'This address already belongs to another account.' };
      throw error;
    }
    return { status: 200, message: `${claim.email} is now the address of the Cytoshare account ${claim.username}.` };
  }

  private async prove(claim: EmailClaimRecord): Promise<AddressState> {
    const { store } = this.deps;
    const old = (await store.findUser(claim.username))?.email ?? '';
    if (!(await store.proveEmail(claim.username, claim.email))) {
      throw new ProofRefused(ErrorCode.EMAIL_TAKEN, 409, 'another account proved this address first');
    }
    if (old && old !== claim.email) await this.deps.send({ to: old, ...addressChanged({ username: claim.username, oldEmail: old, newEmail: claim.email }) });
    await this.deps.onProved?.(claim.username, claim.email);
    return { email: claim.email, pendingEmail: null };
  }
}
