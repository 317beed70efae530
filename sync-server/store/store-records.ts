import type { Grant, GrantRole, SharingState } from '../../shared/schemas/entities.ts';
import type { ChainHead, HistoryFields } from '../../shared/audit/history-chain.ts';

/** The records the store keeps, as its port (store.ts) hands them in and out. */
/** `email` is the address in force, which the account has proved; '' while it has proved none. */
export type UserRecord = {
  username: string;
  email: string;
  passwordHash: string;
  staff: boolean;
  createdAt: number;
  /** Set while an admin has disabled the account: it cannot sign in and has no sessions. */
  disabledAt?: number | null;
};
/**
 * An address an account asked for and has not proved yet. The code and the mail link's token
 * are kept only as SHA-256; `codeHash` is null when no code was sent (the address was already
 * another account's).
 */
export type EmailClaimRecord = {
  username: string;
  email: string;
  codeHash: string | null;
  linkHash: string | null;
  expiresAt: number;
  attempts: number;
  createdAt: number;
};
/** `publicId` names the session to its owner (`cytoshare sessions`); it reveals nothing of the token. */
export type SessionRecord = { tokenHash: string; username: string; publicId: string; createdAt: number; expiresAt: number; lastUsedAt: number | null };
/** A session that ended (`tokenHash`), or every session of an account (`tokenHash` null), for servers to close its sockets. */
export type SessionEndRecord = { seq: number; at: number; username: string; tokenHash: string | null };
export type ExperimentRecord = SharingState & { name: string; createdAt: number };
/** What the public catalog shows of an experiment: what every signed-in account may see. */
export type CatalogRow = { id: string; name: string; owner: string; curated: boolean; projectId: string | null; parentId: string | null; createdAt: number };
export type CatalogPageQuery = { words: readonly string[]; curated: boolean; after: { name: string; id: string } | null; limit: number };
export type GrantRecord = Grant & { viewed: boolean };
/** A grant that ends, for the warning its holder gets by mail before the end. */
export type EndingGrant = { experimentId: string; username: string; until: number };
export type AuditRecord = {
  at: number;
  actor: string;
  action: string;
  experimentId: string | null;
  verdict: 'accepted' | 'refused';
  code: string | null;
  detail: unknown;
};
/**
 * Entries to append to experiments' hash-chained histories, with the function that links an
 * entry to its experiment's current head (`nextLink` of shared/audit/history-chain.ts). The
 * adapter reads each head and inserts in the same transaction as the rest of the write, so two
 * writers never chain from the same head; it computes no hash itself.
 */
export type HistoryAppend = { entries: HistoryFields[]; link: (head: ChainHead | null, fields: HistoryFields) => ChainHead };

export type ConnectionStatus = 'connected' | 'pre-existing';
export type ConnectionRecord = { a: string; b: string; status: ConnectionStatus; since: number };
export type ConnectionRequestRecord = {
  id: string;
  fromUser: string;
  toEmail: string;
  status: 'pending' | 'accepted' | 'rejected';
  createdAt: number;
  decidedAt: number | null;
};
/**
 * A share sent with `connect` to someone not connected yet: it waits for the connection, is
 * then decided again by the rules (`done`), or is refused with the reason the sharer sees.
 */
export type WaitingShareRecord = {
  /** The share intent's draft id. */
  id: string;
  experimentId: string;
  sharer: string;
  user: string;
  /**
   * The sharer named them by address. When not, the pending request it sent must not show the
   * sharer that address: a username would otherwise reveal its account's email.
   */
  namedByAddress: boolean;
  notify: boolean;
  message: string | null;
  /** The share's end (`share --until`), carried out with it; absent or null: permanent. */
  until?: number | null;
  status: 'waiting' | 'refused' | 'done';
  code: string | null;
  createdAt: number;
  decidedAt: number | null;
  /** The role the share gives once made (absent: full). */
  role?: GrantRole;
};
export type EmailLinkRecord = { tokenHash: string; requestId: string; action: 'accept' | 'reject'; expiresAt: number; usedAt: number | null };
/** The secret is kept only as SHA-256 (hex); the page compares hashes in constant time. */
export type ReviewLinkRecord = {
  id: string;
  experimentId: string;
  secretHash: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  download: boolean;
  revokedAt: number | null;
};
/**
 * Two-step sign-in of one account. `sealedSecret` is the TOTP secret sealed with the data
 * folder's key (the store never sees it in the clear); `confirmedAt` null: handed out, waiting
 * for its first code; `lastStep`: the last 30-second step whose code was accepted.
 */
export type TotpRecord = {
  username: string;
  sealedSecret: Uint8Array;
  createdAt: number;
  confirmedAt: number | null;
  lastStep: number | null;
  recoveryCodesLeft: number;
};
/** A one-time file ticket kept for every server node (see files/stored-tickets.ts); the ticket itself only as SHA-256. */
export type FileTicketRecord = { hash: string; username: string; sessionHash: string; purpose: string; expiresAt: number };
export type MailRecord = {
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  sentAt: number | null;
  lastError: string | null;
  /** Set once the queue stopped trying: the mail will never be sent. */
  givenUpAt: number | null;
};

/** One throttle counter's place: `scope` names the kind of counter (each kept to its own bound), `key` whose it is. */
export type ThrottleKey = { scope: string; key: string };
/**
 * A throttle counter as written: `state` is the throttle's own JSON (it parses it back), kept until
 * `expiresAt`; one that `holdsDelay` is dropped last when its scope is over its bound.
 */
export type ThrottleRow = { state: string; expiresAt: number; holdsDelay: boolean };
/**
 * Decides, from the live states of the keys (null where none), what to write back for each
 * (null deletes, undefined leaves it as it is) and what to answer. Synchronous: it runs while the
 * keys are held.
 */
export type ThrottleChange<T> = (states: Array<string | null>) => { rows: Array<ThrottleRow | null | undefined>; result: T };
