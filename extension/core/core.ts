import { ErrorCode } from '../../shared/codes.ts';
import { docName, ExperimentRoot, fileNames, readConnectionEntries, readProjectList, tagKey, type ProjectListEntry } from '../../shared/doc-layout.ts';
import { checkNewFileName } from '../../shared/rules/files.ts';
import type { ProjectPolicy, ProjectRole, ProjectState } from '../../shared/schemas/project.ts';
import type { ConnectionContext } from '../../shared/rules/connections.ts';
import type { ConnectionEntry } from '../../shared/schemas/connection-entry.ts';
import type { Actor, Gate, ServerMode } from '../../shared/schemas/entities.ts';
import type { Figure } from '../../shared/schemas/figures.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import type { AddressState, CurationRequest, SessionInfo, WhoAmI } from '../../shared/schemas/api.ts';
import type { HistoryAnswer } from '../../shared/audit/history-chain.ts';
import type { GroupShareAnswer, GroupShareRequest, GroupSummary } from '../../shared/schemas/groups.ts';
import type { UploadResult } from '../../shared/schemas/files.ts';
import type { DensityAnswer, DensityQuery } from '../../shared/plot/answer.ts';
import {
  ConnectionStatus, RuleRefusal,
  type Account, type ClientCore, type ShareOptions, type CoreChange, type Draft, type ExperimentRow, type ExperimentView, ListFilter, type SyncReport,
} from './contract.ts';
import { recordEdit, recordIntent, type ActionContext } from './actions.ts';
import { Api, type FetchLike, type UploadBody } from './api.ts';

import type { LinkOptions } from './doc-link.ts';
import { CoreError, notSignedIn } from './errors.ts';
import { newExperimentId, newFigureId, newGateId } from './ids.ts';
import { compareRows } from './list-order.ts';
import { catalogPageRows, experimentView, listRows, pendingFieldsOf, pendingRenames, pendingRows } from './lists.ts';
import type { CatalogPage } from '../../shared/schemas/catalog-page.ts';
import type * as Y from 'yjs';
import { knownExperiments, knownProjects, pendingNames, provisionalName, removedMarks } from './replica.ts';
import { connectionContextOf } from './connection-view.ts';
import { explainIn, previewIn, withWhy, type AccessPreview } from './access-preview.ts';
import type { AccessExplanation } from '../../shared/rules/access-explain.ts';
import { sharePeople, waitingShares, type SharePerson } from './share-people.ts';
import type { WaitingShareEntry } from '../../shared/schemas/connection-entry.ts';
import type { ClientStore, StoredSession } from './store.ts';
import { editsByDoc, heldExperimentIds, pushDocEdits, pushIntents, refreshDocs } from './sync-engine.ts';

/** Rows asked for per catalog page: one round trip fills the manager's first screen and more. */
const CATALOG_PAGE_ROWS = 100;

/**
 * The client core: actions become drafts through the shared rules, `sync` delivers them, and
 * list/show read the replicas. Platform-neutral: storage, fetch and the WebSocket class are
 * injected. Live mode (live-sync.ts) builds on the same pieces.
 */
export type CoreOptions = {
  store: ClientStore;
  server: string;
  WebSocketPolyfill?: unknown;
  fetch?: FetchLike;
  now?: () => number;
};

export class CytoshareCore implements ClientCore {
  private session: StoredSession | null = null;
  private listeners = new Set<(change: CoreChange) => void>();
  private currentStatus: ConnectionStatus = ConnectionStatus.offline;
  private sendingIds = new Set<string>();
  readonly store: ClientStore;
  readonly server: string;
  private readonly now: () => number;

  private constructor(private readonly options: CoreOptions) {
    this.store = options.store;
    this.server = options.server;
    this.now = options.now ?? Date.now;
  }

  static async open(options: CoreOptions): Promise<CytoshareCore> {
    const core = new CytoshareCore(options);
    const session = await options.store.loadSession();
    // A session belongs to the server that issued it; its token is never sent elsewhere.
    core.session = session && session.server === options.server ? session : null;
    core.currentStatus = core.session ? ConnectionStatus.offline : ConnectionStatus.signedOut;
    return core;
  }

  get account(): Account | null {
    const s = this.session;
    return s ? { server: s.server, username: s.username, email: s.email, staff: s.staff } : null;
  }

