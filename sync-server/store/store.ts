import type { Grant, ServerMode, SharingState } from '../../shared/schemas/entities.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';

/**
 * The data-access port of the server. Every method is async so a PostgreSQL adapter can sit
 * behind the same interface; the embedded SQLite adapter answers synchronously underneath.
 * Callers never build SQL: adding a backend means implementing this interface once.
 */
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
export type GrantRecord = Grant & { viewed: boolean };
export type AuditRecord = {
  at: number;
  actor: string;
  action: string;
  experimentId: string | null;
  verdict: 'accepted' | 'refused';
  code: string | null;
  detail: unknown;
};

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

export interface Store {
  close(): Promise<void>;

  getMode(): Promise<ServerMode | null>;
  setMode(mode: ServerMode): Promise<void>;

  countUsers(): Promise<number>;
  addUser(user: UserRecord): Promise<void>;
  /** By username, or by address: an address finds only the account that proved it. */
  findUser(usernameOrEmail: string): Promise<UserRecord | null>;

  /** One claim per account; saving replaces the account's previous one. */
  saveEmailClaim(claim: EmailClaimRecord): Promise<void>;
  emailClaimOf(username: string): Promise<EmailClaimRecord | null>;
  emailClaimByLink(linkHash: string): Promise<EmailClaimRecord | null>;
  /** Counts one try of a code against the account's claim; returns the tries so far (0: no claim). */
  countEmailClaimAttempt(username: string): Promise<number>;
  deleteEmailClaim(username: string): Promise<void>;
  /**
   * Counts one code mail caused by `username` if fewer than `max` were in its current window of
   * `windowMs` (a window starts at its first mail); false, counting nothing, when the budget is spent.
   */
  takeCodeMail(username: string, now: number, windowMs: number, max: number): Promise<boolean>;
  /** The same budget per recipient (by the SHA-256 of its address), whichever accounts caused the mails. */
  takeMailTo(addressHash: string, now: number, windowMs: number, max: number): Promise<boolean>;
  /**
   * Makes `email` the account's address and drops every claim on it, atomically; false (and no
   * change) if another account has proved it meanwhile.
   */
  proveEmail(username: string, email: string): Promise<boolean>;

  addSession(session: SessionRecord): Promise<void>;
  findSession(tokenHash: string): Promise<SessionRecord | null>;
  /** Ends one session and records the end (see `sessionEndsSince`). */
  deleteSession(tokenHash: string): Promise<void>;

  /** The account's sessions, oldest first. */
  sessionsOf(username: string): Promise<SessionRecord[]>;
  /** Records that the session was used at `at` (callers call it rarely: it is a write). */
  touchSession(tokenHash: string, at: number): Promise<void>;
  /** Ends every session of the account but `keepTokenHash`, records each end; returns the ended token hashes. */
  deleteSessionsOf(username: string, keepTokenHash: string | null, at: number): Promise<string[]>;
  setPasswordHash(username: string, passwordHash: string): Promise<void>;
  /** Disables (`at`) or enables (null) an account; disabling ends all its sessions and records the end. False if no such user. */
  setDisabled(username: string, at: number | null): Promise<boolean>;
  /**
   * Session ends recorded after `seq`, oldest first: how a server notices sessions ended by
   * `cytoshare admin` (which writes the data folder directly) or by another server node.
   */
  sessionEndsSince(seq: number, limit: number): Promise<SessionEndRecord[]>;
  lastSessionEnd(): Promise<number>;
  /** Forgets session ends recorded before `at`. */
  pruneSessionEnds(before: number): Promise<void>;

  getExperiment(id: string): Promise<ExperimentRecord | null>;
  /** The experiment and every experiment linked to it through parent links, transitively. */
  getFamily(id: string): Promise<ExperimentRecord[]>;
  grantsOf(experimentId: string): Promise<Record<string, GrantRecord>>;
  /** Writes the new sharing state of several experiments in one transaction. */
  saveExperiments(records: ExperimentRecord[]): Promise<void>;
  setName(experimentId: string, name: string): Promise<void>;
  setViewed(experimentId: string, username: string): Promise<void>;
  /** Experiment ids the user owns or holds a grant on (what their index document lists). */
  experimentsOf(username: string): Promise<string[]>;
  publicExperiments(): Promise<string[]>;

  loadUpdates(doc: string): Promise<{ updates: Uint8Array[]; lastSeq: number }>;
  /** Names of the stored documents that start with `prefix` (journaled updates not included). */
  storedDocNames(prefix: string): Promise<string[]>;
  appendUpdate(doc: string, update: Uint8Array): Promise<number>;
  /** Replaces every update of `doc` up to `uptoSeq` by one merged state, atomically. */
  compact(doc: string, state: Uint8Array, uptoSeq: number): Promise<void>;

  clientOwners(clientIds: number[]): Promise<Map<number, string>>;
  registerClients(clientIds: number[], username: string): Promise<void>;

