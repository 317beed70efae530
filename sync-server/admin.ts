import { ErrorCode } from '../shared/codes.ts';
import { Email, Password, Username, type ServerMode } from '../shared/schemas/entities.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from './auth/passwords.ts';
import { EmailProofs, type ProofDeps } from './auth/email-proof.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { BLOB_GRACE_MS, collectBlobGarbage, type BlobCollection } from './files/blob-gc.ts';
import { openBlobs, openStore, type DataChoice } from './store/open-store.ts';
import { DATABASE_FILE } from './store/sqlite-store.ts';
import type { Store } from './store/store.ts';

/** An expected refusal of an admin or account action, with a stable code. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

/**
 * `verified`: the address is the account's on the caller's word (an admin's `--verified`, test
 * set-ups); an address already proved by another account is refused then (EMAIL_TAKEN).
 * Otherwise the account starts with no address in force and `proofs` mails a code to `email`
 * (sign-up, and an admin's `add-user` without `--verified`); a taken address is not refused
 * then, so sign-up does not tell which addresses have accounts (see EmailProofs.claim).
 */
export type NewUser = { username: string; email: string; password: string; staff?: boolean; verified?: boolean };

export type NewAccount = { username: string; email: string; staff: boolean; emailVerified: boolean; pendingEmail: string | null };

/** Validates and stores a new account; used by the admin command and by self sign-up. */
export async function createAccount(
  store: Store,
  input: NewUser,
  proofs?: EmailProofs,
  hash: (password: string) => Promise<string> = hashPassword,
): Promise<NewAccount> {
  const username = Username.safeParse(input.username);
  if (!username.success) throw new CodedError(ErrorCode.BAD_REQUEST, `username: ${username.error.issues[0]?.message}`);
  const email = Email.safeParse(input.email);
  if (!email.success) throw new CodedError(ErrorCode.BAD_REQUEST, 'email: not an email address');
  const password = Password.safeParse(input.password);
  if (!password.success) throw new CodedError(ErrorCode.BAD_REQUEST, `password: ${password.error.issues[0]?.message}`);
  if (await store.findUser(username.data)) throw new CodedError(ErrorCode.USERNAME_TAKEN, 'that username is taken');
  const verified = input.verified ?? false;
  if (verified && (await store.findUser(email.data))) throw new CodedError(ErrorCode.EMAIL_TAKEN, 'an account with that email exists');
  const staff = input.staff ?? false;
  const passwordHash = await hash(password.data);
  const account = { username: username.data, email: '', passwordHash, staff, createdAt: Date.now() };
  if (verified) {
    // One unit of work: an address another account proves meanwhile leaves no account behind.
    await store.transaction(async (tx) => {
      await tx.addUser(account);
      // proveEmail also drops whatever unproved claims other accounts had on the address.
      if (!(await tx.proveEmail(username.data, email.data))) throw new CodedError(ErrorCode.EMAIL_TAKEN, 'an account with that email exists');
    });
    return { username: username.data, email: email.data, staff, emailVerified: true, pendingEmail: null };
  }
  await store.addUser(account);
  const proving = proofs ?? new EmailProofs({ store, limits: DEFAULT_LIMITS, send: enqueueDirectly(store), publicUrl: () => '' });
  const state = await proving.claim(username.data, email.data);
  return { username: username.data, email: state.email, staff, emailVerified: false, pendingEmail: state.pendingEmail };
}

/**
 * Mail from a command that opens the data folder beside the server: into the server's durable
 * queue, which a running server picks up within its mail poll (a minute).
 */
function enqueueDirectly(store: Store): ProofDeps['send'] {
  return async (mail) => {
    await store.enqueueMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html ?? null, at: Date.now() });
  };
}

/**
 * What an admin command works on: a data folder (a path), or the choice the server was started
 * with (`--database URL`, `--blobs DIR`). It works on the data directly, beside a running server.
 */
export type AdminTarget = string | DataChoice;

const choiceOf = (target: AdminTarget): DataChoice => (typeof target === 'string' ? { dataDir: target } : target);

/** `cytoshare admin --data DIR add-user …`: works on the data folder directly. */
export function addUser(dataDir: AdminTarget, input: NewUser): Promise<NewAccount> {
  return withStore(dataDir, (store) => createAccount(store, input));
}

/**
 * `cytoshare admin --data DIR reset-password USER --password-stdin`: sets a new password and
 * ends every session of the account. A running server closes their sockets within its poll.
 */
export function resetPassword(dataDir: AdminTarget, username: string, password: string): Promise<{ username: string; endedSessions: number }> {
  return withStore(
    dataDir,
    async (store) => {
      const parsed = Password.safeParse(password);
      if (!parsed.success) throw new CodedError(ErrorCode.BAD_REQUEST, `password: ${parsed.error.issues[0]?.message}`);
      const user = await existingUser(store, username);
      await store.setPasswordHash(user, await hashPassword(parsed.data));
      const ended = await store.deleteSessionsOf(user, null, Date.now());
      return { username: user, endedSessions: ended.length };
    },
    { mustExist: true },
  );
}

/**
 * `cytoshare admin --data DIR disable USER` / `enable USER`. Disabling ends every session of
 * the account (a running server closes its sockets within its poll) and refuses its logins;
 * its experiments and grants stay, so enabling gives everything back.
 */
export function setAccountDisabled(dataDir: AdminTarget, username: string, disabled: boolean): Promise<{ username: string; disabled: boolean }> {
  return withStore(
    dataDir,
    async (store) => {
      const user = await existingUser(store, username);
      await store.setDisabled(user, disabled ? Date.now() : null);
      return { username: user, disabled };
    },
    { mustExist: true },
  );
}

