import { intentAction, madeIdOf, type IntentPayload } from '../../shared/actions/intent-table.ts';
import type { AccessExplanation } from '../../shared/rules/access-explain.ts';
import type { ConnectionContext } from '../../shared/rules/connections.ts';
import { ErrorCode } from '../../shared/codes.ts';
import { docName, ExperimentRoot, readConnectionEntries, readProjectList, tagKey, type ProjectListEntry } from '../../shared/doc-layout.ts';
import type { CatalogPage } from '../../shared/schemas/catalog-page.ts';
import type { ConnectionEntry, WaitingShareEntry } from '../../shared/schemas/connection-entry.ts';
import type { Gate } from '../../shared/schemas/entities.ts';
import type { Figure } from '../../shared/schemas/figures.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type * as Y from 'yjs';
import { explainIn, previewIn, withWhy, type AccessPreview } from './access-preview.ts';
import { recordEdit, recordIntent } from './actions.ts';
import { connectionContextOf } from './connection-view.ts';
import {
  ConnectionStatus, RuleRefusal,
  type ClientCore, type Draft, type ExperimentRow, type ExperimentView, type IntentDraft, ListFilter, type ShareOptions, type SyncReport,
} from './contract.ts';
import { CoreOnline } from './core-online.ts';
import type { CoreOptions } from './core-session.ts';
import { CoreError } from './errors.ts';
import { newExperimentId, newFigureId, newGateId } from './ids.ts';
import { compareRows } from './list-order.ts';
import { catalogPageRows, experimentView, listRows, pendingFieldsOf, pendingRenames, pendingRows } from './lists.ts';
import { knownExperiments, knownProjects, pendingNames, provisionalName, removedMarks } from './replica.ts';
import { sharePeople, waitingShares, type SharePerson } from './share-people.ts';
import { editsByDoc, heldExperimentIds, pushDocEdits, pushIntents, refreshDocs } from './sync-engine.ts';

export type { CoreOptions };

/** Rows asked for per catalog page: one round trip fills the manager's first screen and more. */
const CATALOG_PAGE_ROWS = 100;

/**
 * The client core: actions become drafts through the shared rules, `sync` delivers them, and
 * list/show read the replicas. Platform-neutral: storage, fetch and the WebSocket class are
 * injected. Live mode (live-sync.ts) builds on the same pieces. Intents all enter through
 * `intent` (shared/actions/intent-table.ts); `create`, `share`, `unshare` and `publish` are
 * shorthands for it.
 */
export class CytoshareCore extends CoreOnline implements ClientCore {
  private sendingIds = new Set<string>();

  private constructor(options: CoreOptions) {
    super(options);
  }

  static async open(options: CoreOptions): Promise<CytoshareCore> {
    const core = new CytoshareCore(options);
    const session = await options.store.loadSession();
    // A session belongs to the server that issued it; its token is never sent elsewhere.
    core.session = session && session.server === options.server ? session : null;
    core.currentStatus = core.session ? ConnectionStatus.offline : ConnectionStatus.signedOut;
    return core;
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

  /**
   * The one entry point of every intent: the shared rules on the replica (a refusal throws a
   * RuleRefusal and records nothing), then a draft. What the intent creates gets a fresh id
   * here, named by the intent table's `makes` (`madeId` reads it back).
   */
  intent<T extends IntentType>(type: T, payload: IntentPayload<T>): Promise<IntentDraft> {
    return this.draftIntent(type, payload, true);
  }

  private async draftIntent<T extends IntentType>(type: T, payload: IntentPayload<T>, record: boolean): Promise<IntentDraft> {
    const { makes } = intentAction(type);
    const body: Record<string, unknown> = { ...payload, type, ...(makes ? { [makes]: newExperimentId() } : {}) };
    const connections = await this.connectionContext();
    const draft = await recordIntent({ ...this.ctx(), ...(connections ? { connections } : {}) }, body, record).catch(async (error: unknown) => {
      throw await this.unknownOrNotFetched(error, body.experimentId);
    });
    if (record) this.emit({ type: 'drafts' });
    return draft;
  }

  /** The local rules on a share, recording nothing: throws the RuleRefusal `share` would (a dry run's first step). */
  async checkShare(experimentId: string, user: string): Promise<void> {
    await this.draftIntent(IntentType.share, { experimentId, user }, false);
  }

  async create(name: string): Promise<{ id: string; draft: Draft }> {
    const draft = await this.intent(IntentType.create, { name });
    return { id: madeId(draft), draft };
  }
  share(experimentId: string, user: string, options: ShareOptions = {}): Promise<Draft> {
    const defined = Object.entries(options).filter(([, value]) => value !== undefined);
    return this.intent(IntentType.share, { experimentId, user, ...Object.fromEntries(defined) });
  }
  unshare(experimentId: string, user: string): Promise<Draft> {
    return this.intent(IntentType.unshare, { experimentId, user });
  }
  publish(experimentId: string, at?: number): Promise<Draft> {
    return this.intent(IntentType.publish, { experimentId, ...(at !== undefined ? { at } : {}) });
  }
  /** Connections and project colleagues, for the Sharing dialog's suggestions. */
  sharePeople(): Promise<SharePerson[]> {
    return sharePeople(this.store, this.requireSession().username);
  }
  waitingShares(): Promise<WaitingShareEntry[]> {
    return waitingShares(this.store, this.requireSession().username);
  }
  /** The user's projects as their index lists them. */
  async projects(): Promise<ProjectListEntry[]> {
    const name = docName.index(this.requireSession().username);
    return (await this.store.docNames()).includes(name) ? readProjectList(await this.store.openDoc(name)) : [];
  }
  async project(projectId: string): Promise<ProjectState | null> {
    return (await knownProjects(this.store)).get(projectId) ?? null;
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

/** The id of what a drafted intent creates (see the intent table's `makes`). */
function madeId(draft: IntentDraft): string {
  return madeIdOf(draft.intent) ?? '';
}
