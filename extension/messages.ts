import { z } from 'zod';
import { AccessLevelSchema, ExperimentId, Gate, PolygonGate, RectGate, SharingState, Username } from '../shared/schemas/entities.ts';
import { ConnectionEntry, WaitingShareEntry } from '../shared/schemas/connection-entry.ts';
import { IntentType, ShareMessage } from '../shared/schemas/intents.ts';
import { intentAction, intentActions, type IntentActions } from '../shared/actions/intent-table.ts';
import { intentRequestSchemas, type IntentRequest } from './intent-messages.ts';
import { SharePerson } from './core/share-people.ts';
import { CurationRequest, PasswordChangeRequest, PreferencesRequest, TotpCodeInput, TotpEnrolment, TotpRecoveryCodes, TotpStatus } from '../shared/schemas/api.ts';
import { ProjectId, ProjectRoleSchema, ProjectState } from '../shared/schemas/project.ts';
import { FileName } from '../shared/schemas/files.ts';
import { Figure, FigureId } from '../shared/schemas/figures.ts';
import { DensityAnswer, DensityQuery } from '../shared/plot/answer.ts';
import { GroupRef, GroupShareAnswer, GroupSummary } from '../shared/schemas/groups.ts';
import { TransferId, TransferList, TransferOfferAnswer, TransferRequest, TransferSummary } from '../shared/schemas/transfers.ts';
import { HistoryAnswer } from '../shared/audit/history-chain.ts';
import { ReviewLinkCreated, ReviewLinkId, ReviewLinkRequest, ReviewLinkSummary } from '../shared/schemas/review-links.ts';
import { DraftSchema } from './core/store.ts';
import { PendingUpload } from './core/upload-queue.ts';
import { LIST_SORTS } from './core/list-order.ts';

/**
 * The one language between the popup / manager page and the background worker, which alone
 * holds the client core. A page sends a `Request` with `runtime.sendMessage` and gets an
 * `Envelope` back; the worker parses every request with `Request` before acting, and the page
 * parses every answer with the schema of its request type, so neither side trusts the other's
 * shape. Live changes flow over a runtime Port named `CHANGES_PORT` as `ChangeMessage`s; a
 * page re-asks for what it shows when one arrives.
 */

// Extension pages and the worker forbid eval by CSP: tell zod not to probe for it at all.
z.config({ jitless: true });

const id = ExperimentId;
const UserRef = z.string().trim().min(2).max(254);
const Filter = z.enum(['all', 'mine', 'shared', 'public', 'curated', 'trash']);

