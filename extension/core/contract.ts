import type { AccessRow } from '../../shared/rules/access.ts';
import type { ExperimentContent } from '../../shared/doc-layout.ts';
import type { Gate, GrantRole, SharingState } from '../../shared/schemas/entities.ts';
import type { IndexEntry } from '../../shared/schemas/index-entry.ts';
import type { IntentPayload } from '../../shared/actions/intent-table.ts';
import type { Intent, IntentType } from '../../shared/schemas/intents.ts';
import type { ConnectionEntry } from '../../shared/schemas/connection-entry.ts';

/**
 * The client core's public face: what the CLI and the extension's background worker call. The
 * popup and manager page never see this object; they reach it through typed runtime messages.
 *
 * Every action runs the shared rules on the local replica first: a refused action throws a
 * `RuleRefusal` and records nothing. An allowed action records a draft and returns at once;
 * `sync()` (or the live connection) delivers it and settles it as accepted or rejected.
 */

export const DraftState = { pending: 'pending', accepted: 'accepted', rejected: 'rejected' } as const;
export type DraftState = (typeof DraftState)[keyof typeof DraftState];

type DraftBase = {
  id: string;
  /** The experiment the draft concerns; '' for account-level drafts (connections). */
  experimentId: string;
  /** A line a person reads: "share with bob", "rename to …", "tag a.fcs / Donor = 7". */
  description: string;
  state: DraftState;
  code?: string;
  message?: string;
  createdAt: number;
  settledAt?: number;
};
/** A sharing change: sent as an intent, decided and written by the server. */
export type IntentDraft = DraftBase & { kind: 'intent'; intent: Intent };
/** Where a content edit writes: a root map of the experiment document and a key in it. */
export type EditField = { root: string; key: string };
/**
 * A content edit: one local Yjs transaction, identified by its client id and clock range.
 * `fields` names what it wrote, so the UI can mark those fields pending (drafts stored before
 * it existed have none).
 */
export type EditDraft = DraftBase & { kind: 'edit'; docName: string; client: number; clockStart: number; clockEnd: number; fields?: EditField[] };
export type Draft = IntentDraft | EditDraft;

export const ConnectionStatus = { offline: 'offline', connecting: 'connecting', online: 'online', syncing: 'syncing', signedOut: 'signed-out' } as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

export const ListFilter = { all: 'all', mine: 'mine', shared: 'shared', public: 'public', curated: 'curated', trash: 'trash' } as const;
export type ListFilter = (typeof ListFilter)[keyof typeof ListFilter];

/** One row of `exp list`; the CLI prints exactly these fields. */
export type ExperimentRow = Pick<IndexEntry, 'id' | 'name' | 'owner' | 'access' | 'public' | 'curated' | 'projectId' | 'parentId'> & {
  sharedWithOthers: boolean;
  /** True for a direct share the user has not marked viewed (the Inbox). */
  isNew: boolean;
  /** Created or cloned in a draft the server has not decided yet (offline); absent otherwise. */
  pending?: true;
  /** The name shown is a rename the server has not decided yet; absent otherwise. */
  pendingName?: true;
  /** When its content last changed, as the server published it; null or absent when unknown. */
  changedAt?: number | null;
  /** Its distinct sample-tag values, which a search also matches. */
  tagValues?: string[];
};

/** The fields of an experiment an edit waiting for the server wrote: each shows a pending mark. */
export type PendingFields = { name: boolean; purpose: boolean; tags: Array<{ file: string; dimension: string }>; gates: string[] };

/** `exp show`: the experiment as the local replica knows it. */
export type ExperimentView = ExperimentContent &
  Omit<SharingState, 'grants'> & {
    /** `why`: the access explanation in words, for those who may ask (owner and full access). */
    access: Array<AccessRow & { why?: string }>;
    /** The FCS files, as the server recorded them on upload. */
    files: Array<{ id: string; name: string; events: number; size: number; channels: Array<{ name: string; label: string | null }> }>;
    /** What the signed-in user may do here, from the shared rules (project policy included). */
    can: { edit: boolean; manageSharing: boolean; clone: boolean; cloneFiles: boolean; download: boolean; illustrate: boolean; trash: boolean };
    /** Linked experiments a sharing change here also affects. */
    family: string[];
    /** Absent when nothing of this experiment waits. */
    pendingFields?: PendingFields;
  };

export type Account = { server: string; username: string; email: string; staff: boolean };

export type SyncReport = { settled: Draft[]; pending: Draft[] };

/** `role`: what the share gives (default full); `until`: the share ends then (ms since the epoch); absent, it is permanent. */
export type ShareOptions = { notify?: boolean; message?: string; connect?: boolean; role?: GrantRole; until?: number };

export interface ClientCore {
  readonly account: Account | null;
  status(): ConnectionStatus;
  login(username: string, password: string): Promise<Account>;
  signup(username: string, email: string, password: string): Promise<Account>;
  logout(): Promise<void>;

  /** `most`: for the public and curated lists (read from the server page by page), the rows wanted. */
  list(filter: ListFilter, search?: string, most?: number): Promise<ExperimentRow[]>;
  /** `why`: each access row also says why the person has access (for owner and full access). */
  show(experimentId: string, options?: { why?: boolean }): Promise<ExperimentView>;

  /**
   * Every intent (shared/actions/intent-table.ts): the local rules, then a draft; what it
   * creates gets a fresh id (the table's `makes`). The four below are shorthands for it.
   */
  intent<T extends IntentType>(type: T, payload: IntentPayload<T>): Promise<IntentDraft>;
  create(name: string): Promise<{ id: string; draft: Draft }>;
  /** `options`: mail the person (default) with a message; `connect` asks to connect first where needed. */
  share(experimentId: string, userOrEmail: string, options?: ShareOptions): Promise<Draft>;
  unshare(experimentId: string, user: string): Promise<Draft>;
  /** With `at`: an embargo, public from then (ms since the epoch). */
  publish(experimentId: string, at?: number): Promise<Draft>;
  rename(experimentId: string, name: string): Promise<Draft>;
  setTag(experimentId: string, file: string, dimension: string, value: string): Promise<Draft>;
  addGate(experimentId: string, gate: Gate): Promise<{ id: string; draft: Draft }>;
  /** Writes null under the gate's id (see doc-layout.ts), so the edit has a clock range. */
  removeGate(experimentId: string, gateId: string): Promise<Draft>;

  /** Connections (premium servers), as last synced; requests and answers are intents. */
  connections(): Promise<ConnectionEntry[]>;

  drafts(): Promise<Draft[]>;
  /** Forget a rejected draft (the user read the reason). */
  dismiss(draftId: string): Promise<void>;
  /** Push every pending draft and wait until each is settled or the server is unreachable. */
  sync(): Promise<SyncReport>;

  /** Called on any change of list, experiment, drafts or status; returns an unsubscribe. */
  subscribe(listener: (change: CoreChange) => void): () => void;
}

export type CoreChange =
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'list' }
  | { type: 'experiment'; experimentId: string }
  | { type: 'drafts' }
  /** Which waiting drafts are on their way to the server changed (see `CytoshareCore.sending`). */
  | { type: 'sending' }
  | { type: 'removed'; experimentId: string; code: string };

/** Thrown when the local rules refuse an action: nothing was recorded. */
export class RuleRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string[],
  ) {
    super(message);
    this.name = 'RuleRefusal';
  }
}