  status(): ConnectionStatus {
    return this.currentStatus;
  }

  setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit({ type: 'status', status });
  }

  subscribe(listener: (change: CoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: CoreChange): void {
    for (const listener of this.listeners) listener(change);
  }

  requireSession(): StoredSession {
    if (!this.session) throw notSignedIn();
    return this.session;
  }

  api(): Api {
    return new Api(this.server, this.session?.token ?? null, this.options.fetch);
  }

  linkOptions(): LinkOptions {
    const session = this.requireSession();
    return { server: this.server, token: session.token, WebSocketPolyfill: this.options.WebSocketPolyfill };
  }

  private async startSession(session: Omit<StoredSession, 'mode' | 'server'>): Promise<Account> {
    // The server mode decides which rules apply locally (connections in premium mode).
    let mode: ServerMode = 'premium';
    try {
      mode = (await new Api(this.server, session.token, this.options.fetch).info()).mode;
    } catch {
      // An old server without /api/info: premium is the stricter default.
    }
    this.session = { ...session, server: this.server, mode };
    await this.store.saveSession(this.session);
    await this.store.flush();
    this.setStatus(ConnectionStatus.online);
    return this.account as Account;
  }

  /** `code`: for an account with two-step sign-in (without it the server answers TOTP_REQUIRED, and no session is made). */
  async login(username: string, password: string, code?: string): Promise<Account & { totpEnrolmentRequired: boolean }> {
    const { token, username: user, email, staff, expiresAt, totpEnrolmentRequired } = await this.api().login(username, password, code);
    return { ...(await this.startSession({ token, username: user, email, staff, expiresAt })), totpEnrolmentRequired: totpEnrolmentRequired === true };
  }

  /** Two-step sign-in of the signed-in account (see Api). */
  totp(): Pick<Api, 'totpStatus' | 'totpEnable' | 'totpConfirm' | 'totpDisable'> {
    this.requireSession();
    return this.api();
  }

  /** Reviewer links live on the server alone, as for the CLI's `review-link`. */
  reviewLinks(): Pick<Api, 'createReviewLink' | 'reviewLinks' | 'revokeReviewLink'> {
    this.requireSession();
    return this.api();
  }

  async signup(username: string, email: string, password: string): Promise<Account> {
    const s = await this.api().signup(username, email, password);
    return this.startSession({ token: s.token, username: s.username, email: s.email, staff: s.staff, expiresAt: s.expiresAt });
  }

  async logout(): Promise<void> {
    if (this.session) {
      try {
        await this.api().logout();
      } catch {
        // Forgetting the token locally is what matters; the server expires it anyway.
      }
    }
    this.session = null;
    await this.store.saveSession(null);
    await this.store.flush();
    this.setStatus(ConnectionStatus.signedOut);
  }

  /** Changes the password; the server ends every other session of the account, this one stays. */
  changePassword(currentPassword: string, newPassword: string): Promise<{ endedSessions: number }> {
    this.requireSession();
    return this.api().changePassword(currentPassword, newPassword);
  }
  sessions(): Promise<SessionInfo[]> {
    this.requireSession();
    return this.api().sessions();
  }
  endSessions(which: { id: string } | { others: true }): Promise<{ ended: number }> {
    this.requireSession();
    return this.api().endSessions(which);
  }

  async whoami(): Promise<WhoAmI> {
    this.requireSession();
    const who = await this.api().whoami();
    if (this.session && this.session.mode !== who.mode) {
      this.session = { ...this.session, mode: who.mode, staff: who.staff };
      await this.store.saveSession(this.session);
    }
    return who;
  }

  private actor(): Actor {
    const s = this.requireSession();
    return { username: s.username, staff: s.staff };
  }

  private ctx(): ActionContext {
    return { store: this.store, actor: this.actor(), mode: this.requireSession().mode, now: this.now };
  }

  /** Brings the named documents (default: the index) up to date from the server; the public lists are read through the catalog route. */
  async refresh(experimentIds: string[] = [], withLists = true): Promise<void> {
    const me = this.requireSession().username;
    // The connections and project documents are small and the rules read them: always fresh.
    const projects = (await this.projects()).map((p) => docName.project(p.id));
    const names = [...(withLists ? [docName.index(me)] : []), docName.connections(me), ...projects, ...experimentIds.map(docName.experiment)];
    await refreshDocs(this.store, names, this.linkOptions(), (experimentId, code) => this.emit({ type: 'removed', experimentId, code }));
    this.emit({ type: 'list' });
  }

  /** The lists and every experiment this device holds, brought up to date (many over one socket, see sync-engine.ts). */
  async catchUp(): Promise<void> {
    await this.refresh(await heldExperimentIds(this.store));
  }

  /** Experiment ids the user's index lists: live mode keeps a socket open for each. */
  async indexedExperimentIds(): Promise<string[]> {
    return (await this.list('all')).map((r) => r.id);
  }

  /**
   * `most`: for the public and curated lists, the rows wanted (default all): they are read from
   * the server a page at a time (GET /api/catalog, searched there), so a client holds only what
   * it looked at. Offline, a catalog document an older version of this client kept is read.
   */
  async list(filter: ListFilter, search?: string, most = Infinity): Promise<ExperimentRow[]> {
    const me = this.requireSession().username;
    const names = new Set(await this.store.docNames());
    const index = names.has(docName.index(me)) ? await this.store.openDoc(docName.index(me)) : null;
    const removed = new Map((await removedMarks(this.store)).entries());
    const fromCatalog = filter === ListFilter.public || filter === ListFilter.curated;
    if (fromCatalog) {
      const rows = await this.catalogList(filter, search, most, index, removed);
      if (rows) return rows;
    }
    const catalog = fromCatalog && names.has(docName.catalog) ? await this.store.openDoc(docName.catalog) : null;
    const drafts = await this.store.loadDrafts();
    return listRows(index, catalog, me, filter, search, removed, pendingRows(drafts, me), await pendingNames(this.store, pendingRenames(drafts)), Date.now());
  }

  /** The public (or curated) list from the server, page by page up to `most` rows; null when it cannot be reached. */
  private async catalogList(filter: 'public' | 'curated', search: string | undefined, most: number, index: Y.Doc | null, removed: ReadonlyMap<string, number>): Promise<ExperimentRow[] | null> {
    const me = this.requireSession().username;
    const rows: ExperimentRow[] = [];
    let after: string | null = null;
    try {
      do {
        const page: CatalogPage = await this.api().catalogPage({ filter, search, after, limit: Math.min(CATALOG_PAGE_ROWS, most - rows.length) });
        rows.push(...catalogPageRows(page.entries, index, me, removed));
        after = page.next;
      } while (after !== null && rows.length < most);
    } catch (err) {
      if (err instanceof CoreError && err.kind === 'unreachable') return null;
      throw err;
    }
    // The server pages in byte order; the lists show the core's order, as every other filter.
    return rows.sort(compareRows('name'));
  }

  /** Ids of waiting drafts on their way to the server now: an intent being sent, an edit awaiting its answer. */
  sending(): string[] {
    return [...this.sendingIds];
  }

  /** Live mode and `sync` say what is in flight; pages hear `sending` when it changes. */
  setSending(ids: Iterable<string>): void {
    const next = new Set(ids);
    if (next.size === this.sendingIds.size && [...next].every((id) => this.sendingIds.has(id))) return;
    this.sendingIds = next;
    this.emit({ type: 'sending' });
  }

  /** `why`: each access row also says why the person has access (for owner and full access). */
  async show(experimentId: string, options: { why?: boolean } = {}): Promise<ExperimentView> {
    const replica = await this.replicaOf(experimentId);
    const { doc, sharing, known, fallbackName, projects, drafts } = replica;
    const shown = experimentView(doc, sharing, this.actor(), known, fallbackName, projects);
    const view = options.why ? withWhy(shown, replica) : shown;
    const pending = pendingFieldsOf(drafts, experimentId);
    return pending.name || pending.purpose || pending.tags.length > 0 || pending.gates.length > 0 ? { ...view, pendingFields: pending } : view;
  }

  /** The experiment's replica as `show` reads it, for the access explanation and preview. */
  private async replicaOf(experimentId: string) {
    const drafts = await this.store.loadDrafts();
    const known = await knownExperiments(this.store, drafts, this.actor().username);
    const sharing = known.get(experimentId);
    if (!sharing) throw await this.unknownOrNotFetched(new RuleRefusal(ErrorCode.UNKNOWN_EXPERIMENT, 'no such experiment here', ['experimentId']), experimentId);
    const name = docName.experiment(experimentId);
    const doc = (await this.store.docNames()).includes(name) ? await this.store.openDoc(name) : null;
    return { doc, sharing, known, fallbackName: provisionalName(drafts, experimentId), projects: await knownProjects(this.store), drafts };
  }

  /** Why `user` has access (owner and full access only). */
  async explainAccess(experimentId: string, user: string): Promise<AccessExplanation> {
    return explainIn(await this.replicaOf(experimentId), this.actor(), user);
  }

  /** The experiment as `user` would see it (owner and full access only), without signing in as them. */
  async showAs(experimentId: string, user: string): Promise<AccessPreview> {
    return previewIn(await this.replicaOf(experimentId), this.actor(), user);
  }

  /** The connections list as last synced: connected, pre-existing and pending both ways. */
  async connections(): Promise<ConnectionEntry[]> {
    const name = docName.connections(this.requireSession().username);
    if (!(await this.store.docNames()).includes(name)) return [];
    return readConnectionEntries(await this.store.openDoc(name));
  }

  /** What the connection rules need, from the replica; undefined until it was synced once. */
  private async connectionContext(): Promise<ConnectionContext | undefined> {
    const session = this.requireSession();
    const synced = (await this.store.docNames()).includes(docName.connections(session.username));
    if (session.mode === 'premium' && !synced) return undefined;
    return connectionContextOf(session, session.mode === 'premium' ? await this.connections() : []);
  }

  connect(email: string): Promise<Draft> {
    return this.intent({ type: IntentType.connect, email }, `connect with ${email}`);
  }
  accept(user: string): Promise<Draft> {
    return this.intent({ type: IntentType.accept, user }, `accept ${user}`);
  }
  reject(user: string): Promise<Draft> {
    return this.intent({ type: IntentType.reject, user }, `reject ${user}`);
  }
  disconnect(user: string): Promise<Draft> {
    return this.intent({ type: IntentType.disconnect, user }, `disconnect from ${user}`);
  }

  /**
   * An experiment the user's lists name but whose document never reached this replica (lists
   * sync on their own, an experiment's document when it is opened) is not unknown: working
   * offline, the user is told to open it once online instead of "no such experiment".
   */
  private async unknownOrNotFetched(error: unknown, experimentId: unknown): Promise<unknown> {
    if (!(error instanceof RuleRefusal) || error.code !== ErrorCode.UNKNOWN_EXPERIMENT || typeof experimentId !== 'string') return error;
    const listed = [...(await this.list('all')), ...(await this.list('public'))].some((row) => row.id === experimentId);
    return listed ? new RuleRefusal(ErrorCode.NOT_FETCHED, 'listed, but its document has not reached this device yet', ['experimentId']) : error;
  }

  private async intent(body: Record<string, unknown>, description: string, record = true): Promise<Draft> {
    const connections = await this.connectionContext();
    const draft = await recordIntent({ ...this.ctx(), ...(connections ? { connections } : {}) }, body, description, record).catch(async (error: unknown) => {
      throw await this.unknownOrNotFetched(error, body.experimentId);
    });
    if (record) this.emit({ type: 'drafts' });
    return draft;
  }

  /** The local rules on a share, recording nothing: throws the RuleRefusal `share` would (a dry run's first step). */
  async checkShare(experimentId: string, user: string): Promise<void> {
    await this.intent({ type: IntentType.share, experimentId, user }, 'dry run', false);
  }

  async create(name: string): Promise<{ id: string; draft: Draft }> {
    const id = newExperimentId();
    return { id, draft: await this.intent({ type: IntentType.create, experimentId: id, name }, `create "${name}"`) };
  }
  share(experimentId: string, user: string, options: ShareOptions = {}): Promise<Draft> {
    const { notify, message, connect, role, until } = options;
    const extra = { ...(notify === false ? { notify } : {}), ...(message ? { message } : {}), ...(connect ? { connect } : {}), ...(role ? { role } : {}), ...(until !== undefined ? { until } : {}) };
    return this.intent({ type: IntentType.share, experimentId, user, ...extra }, `share with ${user}${role === 'viewer' ? ' (can view)' : ''}${connect ? ' (connecting first if needed)' : ''}`);
  }
  /** Connections and project colleagues, for the Sharing dialog's suggestions. */
  sharePeople(): Promise<SharePerson[]> {
    return sharePeople(this.store, this.requireSession().username);
  }
  waitingShares(): Promise<WaitingShareEntry[]> {
    return waitingShares(this.store, this.requireSession().username);
  }
  unshare(experimentId: string, user: string): Promise<Draft> {
    return this.intent({ type: IntentType.unshare, experimentId, user }, `remove ${user}`);
  }
  publish(experimentId: string, at?: number): Promise<Draft> {
    return this.intent({ type: IntentType.publish, experimentId, ...(at !== undefined ? { at } : {}) }, at !== undefined ? `make public on ${new Date(at).toISOString()}` : 'make public');
  }
  unpublish(experimentId: string): Promise<Draft> {
    return this.intent({ type: IntentType.unpublish, experimentId }, 'make private');
  }
  link(experimentId: string, parentId: string | null): Promise<Draft> {
    return this.intent({ type: IntentType.link, experimentId, parentId }, parentId ? `link to ${parentId}` : 'unlink');
  }
  async clone(experimentId: string, linked: boolean, filesOnly = false): Promise<{ id: string; draft: Draft }> {
    const newId = newExperimentId();
    const what = `${linked ? 'linked ' : ''}clone${filesOnly ? ' (files only)' : ''}`;
    const draft = await this.intent({ type: IntentType.clone, experimentId, newId, linked, ...(filesOnly ? { filesOnly } : {}) }, what);
    return { id: newId, draft };
  }
  markViewed(experimentId: string): Promise<Draft> {
    return this.intent({ type: IntentType.markViewed, experimentId }, 'mark viewed');
  }
  trash(experimentId: string): Promise<Draft> {
    return this.intent({ type: IntentType.trash, experimentId }, 'move to trash');
  }
  restore(experimentId: string): Promise<Draft> {
    return this.intent({ type: IntentType.restore, experimentId }, 'restore from trash');
  }
  deleteForGood(experimentId: string): Promise<Draft> {
    return this.intent({ type: IntentType.delete, experimentId }, 'delete for good');
  }
  curate(experimentId: string, curated: boolean): Promise<Draft> {
    return this.intent({ type: IntentType.curate, experimentId, curated }, curated ? 'mark curated' : 'unmark curated');
  }
  requestCuration(experimentId: string): Promise<Draft> {
    return this.intent({ type: IntentType.requestCuration, experimentId }, 'ask staff to curate');
  }
  /** Into a project, or out of its project with null. */
  move(experimentId: string, projectId: string | null): Promise<Draft> {
    return this.intent({ type: IntentType.move, experimentId, projectId }, projectId ? `add to project ${projectId}` : 'remove from its project');
  }

  /** An analysis: the events inside a gate become a new experiment linked into the family. */
  async exportGate(experimentId: string, gateId: string): Promise<{ id: string; draft: Draft }> {
    const newId = newExperimentId();
    return { id: newId, draft: await this.intent({ type: IntentType.exportGate, experimentId, gateId, newId }, `export gate ${gateId}`) };
  }

  /** Files travel over HTTP when online; the server checks the rights of the capability table. */
  async uploadFile(experimentId: string, name: string, bytes: UploadBody): Promise<UploadResult> {
    this.requireSession();
    await this.checkFileName(experimentId, name);
    return this.api().uploadFile(experimentId, name, bytes);
  }
  /** The one-name-per-file rule on the replica, before any byte travels; the server decides again. */
  private async checkFileName(experimentId: string, name: string): Promise<void> {
    const doc = docName.experiment(experimentId);
    if (!(await this.store.docNames()).includes(doc)) return;
    const verdict = checkNewFileName(name, fileNames(await this.store.openDoc(doc)));
    if (!verdict.ok) throw new RuleRefusal(verdict.code, verdict.message, verdict.path);
  }
  /**
   * A one-time ticket for a page that uploads a file itself (to show progress): the URL to PUT
   * the bytes to, valid for one upload into this experiment. The session token stays here.
   */
  async uploadTicket(experimentId: string, name: string): Promise<{ url: string; expiresAt: number }> {
    this.requireSession();
    await this.checkFileName(experimentId, name);
    return this.api().uploadTicket(experimentId, name);
  }
  /** A one-time URL from which the browser itself streams one file to disk. */
  downloadTicket(experimentId: string, fileId: string): Promise<{ url: string; expiresAt: number }> {
    this.requireSession();
    return this.api().downloadTicket(experimentId, fileId);
  }
  /** The server's density plot of one file: counts per bin and per gate (read access is enough). */
  density(experimentId: string, fileId: string, query: DensityQuery): Promise<DensityAnswer> {
    this.requireSession();
    return this.api().density(experimentId, fileId, query);
  }
  downloadFile(experimentId: string, fileId: string): Promise<Uint8Array> {
    this.requireSession();
    return this.api().downloadFile(experimentId, fileId);
  }
  /** The bytes as they arrive, for the command line to write to disk without holding them. */
  downloadFileStream(experimentId: string, fileId: string): Promise<ReadableStream<Uint8Array>> {
    this.requireSession();
    return this.api().downloadFileStream(experimentId, fileId);
  }
  /** Proves the account's pending address with the mailed code; the session shows the address from then on. */
  async verifyEmail(code: string): Promise<AddressState> {
    this.requireSession();
    const state = await this.api().verifyEmail(code);
    await this.rememberEmail(state.email);
    return state;
  }
  /** Asks for a new address: a code goes there; the address in force stays until it comes back. */
  changeEmail(email: string): Promise<AddressState> {
    this.requireSession();
    return this.api().changeEmail(email);
  }
  private async rememberEmail(email: string): Promise<void> {
    if (!this.session || this.session.email === email) return;
    this.session = { ...this.session, email };
    await this.store.saveSession(this.session);
    await this.store.flush();
  }
  /** Whether the server mails this user when something is shared with them. */
  setShareEmails(on: boolean): Promise<{ shareEmails: boolean }> {
    this.requireSession();
    return this.api().setPreferences({ shareEmails: on });
  }
  curationQueue(): Promise<CurationRequest[]> {
    this.requireSession();
    return this.api().curationQueue();
  }
  /** An experiment's sharing history; online only, it lives on the server. */
  history(experimentId: string): Promise<HistoryAnswer> {
    this.requireSession();
    return this.api().history(experimentId);
  }

  /** The user's groups (owned or joined); online only, groups live on the server. */
  groups(): Promise<GroupSummary[]> {
    this.requireSession();
    return this.api().groups();
  }

  /** Shares the experiment with one of the user's groups (or, with `unshare`, stops); online only. */
  shareWithGroup(request: GroupShareRequest): Promise<GroupShareAnswer> {
    this.requireSession();
    return this.api().shareWithGroup(request);
  }

  /** The user's projects as their index lists them. */
  async projects(): Promise<ProjectListEntry[]> {
    const name = docName.index(this.requireSession().username);
    return (await this.store.docNames()).includes(name) ? readProjectList(await this.store.openDoc(name)) : [];
  }
  async project(projectId: string): Promise<ProjectState | null> {
    return (await knownProjects(this.store)).get(projectId) ?? null;
  }
  async createProject(name: string): Promise<{ id: string; draft: Draft }> {
    const id = newExperimentId();
    return { id, draft: await this.intent({ type: IntentType.projectCreate, projectId: id, name }, `create project "${name}"`) };
  }
  renameProject(projectId: string, name: string): Promise<Draft> {
    return this.intent({ type: IntentType.projectRename, projectId, name }, `rename project to "${name}"`);
  }
  /** Adds a member, changes a role, or with null removes the member. */
  setProjectMember(projectId: string, user: string, role: ProjectRole | null): Promise<Draft> {
    return this.intent({ type: IntentType.projectMember, projectId, user, role }, role ? `${user} as ${role}` : `remove ${user} from project`);
  }
  setProjectPolicy(projectId: string, policy: ProjectPolicy): Promise<Draft> {
    const words = policy.access === 'full' ? 'full access' : `restricted (illustrations ${policy.illustrations}, cloning ${policy.cloning})`;
    return this.intent({ type: IntentType.projectPolicy, projectId, policy }, `members get ${words}`);
  }

  private async edit(experimentId: string, root: string, key: string, value: unknown, description: string): Promise<Draft> {
    const draft = await recordEdit(this.ctx(), experimentId, [{ root, key, value, deleted: false }], description).catch(async (error: unknown) => {
      throw await this.unknownOrNotFetched(error, experimentId);
    });
    this.emit({ type: 'drafts' });
    this.emit({ type: 'experiment', experimentId });
    return draft;
  }
  rename(experimentId: string, name: string): Promise<Draft> {
    return this.edit(experimentId, ExperimentRoot.meta, 'name', name, `rename to "${name}"`);
  }
  setPurpose(experimentId: string, purpose: string): Promise<Draft> {
    return this.edit(experimentId, ExperimentRoot.meta, 'purpose', purpose, 'change the purpose');
  }
  /** Writes a gate whole under its id (one value per gate, so a refused write restores it whole). */
  setGate(experimentId: string, gateId: string, gate: Gate): Promise<Draft> {
    return this.edit(experimentId, ExperimentRoot.gates, gateId, gate, `change gate "${gate.name}"`);
  }
  setTag(experimentId: string, file: string, dimension: string, value: string): Promise<Draft> {
    return this.edit(experimentId, ExperimentRoot.tags, tagKey(file, dimension), value, `tag ${file} / ${dimension} = ${value}`);
  }
  async addGate(experimentId: string, gate: Gate): Promise<{ id: string; draft: Draft }> {
    const id = newGateId();
    return { id, draft: await this.edit(experimentId, ExperimentRoot.gates, id, gate, `add gate "${gate.name}"`) };
  }
  removeGate(experimentId: string, gateId: string): Promise<Draft> {
    return this.edit(experimentId, ExperimentRoot.gates, gateId, null, `remove gate ${gateId}`);
  }
  /** Illustrations: written whole under their id, like gates, with the `illustrate` right. */
  async addFigure(experimentId: string, figure: Figure): Promise<{ id: string; draft: Draft }> {
    const id = newFigureId();
    return { id, draft: await this.edit(experimentId, ExperimentRoot.figures, id, figure, `add figure "${figure.name}"`) };
  }
  setFigure(experimentId: string, figureId: string, figure: Figure): Promise<Draft> {
    return this.edit(experimentId, ExperimentRoot.figures, figureId, figure, `change figure "${figure.name}"`);
  }
  removeFigure(experimentId: string, figureId: string): Promise<Draft> {
    return this.edit(experimentId, ExperimentRoot.figures, figureId, null, `remove figure ${figureId}`);
  }

  drafts(): Promise<Draft[]> {
    return this.store.loadDrafts();
  }

  async dismiss(draftId: string): Promise<void> {
    const draft = (await this.store.loadDrafts()).find((d) => d.id === draftId);
    if (draft && draft.state !== 'pending') {
      await this.store.deleteDraft(draftId);
      this.emit({ type: 'drafts' });
    }
  }

  async sync(): Promise<SyncReport> {
    this.requireSession();
    const settled: Draft[] = [];
    const hooks = {
      onSettled: (draft: Draft) => {
        settled.push(draft);
        this.emit({ type: 'drafts' });
      },
      onRemoved: (experimentId: string, code: string) => {
        this.emit({ type: 'removed', experimentId, code });
        this.emit({ type: 'list' });
      },
      onSending: (draftId: string | null) => this.setSending(draftId ? [draftId] : []),
    };
    this.setStatus(ConnectionStatus.syncing);
    let reachable = await pushIntents(this.store, this.api(), hooks, this.now);
    if (reachable) {
      for (const [name, drafts] of editsByDoc(await this.store.loadDrafts())) {
        this.setSending(drafts.map((d) => d.id));
        const delivered = await pushDocEdits(this.store, name, drafts, this.linkOptions(), hooks).finally(() => this.setSending([]));
        if (!delivered) {
          reachable = false;
          break;
        }
      }
    }
    await this.store.flush();
    this.setStatus(reachable ? ConnectionStatus.online : ConnectionStatus.offline);
    const pending = (await this.store.loadDrafts()).filter((d) => d.state === 'pending');
    return { settled, pending };
  }
}

export { CoreError };