/** Every request but the intents, which intent-messages.ts derives from the intent table. */
const PageRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('state') }),
  /** `code`: the authenticator (or a recovery) code, sent again after the server answered TOTP_REQUIRED. */
  z.strictObject({ type: z.literal('login'), server: z.url(), username: Username, password: z.string().min(1).max(1024), code: TotpCodeInput.optional() }),
  z.strictObject({ type: z.literal('logout') }),
  /** `limit` keeps a page from receiving ten thousand rows it will not show; `total` says how many matched. */
  z.strictObject({
    type: z.literal('list'),
    filter: Filter,
    search: z.string().max(200).optional(),
    limit: z.number().int().positive().max(100_000).optional(),
    ids: z.array(z.string()).max(1000).optional(),
    /** Only the experiments of this project (the manager's per-project filter). */
    projectId: ProjectId.optional(),
    /** By name (natural order) when absent. */
    sort: z.enum(LIST_SORTS).optional(),
  }),
  /** The Inbox: direct shares not yet marked viewed (the first `limit` of them; `state.inbox` counts all). */
  z.strictObject({ type: z.literal('inbox'), limit: z.number().int().positive().max(100_000).optional() }),
  z.strictObject({ type: z.literal('show'), id }),
  /** The experiment as another person would see it (owner and full access only): "View as…". */
  z.strictObject({ type: z.literal('showAs'), id, user: UserRef }),
  /** The Sharing dialog's suggestions (connections, project colleagues) and the shares waiting for a connection. */
  z.strictObject({ type: z.literal('sharePeople') }),
  /** The user's groups, for `@group` suggestions; and sharing with one (or stopping, `unshare`). */
  z.strictObject({ type: z.literal('groups') }),
  z.strictObject({ type: z.literal('shareGroup'), id, group: GroupRef, unshare: z.boolean().optional(), notify: z.boolean().optional(), message: ShareMessage.optional() }),
  /** Transfers of ownership waiting (made by and to the account), and answering one (server-side only). */
  z.strictObject({ type: z.literal('transfers') }),
  /** Offering the experiment (and, with `family`, the linked ones the owner owns) to someone: `cytoshare transfer`. */
  z.strictObject({ type: z.literal('offerTransfer'), id, user: TransferRequest.shape.user, leave: z.boolean().optional(), family: z.boolean().optional() }),
  z.strictObject({ type: z.literal('answerTransfer'), transferId: TransferId, answer: z.enum(['accept', 'decline', 'cancel']) }),
  z.strictObject({ type: z.literal('rename'), id, name: z.string().trim().min(1).max(200) }),
  z.strictObject({ type: z.literal('setTag'), id, file: z.string().min(1).max(255), dimension: z.string().trim().min(1).max(100), value: z.string().max(200) }),
  z.strictObject({ type: z.literal('setPurpose'), id, purpose: z.string().max(5000) }),
  z.strictObject({ type: z.literal('addGate'), id, gate: Gate }),
  /** A gate changed in place (its name, channels or rectangle), written whole under its id. */
  z.strictObject({ type: z.literal('setGate'), id, gateId: z.string().min(1).max(64), gate: Gate }),
  z.strictObject({ type: z.literal('removeGate'), id, gateId: z.string().min(1).max(64) }),
  /** Illustrations (saved figures), written whole under their id. */
  z.strictObject({ type: z.literal('addFigure'), id, figure: Figure }),
  z.strictObject({ type: z.literal('setFigure'), id, figureId: FigureId, figure: Figure }),
  z.strictObject({ type: z.literal('removeFigure'), id, figureId: FigureId }),
  z.strictObject({ type: z.literal('dismiss'), draftId: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal('retry'), draftId: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal('dismissNotice'), id }),
  z.strictObject({ type: z.literal('sync') }),
  z.strictObject({ type: z.literal('connections') }),
  // Projects: the user's list, and one project's people and policy.
  z.strictObject({ type: z.literal('projects') }),
  z.strictObject({ type: z.literal('project'), projectId: ProjectId }),
  z.strictObject({ type: z.literal('curationQueue') }),
  /** The experiment's sharing history with the server's check of its chain (owner, full access, staff). */
  z.strictObject({ type: z.literal('history'), id }),
  /** Reviewer links (server only): the new URL comes back this once; lists never carry secrets. */
  z.strictObject({ type: z.literal('createReviewLink'), id, request: ReviewLinkRequest }),
  z.strictObject({ type: z.literal('reviewLinks'), id }),
  z.strictObject({ type: z.literal('revokeReviewLink'), id, linkId: ReviewLinkId }),
  /**
   * Files. The page uploads the bytes itself (for its progress bar) to the one-time URL the
   * worker asks the server for, so the session token never leaves the worker. A download comes
   * back as base64, since runtime messages carry JSON only.
   */
  z.strictObject({ type: z.literal('uploadTicket'), id, name: FileName }),
  z.strictObject({ type: z.literal('download'), id, fileId: z.string().min(1).max(64) }),
  /** A density plot computed by the server, for those who may view but not download the file. */
  z.strictObject({ type: z.literal('density'), id, fileId: z.string().min(1).max(64), query: DensityQuery }),
  /** Brings one experiment's replica up to date now (after an upload the server wrote into it). */
  z.strictObject({ type: z.literal('refresh'), id }),
  /** The account's address: proved or not, and any address waiting for its mailed code. */
  z.strictObject({ type: z.literal('address') }),
  z.strictObject({ type: z.literal('verifyEmail'), code: z.string().trim().min(1).max(64) }),
  /** A new address, or the pending one again for a fresh code (the old code is then void). */
  z.strictObject({ type: z.literal('changeEmail'), email: z.email().max(254) }),
  // The settings page: the account as the server sees it, mail preferences, the password.
  z.strictObject({ type: z.literal('settings') }),
  z.strictObject({ type: z.literal('setPreferences'), ...PreferencesRequest.shape }),
  z.strictObject({ type: z.literal('changePassword'), ...PasswordChangeRequest.shape }),
  // Two-step sign-in (the settings page): the secret comes back once, from totpEnable.
  z.strictObject({ type: z.literal('totpStatus') }),
  z.strictObject({ type: z.literal('totpEnable'), password: z.string().min(1).max(1024) }),
  z.strictObject({ type: z.literal('totpConfirm'), code: TotpCodeInput }),
  z.strictObject({ type: z.literal('totpDisable'), password: z.string().min(1).max(1024), code: TotpCodeInput }),
  /**
   * A page changed the kept uploads (upload-queue.ts): the bytes are written by the page, which
   * alone holds them, into the account's database; the worker tells every page to look again.
   */
  z.strictObject({ type: z.literal('uploadsChanged') }),
]);

/**
 * Every request: the pages' own, and one per intent (extension/intent-messages.ts). The intent
 * requests' static type comes from the intent table, so it is declared rather than inferred.
 */
