import type { ServerMode } from '../../shared/schemas/entities.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { GroupRecord } from '../../shared/schemas/groups.ts';
import type { TransferRecord, TransferStatus } from '../../shared/schemas/transfers.ts';
import type { ChainHead, HistoryEntry } from '../../shared/audit/history-chain.ts';
import type { UserRecord, EmailClaimRecord, SessionRecord, SessionEndRecord, ExperimentRecord, CatalogRow, CatalogPageQuery, GrantRecord, EndingGrant, AuditRecord, HistoryAppend, ConnectionStatus, ConnectionRecord, ConnectionRequestRecord, WaitingShareRecord, EmailLinkRecord, ReviewLinkRecord, TotpRecord, FileTicketRecord, MailRecord, ThrottleKey, ThrottleChange } from './store-records.ts';

export type * from './store-records.ts';

/**
 * The data-access port of the server, in three parts: the relational records (`StoreTx`), which
 * a unit of work reads and writes atomically (`Store.transaction`); the log of document updates
 * (`UpdateLog`), on its own hot path; and the store's life cycle. Adapters: the embedded SQLite
 * file (`sqlite-store.ts`, the default) and PostgreSQL (`pg-store.ts`, `--database URL`), both held
 * to one contract suite (test/integration/store-contract-*.test.ts). Callers never build SQL.
 *
 * A new method goes into `StoreTx` (or `UpdateLog` for document updates) and into each adapter;
 * the contract suite is where its behaviour is pinned for both.
 */