/**
 * `admin require-totp on|off`: whether every account must use two-step sign-in. Accounts without
 * it keep signing in, but their sessions may only set it up (TOTP_ENROLMENT_REQUIRED elsewhere).
 */
export function setTotpRequired(dataDir: string, on: boolean): Promise<{ totpRequired: boolean }> {
  return withStore(
    dataDir,
    async (store) => {
      await store.setTotpRequired(on);
      return { totpRequired: on };
    },
    { mustExist: true },
  );
}

/** `admin reset-totp USERNAME`: a lost phone. Forgets the account's secret and recovery codes and ends its sessions. */
export function resetTotp(dataDir: string, username: string): Promise<{ username: string; hadTotp: boolean; endedSessions: number }> {
  return withStore(
    dataDir,
    async (store) => {
      const user = await existingUser(store, username);
      const hadTotp = await store.deleteTotp(user);
      const ended = await store.deleteSessionsOf(user, null, Date.now());
      return { username: user, hadTotp, endedSessions: ended.length };
    },
    { mustExist: true },
  );
}

async function existingUser(store: Store, username: string): Promise<string> {
  const parsed = Username.safeParse(username);
  const user = parsed.success ? await store.findUser(parsed.data) : null;
  if (!user || user.username !== username) throw new CodedError(ErrorCode.UNKNOWN_USER, `no account ${JSON.stringify(username)}`);
  return user.username;
}

/**
 * Runs `work` on the target's store and closes it. With `mustExist`, for commands that read a
 * data folder, a folder without a database is refused: opening a wrong path would create an
 * empty one, and a blob collection would then find nothing listed and remove every file. (A
 * PostgreSQL database is never created by opening it: a wrong URL fails to connect.)
 */
async function withStore<T>(target: AdminTarget, work: (store: Store) => Promise<T>, { mustExist = false } = {}): Promise<T> {
  const choice = choiceOf(target);
  if (mustExist && !choice.database && choice.dataDir && !existsSync(join(choice.dataDir, DATABASE_FILE))) {
    throw new CodedError(ErrorCode.BAD_REQUEST, `no Cytoshare database in ${choice.dataDir}`);
  }
  const store = await openStore(choice, 'tool');
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * `cytoshare admin --data DIR gc-blobs [--dry-run]`: removes FCS files no experiment lists any
 * more. Safe while the server runs: the store shows every update the server acknowledged, and
 * blobs written or uploaded again within `graceMs` are kept.
 */
export function gcBlobs(dataDir: AdminTarget, options: { dryRun: boolean; graceMs?: number }): Promise<BlobCollection> {
  return withStore(
    dataDir,
    async (store) => {
      const blobs = openBlobs(choiceOf(dataDir));
      try {
        return await collectBlobGarbage({ store, blobs, now: Date.now(), graceMs: options.graceMs ?? BLOB_GRACE_MS, dryRun: options.dryRun });
      } finally {
        await blobs.close();
      }
    },
    { mustExist: true },
  );
}

export type MailStatus = {
  pending: number;
  undeliverable: Array<{ id: number; to: string; attempts: number; createdAt: number; givenUpAt: number; error: string | null }>;
};

/**
 * `cytoshare admin --data DIR mail`: how much mail waits, and the mail given up on (newest
 * first, at most `limit`), with the recipient and the last error. Subjects and bodies are left
 * out: they name experiments.
 */
export function mailStatus(dataDir: AdminTarget, limit = 50): Promise<MailStatus> {
  return withStore(
    dataDir,
    async (store) => {
      const undeliverable = (await store.undeliverableMail(limit)).map((m) => ({
        id: m.id,
        to: m.to,
        attempts: m.attempts,
        createdAt: m.createdAt,
        givenUpAt: m.givenUpAt ?? 0,
        error: m.lastError,
      }));
      return { pending: await store.pendingMailCount(), undeliverable };
    },
    { mustExist: true },
  );
}

/**
 * `cytoshare admin --data DIR mail --retry ID`: sends a given-up mail again (say, once the
 * recipient's mailbox exists). A running server picks it up within its mail poll (a minute).
 */
export function retryMail(dataDir: AdminTarget, id: number): Promise<{ id: number; requeued: true }> {
  return withStore(
    dataDir,
    async (store) => {
      if (!(await store.requeueMail(id, Date.now()))) throw new CodedError(ErrorCode.BAD_REQUEST, `no given-up mail #${id}`);
      return { id, requeued: true as const };
    },
    { mustExist: true },
  );
}

/**
 * `cytoshare admin --data DIR set-mode premium|enterprise`. Moving from enterprise to premium
 * keeps everyone able to share with whom they already share: each such pair gets a
 * *pre-existing* connection. Returns how many were made.
 */
export function setMode(dataDir: AdminTarget, mode: ServerMode): Promise<{ mode: ServerMode; preExisting: number }> {
  return withStore(dataDir, (store) => changeMode(store, mode));
}

/**
 * The one way a data folder changes mode, whether by the admin command or a server start: the
 * pre-existing connections and the new mode commit together, or nothing changes.
 */
export function changeMode(store: Store, mode: ServerMode): Promise<{ mode: ServerMode; preExisting: number }> {
  return store.transaction(async (tx) => {
    const before = (await tx.getMode()) ?? 'premium';
    let preExisting = 0;
    if (before === 'enterprise' && mode === 'premium') {
      const now = Date.now();
      for (const [a, b] of await tx.sharingPairs()) {
        if (await tx.getConnection(a, b)) continue;
        await tx.saveConnection(a, b, 'pre-existing', now);
        preExisting++;
      }
    }
    await tx.setMode(mode);
    return { mode, preExisting };
  });
}