export const Request = z.discriminatedUnion('type', [...PageRequest.options, ...intentRequestSchemas]);
export type Request = z.infer<typeof PageRequest> | IntentRequest;
export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

export const Draft = DraftSchema;
export type Draft = z.infer<typeof Draft>;

export const Status = z.enum(['offline', 'connecting', 'online', 'syncing', 'signed-out']);
/*
 * Answers are parsed with plain (stripping) objects: the core's types grow as issues land, and
 * a field this UI does not know yet must not make a whole answer unreadable.
 */
export const Account = z.object({ server: z.string(), username: Username, email: z.string(), staff: z.boolean() });
export type Account = z.infer<typeof Account>;

/** An experiment the user lost access to while away: shown once, then dismissed. */
export const Notice = z.strictObject({ id: z.string(), name: z.string(), code: z.string() });
export type Notice = z.infer<typeof Notice>;

export const State = z.strictObject({
  account: Account.nullable(),
  /** Premium servers need a connection before sharing; enterprise servers have none. */
  mode: z.enum(['premium', 'enterprise']).nullable(),
  status: Status,
  drafts: z.array(Draft),
  inbox: z.number().int().nonnegative(),
  notices: z.array(Notice),
  /** Ids of waiting drafts on their way to the server now. */
  sending: z.array(z.string()).default([]),
  /** FCS files kept in this browser until the server takes them. */
  uploads: z.array(PendingUpload).default([]),
});
export type State = z.infer<typeof State>;

export const Row = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  access: AccessLevelSchema,
  public: z.boolean(),
  curated: z.boolean(),
  projectId: z.string().nullable(),
  parentId: z.string().nullable(),
  sharedWithOthers: z.boolean(),
  isNew: z.boolean(),
  /** Created or cloned here, not yet decided by the server. */
  pending: z.literal(true).optional(),
  /** The name is a rename not yet decided by the server. */
  pendingName: z.literal(true).optional(),
  /** When its content last changed; older workers do not send it. */
  changedAt: z.number().nullable().optional(),
});
export type Row = z.infer<typeof Row>;

export const View = z.object({
  ...SharingState.omit({ grants: true }).shape,
  name: z.string(),
  purpose: z.string(),
  tags: z.array(z.object({ file: z.string(), dimension: z.string(), value: z.string() })),
  gates: z.array(z.union([z.object({ ...RectGate.shape, id: z.string() }), z.object({ ...PolygonGate.shape, id: z.string() })])),
  /** Saved figures; older cores do not send them. */
  figures: z.array(z.object({ ...Figure.shape, id: z.string() })).optional(),
  /** Why each person has access: owner, direct, or through a project (newer servers may add more). */
  access: z.array(z.object({
    user: z.string(), via: z.string(),
    /** Through a group: its name. */
    group: z.string().optional(),
    role: z.string().optional(), level: z.enum(['full', 'restricted']).optional(),
    /** Why, in words, strongest source first; only for those who may ask (owner, full access). */
    why: z.string().optional(),
    rights: z.object({ download: z.boolean(), illustrate: z.boolean(), clone: z.enum(['disabled', 'files-only', 'full']) }).optional(),
    /** A direct share that ends: when (ms since the epoch). */
    until: z.number().optional(),
  })),
  can: z.object({
    edit: z.boolean(), manageSharing: z.boolean(), clone: z.boolean(), download: z.boolean(),
    // Older cores do not send these; a page reads a missing one as "no".
    cloneFiles: z.boolean().optional(), illustrate: z.boolean().optional(), trash: z.boolean().optional(),
  }),
  /** The FCS files as the server recorded them; older cores do not send them. */
  files: z.array(z.object({
    id: z.string(), name: z.string(), events: z.number(), size: z.number(),
    channels: z.array(z.object({ name: z.string(), label: z.string().nullable() })).optional(),
  })).optional(),
  family: z.array(z.string()),
  /** Fields an edit waiting for the server wrote; absent when none. */
  pendingFields: z.object({
    name: z.boolean(), purpose: z.boolean(),
    tags: z.array(z.object({ file: z.string(), dimension: z.string() })),
    gates: z.array(z.string()),
  }).optional(),
});
export type View = z.infer<typeof View>;

/** "View as…": why the person has access, what is hidden from them, and the experiment as their client shows it. */
export const AccessPreview = z.object({
  user: z.string(),
  access: AccessLevelSchema,
  sources: z.array(z.object({ via: z.string(), role: z.string(), level: z.string(), detail: z.string() })),
  decidedBy: z.string().nullable(),
  hidden: z.array(z.string()),
  view: View.nullable(),
});
export type AccessPreview = z.infer<typeof AccessPreview>;