export interface Store extends StoreTx, UpdateLog {
  close(): Promise<void>;
  /**
   * How server nodes sharing this database hear of each other's changes; null when the store
   * serves one process only (the embedded SQLite file), where nothing needs telling.
   */
  readonly bus: NodeBus | null;
  /**
   * Runs `work` holding the lock named `name` against every other holder, in this process or
   * another one sharing the database (a server node, a tool). The SQLite adapter has one
   * process, whose callers take turns themselves: it runs `work` at once.
   */
  lockNamed<T>(name: string, work: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` as one unit of work: everything it reads and writes through `tx` commits
   * together, or, if it throws, nothing of it does (the error comes back). `work` must use only
   * `tx`: a call on the store itself, or on anything that waits for the store (a room), may wait
   * for this unit of work to end (the SQLite adapter has one connection) and never return.
   * Keep it short: it holds a connection, and on SQLite every other caller waits.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
}

/**
 * What server nodes tell each other: a document's update committed (sent by the update log
 * itself on every append, carrying no update: nodes read it back by sequence), the readers of a
 * document must be checked again (sharing, project members or connections changed), or, after
 * the bus lost its connection, that anything may have been missed.
 */
export type NodeEvent = { t: 'doc'; doc: string; seq: number } | { t: 'access'; doc: string } | { t: 'missed' };

export interface NodeBus {
  /** Tells the other nodes; a node never hears its own events. */
  publish(event: { t: 'access'; doc: string }): Promise<void>;
  /** Hears the other nodes' events, and `missed` after a reconnection. */
  subscribe(listener: (event: NodeEvent) => void): void;
  /**
   * Tells the other nodes what a reader said in a document's presence (already checked here);
   * never stored, so a node not listening misses it, as a socket would. Each state must be at
   * most `PRESENCE_STATE_BYTES` (store/pg-node-bus.ts) to fit a notice.
   */
  publishPresence(presence: PresenceNotice): Promise<void>;
  subscribePresence(listener: (presence: PresenceNotice) => void): void;
}

/** Presence entries of one reader (`user`, bound by the node that checked them) in document `doc`; `json` is 'null' for a client that left. */
export type PresenceNotice = { doc: string; user: string; entries: Array<{ clientID: number; clock: number; json: string }> };

/** One document's updates while `UpdateLog.lockDocument` holds it. */
export interface DocumentLog {
  /** Appends one update of the locked document, durably; returns its sequence number. */
  append(update: Uint8Array): Promise<number>;
}

/**
 * What a catch-up needs of a compaction's snapshot without reading it: the state vector its
 * structs reach (a snapshot holds every client's structs from clock 0) and its deletions alone
 * (an update with no structs), or null when it deletes nothing.
 */
export interface SnapshotSummary {
  clocks: Uint8Array;
  deletes: Uint8Array | null;
}

/**
 * One stored row as a catch-up reads it: a summarised snapshot comes without its bytes (read
 * them with `loadUpdates` only if the summary does not answer); any other update comes whole.
 */
export type CatchUpRow =
  | { seq: number; bytes: number; data: null; summary: SnapshotSummary }
  | { seq: number; bytes: number; data: Uint8Array; summary: null };

/**
 * The document updates. Sequence numbers increase in the order appends complete, across every
 * document; a document's updates load in that order.
 */
export interface UpdateLog {
  loadUpdates(doc: string): Promise<{ updates: Uint8Array[]; lastSeq: number }>;
  /**
   * The document's updates stored after `seq`, in order, and the last one's sequence number
   * (`seq` when there is none): how a node catches up with what other nodes appended. A
   * compaction's merged state counts as one update after the ones it replaced.
   */
  updatesSince(doc: string, seq: number): Promise<{ updates: Uint8Array[]; lastSeq: number }>;
  /** Names of the stored documents that start with `prefix`. */
  storedDocNames(prefix: string): Promise<string[]>;
  appendUpdate(doc: string, update: Uint8Array): Promise<number>;
  /**
   * Replaces every update of `doc` up to `uptoSeq` by one merged state, atomically, kept with
   * its summary when given (the state is then the whole document, from clock 0).
   */
  compact(doc: string, state: Uint8Array, uptoSeq: number, summary?: SnapshotSummary): Promise<void>;
  /**
   * Replaces every update of `doc` up to `uptoSeq` except the row `keepSeq` (its snapshot) by
   * `state`, atomically; nothing when no such row is left (another node compacted, or the
   * document was deleted).
   */
  compactTail(doc: string, keepSeq: number, state: Uint8Array, uptoSeq: number): Promise<void>;
  /** The document's stored rows in order, snapshots with a summary by that summary alone. */
  catchUpRows(doc: string): Promise<CatchUpRow[]>;
  /** Deletes every update of `doc` (a document deleted for good). */
  deleteDocument(doc: string): Promise<void>;
  /**
   * Runs `work` holding `doc` against every other holder, in this process or another one sharing
   * the database: what `work` checks against the document and appends through `log` is not
   * interleaved with another server's. Appends through `log` are durable when they return (so
   * they may be relayed at once).
   */
  lockDocument<T>(doc: string, work: (log: DocumentLog) => Promise<T>): Promise<T>;
}

/** What a unit of work may read and write: every relational record of the store. */
export interface StoreTx {
  getMode(): Promise<ServerMode | null>;
  setMode(mode: ServerMode): Promise<void>;
  /**
   * The server secret named `name` (base64), stored as `fresh` by whoever asks first: every server
   * node on a database signs with one key (mailed share links work whichever node opens them).
   */
  sharedSecret(name: string, fresh: string): Promise<string>;

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
  /** Marks the user's direct grant of the experiment viewed, and each group share of it that reaches them. */
  setViewed(experimentId: string, username: string): Promise<void>;
  /** Experiment ids the user owns or holds a grant on (what their index document lists). */
  experimentsOf(username: string): Promise<string[]>;
  publicExperiments(): Promise<string[]>;
  /**
   * One page of the public catalog (public, not trashed), ordered by name then id; `after` is the
   * (name, id) of the last row of the previous page. Every word of `search` must occur in the
   * name or the owner (case ignored); `curated` keeps only curated ones.
   */
  publicCatalogPage(query: CatalogPageQuery): Promise<CatalogRow[]>;

  clientOwners(clientIds: number[]): Promise<Map<number, string>>;
  registerClients(clientIds: number[], username: string): Promise<void>;

  /** The stored answer to an intent, so a resent draft gets the same verdict. */
  findIntentResult(username: string, draftId: string): Promise<string | null>;
  /** With `history`, the experiments' history entries are appended in the same transaction. */
  saveIntentResult(username: string, draftId: string, resultJson: string, audit: AuditRecord, history?: HistoryAppend): Promise<void>;
  /** Appends history entries made by the server itself (a share that ended, an embargo lifted), in one transaction. */
  appendHistory(history: HistoryAppend): Promise<void>;
  /** An experiment's history, oldest first, exactly as stored. */
  experimentHistory(experimentId: string): Promise<HistoryEntry[]>;
  /** At most `limit` entries of an experiment's history after sequence number `afterSeq`, oldest first, exactly as stored. */
  experimentHistoryPage(experimentId: string, afterSeq: number, limit: number): Promise<HistoryEntry[]>;
  /**
   * The newest entry of an experiment's history the server has found chained, link by link, to
   * entry 1 (null: none checked yet), so a later check starts from it instead of entry 1.
   */
  historyCheckpoint(experimentId: string): Promise<ChainHead | null>;
  /** Moves the checkpoint on to `head`; one already at or past `head.seq` stays (another node checked further). */
  advanceHistoryCheckpoint(experimentId: string, head: ChainHead): Promise<void>;
  audit(record: AuditRecord): Promise<void>;
  auditLog(limit: number): Promise<AuditRecord[]>;

  /** Connections are stored once per pair, with `a < b`; callers pass the pair in any order. */
  connectionsOf(username: string): Promise<ConnectionRecord[]>;
  getConnection(x: string, y: string): Promise<ConnectionRecord | null>;
  saveConnection(x: string, y: string, status: ConnectionStatus, since: number): Promise<void>;
  deleteConnection(x: string, y: string): Promise<void>;
  /** Experiments on which both users are the owner, a grantee or a member of a group shared with it. */
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

  /** Inserts or replaces the waiting share with this id. */
  saveWaitingShare(share: WaitingShareRecord): Promise<void>;
  /** Waiting and refused shares (not done) by `sharer` and/or to `user`, oldest first. */
  waitingShares(filter: { sharer?: string; user?: string }): Promise<WaitingShareRecord[]>;

  shareEmailsEnabled(username: string): Promise<boolean>;
  setShareEmails(username: string, enabled: boolean): Promise<void>;

  getProject(id: string): Promise<ProjectState | null>;
  /** Writes the project's name, policy and whole member list in one transaction. */
  saveProject(project: ProjectState, createdAt: number): Promise<void>;
  projectsOf(username: string): Promise<ProjectState[]>;
  projectExperiments(projectId: string): Promise<string[]>;
  sharedProjectCount(x: string, y: string): Promise<number>;
  /** Deletes an experiment's records for good: its row, grants and curation request (its document: `UpdateLog.deleteDocument`). */
  deleteExperiment(id: string): Promise<void>;
  requestCuration(experimentId: string, username: string, at: number): Promise<void>;
  curationQueue(): Promise<Array<{ experimentId: string; name: string; owner: string; requestedBy: string; requestedAt: number }>>;
  clearCurationRequest(experimentId: string): Promise<void>;

  enqueueMail(mail: { to: string; subject: string; text: string; html: string | null; at: number }): Promise<number>;
  dueMail(now: number, limit: number): Promise<MailRecord[]>;
  /**
   * Takes a due mail for one sender: moves its next attempt to `until` if it is still due at
   * `now`, unsent and not given up; false when another sender took it first (each mail is sent
   * once by one of several server nodes). A sender that dies leaves it due again at `until`.
   */
  claimMail(id: number, now: number, until: number): Promise<boolean>;
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

  /**
   * Keeps a file ticket if the account holds fewer than `max` unexpired ones at `now` (expired
   * ones are forgotten first); false, keeping nothing, otherwise.
   */
  issueFileTicket(ticket: FileTicketRecord, max: number, now: number): Promise<boolean>;
  /** Takes a ticket once: removes it and returns it, or null if unknown, taken already or expired at `now`. */
  redeemFileTicket(hash: string, now: number): Promise<FileTicketRecord | null>;

  /**
   * Login and sign-up throttle counters shared by every node on the database (a guesser spreading
   * tries over nodes gets one budget): reads the live (unexpired at `now`) state of each key,
   * lets `change` decide, and writes back what it returns, atomically against every other caller
   * of these keys on any node. Each scope written to keeps at most `maxRows` rows: the expired go
   * first, then those not holding a delay, least recently written first; never the keys just
   * written. Holds no password or token (keys are usernames and client addresses).
   */
  updateThrottle<T>(keys: ThrottleKey[], now: number, maxRows: number, change: ThrottleChange<T>): Promise<T>;

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

  // Groups (sync-server/store/sqlite-groups.ts, pg-groups.ts). A group's owner is one of its
  // members; a group shared with an experiment is one row, read back into `SharingState.groups`
  // by `getExperiment` and `getFamily` with the group's members as they are now.
  /** Stores a new group with its members (the owner among them). */
  createGroup(group: GroupRecord): Promise<void>;
  getGroup(id: string): Promise<GroupRecord | null>;
  /** Groups the user owns or belongs to, by name. */
  groupsOf(username: string): Promise<GroupRecord[]>;
  ownedGroupCount(username: string): Promise<number>;
  /** Adds (`member` true) or removes a member; false when that changed nothing. */
  setGroupMember(groupId: string, username: string, member: boolean, at: number): Promise<boolean>;
  /** Deletes the group, its members and every share with it. */
  deleteGroup(id: string): Promise<void>;
  saveGroupGrant(experimentId: string, groupId: string, by: string, at: number): Promise<void>;
  /** False if the experiment was not shared with the group. */
  deleteGroupGrant(experimentId: string, groupId: string): Promise<boolean>;
  /** Experiments shared with the group. */
  groupExperiments(groupId: string): Promise<string[]>;
  /** Who marked each group share of the experiment viewed (the Inbox), by group id. */
  groupShareViews(experimentId: string): Promise<Record<string, string[]>>;

  // Access that ends and embargoes (shared/rules/expiry.ts; applied by effects/expiry-timer.ts)
  /**
   * The earliest instant something is due: a grant's end, an unwarned grant's warning (its end
   * less `warnAheadMs`), an embargo's date; null if nothing is pending.
   */
  nextSharingDeadline(warnAheadMs: number): Promise<number | null>;
  /** Experiments with a grant ended or an embargo due at `now`, at most `limit`, earliest first. */
  dueSharing(now: number, limit: number): Promise<string[]>;
  /** Grants not yet warned about that end after `now` and at or before `before`, at most `limit`, earliest first. */
  grantsToWarn(now: number, before: number, limit: number): Promise<EndingGrant[]>;
  /** Records the warning of this grant's end; false if it was warned already or its end has changed since. */
  markGrantWarned(grant: EndingGrant, at: number): Promise<boolean>;

  // Offers of ownership (shared/rules/transfer.ts; sqlite-transfers.ts, pg-transfers.ts)
  /** Stores a new pending offer; a second pending offer naming the same experiment throws. */
  saveTransfer(transfer: TransferRecord): Promise<void>;
  getTransfer(id: string): Promise<TransferRecord | null>;
  /** Pending offers by `giver` and/or to `receiver`, oldest first (none without a filter). */
  pendingTransfers(filter: { giver?: string; receiver?: string }): Promise<TransferRecord[]>;
  /** Closes a pending offer as accepted, declined or cancelled; false (no change) if it was not pending. */
  decideTransfer(id: string, status: Exclude<TransferStatus, 'pending'>, at: number): Promise<boolean>;
}