  /** The stored answer to an intent, so a resent draft gets the same verdict. */
  findIntentResult(username: string, draftId: string): Promise<string | null>;
  saveIntentResult(username: string, draftId: string, resultJson: string, audit: AuditRecord): Promise<void>;
  audit(record: AuditRecord): Promise<void>;
  auditLog(limit: number): Promise<AuditRecord[]>;

  /** Connections are stored once per pair, with `a < b`; callers pass the pair in any order. */
  connectionsOf(username: string): Promise<ConnectionRecord[]>;
  getConnection(x: string, y: string): Promise<ConnectionRecord | null>;
  saveConnection(x: string, y: string, status: ConnectionStatus, since: number): Promise<void>;
  deleteConnection(x: string, y: string): Promise<void>;
  /** Experiments on which both users are the owner or a grantee. */
  sharedExperimentCount(x: string, y: string): Promise<number>;
  /** Every pair of distinct users who are both on some experiment. */
  sharingPairs(): Promise<Array<[string, string]>>;

  saveRequest(request: ConnectionRequestRecord): Promise<void>;
  getRequest(id: string): Promise<ConnectionRequestRecord | null>;
  /** Pending requests from `fromUser`, and those addressed to `toEmail`. */
  pendingRequests(filter: { fromUser?: string; toEmail?: string }): Promise<ConnectionRequestRecord[]>;
  saveEmailLink(link: EmailLinkRecord): Promise<void>;
  getEmailLink(tokenHash: string): Promise<EmailLinkRecord | null>;
  /** Marks the link used; false if it was used already (each link works once). */
  useEmailLink(tokenHash: string, at: number): Promise<boolean>;

  shareEmailsEnabled(username: string): Promise<boolean>;
  setShareEmails(username: string, enabled: boolean): Promise<void>;

  getProject(id: string): Promise<ProjectState | null>;
  /** Writes the project's name, policy and whole member list in one transaction. */
  saveProject(project: ProjectState, createdAt: number): Promise<void>;
  projectsOf(username: string): Promise<ProjectState[]>;
  projectExperiments(projectId: string): Promise<string[]>;
  sharedProjectCount(x: string, y: string): Promise<number>;
  /** Deletes an experiment for good: its row, grants, document and curation request. */
  deleteExperiment(id: string): Promise<void>;
  requestCuration(experimentId: string, username: string, at: number): Promise<void>;
  curationQueue(): Promise<Array<{ experimentId: string; name: string; owner: string; requestedBy: string; requestedAt: number }>>;
  clearCurationRequest(experimentId: string): Promise<void>;

  enqueueMail(mail: { to: string; subject: string; text: string; html: string | null; at: number }): Promise<number>;
  dueMail(now: number, limit: number): Promise<MailRecord[]>;
  markMailSent(id: number, at: number): Promise<void>;
  markMailFailed(id: number, nextAttemptAt: number, error: string): Promise<void>;
  /** Records a last failed attempt after which the mail is never tried again. */
  markMailGivenUp(id: number, at: number, error: string): Promise<void>;
  /** Mail still to be sent (not sent, not given up). */
  pendingMailCount(): Promise<number>;
  /** Mail given up on, newest first. */
  undeliverableMail(limit: number): Promise<MailRecord[]>;
  /** Puts a given-up mail back in the queue, due at `at`, its age counted from then; false if `id` is not one. */
  requeueMail(id: number, at: number): Promise<boolean>;

  // Reviewer links (secret read-only pages of one experiment)
  saveReviewLink(link: ReviewLinkRecord): Promise<void>;
  findReviewLink(id: string): Promise<ReviewLinkRecord | null>;
  /** Newest first. */
  reviewLinksOf(experimentId: string): Promise<ReviewLinkRecord[]>;
  /** Sets `revokedAt` once; false if the link is unknown or already revoked. */
  revokeReviewLink(id: string, at: number): Promise<boolean>;

  // Two-step sign-in (TOTP)
  totpOf(username: string): Promise<TotpRecord | null>;
  /** Saves a new secret waiting for its first code, replacing a waiting one; false (no change) if the account's is confirmed. */
  startTotp(username: string, sealedSecret: Uint8Array, at: number): Promise<boolean>;
  /** Switches the waiting secret on, with `step` as used and these recovery code hashes (replacing any); false if none was waiting. */
  confirmTotp(username: string, step: number, recoveryHashes: string[], at: number): Promise<boolean>;
  /** Takes `step` as used if it is later than the last one taken (atomically); false for a replay or no confirmed secret. */
  useTotpStep(username: string, step: number): Promise<boolean>;
  /** Marks an unused recovery code used; false if it is not one of the account's or was used. */
  useRecoveryCode(username: string, codeHash: string, at: number): Promise<boolean>;
  /** Forgets the account's secret and recovery codes; false if it had none. */
  deleteTotp(username: string): Promise<boolean>;
  /** Whether every account must use two-step sign-in (server-wide, set by `cytoshare admin require-totp`). */
  totpRequired(): Promise<boolean>;
  setTotpRequired(on: boolean): Promise<void>;
}