const Created = z.strictObject({ id: z.string(), draft: Draft });
const Address = z.object({ email: z.string(), emailVerified: z.boolean(), pendingEmail: z.string().nullable() });
const Nothing = z.null();
/** The settings page's view of the account: the server signed in to, the address, the mail preferences. */
export const Settings = z.object({
  server: z.string(),
  username: z.string(),
  ...Address.shape,
  shareEmails: z.boolean(),
  /** The server requires two-step sign-in and this account has not set it up: nothing else works until it does. */
  totpEnrolmentRequired: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

/** What each intent request answers: its draft, with the new id for one that creates something. */
type IntentResponses = { [T in IntentType as IntentActions[T]['message']]: IntentActions[T] extends { makes: string } ? typeof Created : typeof Draft };
const intentResponses = Object.fromEntries(
  Object.values(IntentType).map((type) => [intentActions[type].message, intentAction(type).makes ? Created : Draft]),
) as IntentResponses;

/** What each request answers when it succeeds. */
export const responseSchemas = {
  ...intentResponses,
  state: State,
  login: Account,
  logout: Nothing,
  list: z.strictObject({ rows: z.array(Row), total: z.number().int().nonnegative() }),
  inbox: z.array(Row),
  show: View,
  showAs: AccessPreview,
  sharePeople: z.strictObject({ people: z.array(SharePerson), waiting: z.array(WaitingShareEntry) }),
  groups: z.array(GroupSummary),
  shareGroup: GroupShareAnswer,
  transfers: TransferList,
  offerTransfer: TransferOfferAnswer,
  answerTransfer: TransferSummary,
  rename: Draft,
  setTag: Draft,
  setPurpose: Draft,
  addGate: Created,
  setGate: Draft,
  removeGate: Draft,
  addFigure: Created,
  setFigure: Draft,
  removeFigure: Draft,
  dismiss: Nothing,
  retry: Draft,
  dismissNotice: Nothing,
  sync: Nothing,
  connections: z.array(ConnectionEntry),
  projects: z.array(z.object({ id: z.string(), name: z.string(), role: ProjectRoleSchema })),
  project: ProjectState.nullable(),
  curationQueue: z.array(CurationRequest),
  history: HistoryAnswer,
  createReviewLink: ReviewLinkCreated,
  reviewLinks: z.array(ReviewLinkSummary),
  revokeReviewLink: Nothing,
  uploadTicket: z.strictObject({ url: z.string(), expiresAt: z.number() }),
  download: z.strictObject({ name: z.string(), url: z.string().url() }),
  density: DensityAnswer,
  refresh: Nothing,
  address: Address,
  verifyEmail: Address,
  changeEmail: Address,
  settings: Settings,
  setPreferences: z.object({ shareEmails: z.boolean() }),
  changePassword: z.object({ endedSessions: z.number().int().nonnegative() }),
  totpStatus: TotpStatus,
  totpEnable: TotpEnrolment,
  totpConfirm: TotpRecoveryCodes,
  totpDisable: z.object({ enabled: z.boolean() }),
  uploadsChanged: Nothing,
} satisfies Record<RequestType, z.ZodType>;
export type ResponseOf<T extends RequestType> = z.infer<(typeof responseSchemas)[T]>;

/** Every answer: the value, or a stable code (shared/codes.ts) with the core's message. */
export const Envelope = z.union([
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);
export type Envelope = z.infer<typeof Envelope>;

export const CHANGES_PORT = 'cytoshare-changes';

export const ChangeMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('status'), status: Status }),
  z.strictObject({ type: z.literal('list') }),
  z.strictObject({ type: z.literal('experiment'), experimentId: z.string() }),
  z.strictObject({ type: z.literal('drafts') }),
  z.strictObject({ type: z.literal('sending') }),
  z.strictObject({ type: z.literal('removed'), experimentId: z.string(), code: z.string() }),
  z.strictObject({ type: z.literal('account') }),
  /** A kept upload the worker is sending (background/upload-sender.ts): started, then done. */
  z.strictObject({ type: z.literal('upload'), uploadId: z.string(), experimentId: z.string(), name: z.string(), loaded: z.number(), total: z.number(), done: z.boolean() }),
]);
export type ChangeMessage = z.infer<typeof ChangeMessage>;

/** From a page over the same Port: every experiment it shows now (the worker keeps them live). */
export const WatchMessage = z.strictObject({ type: z.literal('watch'), ids: z.array(ExperimentId).max(100) });
export type WatchMessage = z.infer<typeof WatchMessage>;

/** An error a page raises from a refused envelope, keeping the code for `describe`. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
