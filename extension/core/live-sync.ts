import type * as Y from 'yjs';
import { catchUpOverMux, MUX_DOCS_PER_SOCKET } from './mux-catch-up.ts';
import { heldExperimentIds } from './sync-engine.ts';
import { describeCode, ErrorCode } from '../../shared/codes.ts';
import { docName, parseDocName, DocKind } from '../../shared/doc-layout.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import { ConnectionStatus, type EditDraft } from './contract.ts';
import type { CytoshareCore } from './core.ts';
import { Coalesced } from '../../shared/coalesced-job.ts';
import { DocLink, finalCloseMeaning, type DocLinkEvents, type LinkOptions } from './doc-link.ts';
import { EditTracker, type TrackerEvent } from './edit-tracker.ts';
import { CoreError } from './errors.ts';
import { IntentPusher } from './intent-pusher.ts';
import { awaitingCreation, indexChanges, indexedDocNames, prefetchBatch, wantedDocs } from './live-plan.ts';
import { clearRemoved, markRemoved } from './replica.ts';

/**
 * Live mode, for the extension's background worker. Sockets stay open for the documents
 * live-plan.ts names (index, connections, the user's projects, experiments with edits
 * waiting, experiments the UI watches); any other experiment socket closes once idle. Edits
 * flow out as they are made (the provider sends each local transaction) and are settled by the
 * control messages; intents are pushed as soon as they are recorded, and retried with backoff
 * while the server is away. The stores persist every document change; this class turns them
 * into CoreChange events.
 *
 * Invariants: only `reconcile` opens sockets, and it runs one at a time (Coalesced), so a
 * document never has two. A change signal that arrives while a job runs re-runs it afterwards;
 * none is dropped. The status is derived from the index socket and the drafts in flight.
 */

/** The part of a DocLink live mode uses; tests pass a fake. */
export type LinkLike = { readonly synced: boolean; readonly connected: boolean; readonly connecting: boolean; destroy(): void };
export type LinkFactory = (name: string, doc: Y.Doc, options: LinkOptions, events: DocLinkEvents) => LinkLike;

export type LiveOptions = {
  /** How long a socket nobody needs stays open (so a quick re-watch reuses it). */
  idleCloseMs?: number;
  link?: LinkFactory;
  now?: () => number;
};

type Linked = { link: LinkLike; tracker: EditTracker; unobserve: () => void };

const IDLE_CLOSE_MS = 5_000;
const CATCH_UP_TIMEOUT_MS = 30_000;

export class LiveSync {
  private links = new Map<string, Linked>();
  private watched = new Map<string, number>();
  private unwantedSince = new Map<string, number>();
  /** Documents the server refused or withdrew; not reopened until the index lists them anew. */
  private blocked = new Set<string>();
  /** Listed experiments being fetched once so they stay usable offline; see prefetchBatch. */
  private prefetching = new Set<string>();
  /** The index's documents at the last look at a synced index; null before the first. */
  private indexed: Set<string> | null = null;
  private indexSynced = false;
  /** The held experiments were caught up since the index socket last synced (see catchUpHeld). */
  private caughtUp = false;
  private started = false;
  private stopped = false;
  private pushing = false;
  /** The intent the pusher is sending now, if any. */
  private sendingIntent: string | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: () => void = () => {};
  private readonly links$ = new Coalesced(() => this.reconcile(), (e) => this.failed(e));
  private readonly intents: IntentPusher;
  private readonly idleCloseMs: number;
  private readonly makeLink: LinkFactory;
  private readonly now: () => number;

  constructor(
    private readonly core: CytoshareCore,
    options: LiveOptions = {},
  ) {
    this.idleCloseMs = options.idleCloseMs ?? IDLE_CLOSE_MS;
    this.makeLink = options.link ?? ((name, doc, linkOptions, events) => new DocLink(name, doc, linkOptions, events));
    this.now = options.now ?? Date.now;
    this.intents = new IntentPusher(core, {
      onPushing: (pushing) => {
        this.pushing = pushing;
        this.updateStatus();
      },
      // A create just accepted lets the edits made meanwhile open their socket.
      onDelivered: () => void this.links$.run(),
      onSending: (draftId) => {
        this.sendingIntent = draftId;
        this.updateStatus();
      },
      onError: (e) => this.failed(e),
      now: this.now,
    });
  }

  async start(): Promise<void> {
    const me = this.core.requireSession().username;
    this.core.setStatus(ConnectionStatus.connecting);
    this.unsubscribe = this.core.subscribe((change) => {
      if (change.type === 'drafts') void this.nudge();
    });
    // The stored index is the baseline: what it lists and the server's copy no longer does was
    // withdrawn, even while this browser was away.
    this.indexed = indexedDocNames(await this.core.store.openDoc(docName.index(me)));
    this.started = true;
    await this.links$.run();
    void this.intents.run();
  }

  stop(): void {
    this.stopped = true;
    this.intents.stop();
    clearTimeout(this.idleTimer);
    this.unsubscribe();
    for (const name of [...this.links.keys()]) this.close(name);
  }

  /** The outbox changed (or the caller wants a retry now): settle, open and push what is new. */
  nudge(): Promise<void> {
    if (this.stopped || !this.started) return Promise.resolve();
    return Promise.all([this.links$.run(), this.intents.run()]).then(() => undefined);
  }

  /**
   * Keeps the experiment's socket open while the UI shows it (the view then follows other
   * people's edits). Reference-counted; call the returned function when the view closes.
   */
  watch(experimentId: string): () => void {
    this.watched.set(experimentId, (this.watched.get(experimentId) ?? 0) + 1);
    void this.whenStarted();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const count = (this.watched.get(experimentId) ?? 1) - 1;
      if (count > 0) this.watched.set(experimentId, count);
      else this.watched.delete(experimentId);
      void this.whenStarted();
    };
  }

  /** Names of the documents with a socket now (for tests and diagnostics). */
  openDocs(): string[] {
    return [...this.links.keys()].sort();
  }

  private whenStarted(): Promise<void> {
    return this.started && !this.stopped ? this.links$.run() : Promise.resolve();
  }

  private failed(error: unknown): void {
    if (error instanceof CoreError && error.kind === 'auth') {
      this.stop();
      this.core.setStatus(ConnectionStatus.signedOut);
    } else if (!this.stopped) console.warn('cytoshare: live sync step failed', error);
  }

  /** Brings the open sockets in line with what is wanted now; the one place that opens them. */
  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const me = this.core.requireSession().username;
    const index = await this.core.store.openDoc(docName.index(me));
    if (this.links.get(docName.index(me))?.link.synced) {
      await this.followIndex(index);
      this.indexSynced = true;
      if (!this.caughtUp) {
        this.caughtUp = true;
        void this.catchUpHeld().catch((e: unknown) => this.failed(e));
      }
    }
    if (this.stopped) return;
    const drafts = await this.core.store.loadDrafts();
    const wanted = wantedDocs({ me, index, drafts, watched: this.watched.keys(), blocked: this.blocked, indexSynced: this.indexSynced });
    if (this.indexSynced) {
      const stored = new Set(await this.core.store.docNames());
      for (const name of prefetchBatch(index, stored, this.prefetching, this.blocked, awaitingCreation(drafts))) this.prefetching.add(name);
    }
    for (const name of this.prefetching) wanted.add(name);
    for (const name of wanted) await this.open(name);
    for (const d of drafts) {
      if (d.kind !== 'edit' || d.state !== 'pending') continue;
      const linked = this.links.get(d.docName);
      if (linked) await this.apply(d.docName, linked.tracker.add(d));
    }
    this.closeIdle(wanted);
    this.updateStatus();
  }

  /**
   * Once per connection of the index (at start, after every time away): every experiment this
   * device holds and has no socket open for is brought up to date over one multiplexed socket,
   * answered from the server's stored state; one the server no longer gives this account goes
   * as a revocation would. Changes made while this runs reach the experiment when it is watched.
   */
  private async catchUpHeld(): Promise<void> {
    const held = (await heldExperimentIds(this.core.store)).map(docName.experiment).filter((n) => !this.links.has(n) && !this.blocked.has(n) && !this.prefetching.has(n));
    for (let at = 0; at < held.length && !this.stopped; at += MUX_DOCS_PER_SOCKET) {
      const docs = new Map<string, Y.Doc>();
      for (const name of held.slice(at, at + MUX_DOCS_PER_SOCKET)) docs.set(name, await this.core.store.openDoc(name));
      const outcome = await catchUpOverMux(docs, this.core.linkOptions(), CATCH_UP_TIMEOUT_MS);
      if (outcome.t === 'closed' && finalCloseMeaning(outcome.code) === 'auth') return this.onFinalClose(docName.index(this.core.requireSession().username), outcome.code);
      if (outcome.t !== 'done') return;
      for (const [name, result] of outcome.results) {
        const ref = parseDocName(name);
        if (ref?.kind !== DocKind.experiment) continue;
        if (result.ok) this.core.emit({ type: 'experiment', experimentId: ref.experimentId });
        else if (result.code === ErrorCode.NOT_A_READER || result.code === ErrorCode.ACCESS_REVOKED) await this.removeExperiment(ref.experimentId, result.code, wordsFor(result.code));
      }
    }
    await this.core.store.flush();
    this.core.emit({ type: 'list' });
  }

  /** Diffs a synced index against the last look: what it dropped was withdrawn from this user. */
  private async followIndex(index: Y.Doc): Promise<void> {
    const now = indexedDocNames(index);
    const { gone, appeared } = indexChanges(this.indexed ?? now, now);
    this.indexed = now;
    for (const name of appeared) this.blocked.delete(name);
    for (const name of gone) {
      const ref = parseDocName(name);
      if (ref?.kind === DocKind.experiment) await this.removeExperiment(ref.experimentId, ErrorCode.ACCESS_REVOKED, describeCode(ErrorCode.ACCESS_REVOKED));
      else await this.removeProject(name);
    }
  }

  private closeIdle(wanted: ReadonlySet<string>): void {
    const now = this.now();
    for (const [name, linked] of [...this.links]) {
      if (wanted.has(name) || linked.tracker.size > 0) {
        this.unwantedSince.delete(name);
        continue;
      }
      const since = this.unwantedSince.get(name) ?? now;
      if (now - since >= this.idleCloseMs) this.close(name);
      else this.unwantedSince.set(name, since);
    }
    clearTimeout(this.idleTimer);
    if (this.unwantedSince.size === 0) return;
    const next = Math.min(...this.unwantedSince.values()) + this.idleCloseMs - now;
    this.idleTimer = setTimeout(() => void this.links$.run(), Math.max(next, 0));
  }

  private async open(name: string): Promise<void> {
    if (this.stopped || this.links.has(name)) return;
    const doc = await this.core.store.openDoc(name);
    if (this.stopped || this.links.has(name)) return;
    const tracker = new EditTracker();
    const ref = parseDocName(name);
    const onUpdate = () => {
      if (ref?.kind === DocKind.experiment) this.core.emit({ type: 'experiment', experimentId: ref.experimentId });
      else this.core.emit({ type: 'list' });
      if (ref?.kind === DocKind.index) void this.links$.run();
    };
    doc.on('update', onUpdate);
    let vector: Map<number, number> | null = null;
    const link = this.makeLink(name, doc, this.core.linkOptions(), {
      onControl: (message) => void this.apply(name, tracker.handle(message)),
      onServerVector: (v) => (vector = v),
      onSynced: () => {
        if (this.prefetching.delete(name)) {
          // A fetch-once copy is closed as soon as it is held, not after the idle delay: a
          // first sync of thousands of experiments must not leave thousands of sockets open.
          const keep = ref?.kind === DocKind.experiment && this.watched.has(ref.experimentId);
          if (!keep && tracker.size === 0) setTimeout(() => this.close(name), 0);
          void this.links$.run();
        }
        if (vector) void this.apply(name, tracker.acceptCovered(vector));
        if (ref?.kind === DocKind.experiment) void clearRemoved(this.core.store, ref.experimentId);
        if (ref?.kind === DocKind.index) void this.links$.run();
        this.updateStatus();
      },
      onStatus: () => this.updateStatus(),
      onFinalClose: (code) => void this.onFinalClose(name, code).catch((e: unknown) => this.failed(e)),
    });
    this.links.set(name, { link, tracker, unobserve: () => doc.off('update', onUpdate) });
  }

  private close(name: string): void {
    this.prefetching.delete(name);
    const linked = this.links.get(name);
    this.unwantedSince.delete(name);
    if (!linked) return;
    this.links.delete(name);
    linked.unobserve();
    linked.link.destroy();
  }

  private async apply(name: string, events: TrackerEvent[]): Promise<void> {
    const ref = parseDocName(name);
    for (const event of events) {
      if (event.type === 'settled') {
        await this.core.store.putDraft(event.draft);
        this.core.emit({ type: 'drafts' });
      } else if (event.type === 'removed') {
        if (ref?.kind === DocKind.experiment) await this.removeExperiment(ref.experimentId, event.code, wordsFor(event.code));
        else await this.removeProject(name);
      } else {
        // The server asked for a fresh copy: drop ours; reconcile reopens it if still wanted.
        this.close(name);
        await this.core.store.deleteDoc(name);
        void this.links$.run();
      }
    }
    this.updateStatus();
  }

  private async onFinalClose(name: string, code: number): Promise<void> {
    const meaning = finalCloseMeaning(code);
    if (meaning === 'auth') {
      this.stop();
      this.core.setStatus(ConnectionStatus.signedOut);
    } else if (meaning === 'removed' && this.links.has(name)) {
      // A 4403 with no `closing` before it (refused at connect): the same as a revocation.
      const ref = parseDocName(name);
      if (ref?.kind === DocKind.experiment) await this.removeExperiment(ref.experimentId, ErrorCode.NOT_A_READER, describeCode(ErrorCode.NOT_A_READER));
      else await this.removeProject(name);
    } else if (meaning === 'reset' && this.links.has(name)) {
      await this.apply(name, [{ type: 'reset', code: ErrorCode.RESET_REQUIRED }]);
    }
    this.updateStatus();
  }

  /**
   * The account may no longer read the experiment (its socket was closed with 4403, or the index
   * dropped it): every edit still pending on it is rejected with `code`, the local copy goes,
   * and the UI hears `removed` once. Safe to call twice for one withdrawal.
   */
  private async removeExperiment(experimentId: string, code: string, message: string): Promise<void> {
    const name = docName.experiment(experimentId);
    const first = !this.blocked.has(name);
    this.blocked.add(name);
    const linked = this.links.get(name);
    const events = linked ? linked.tracker.rejectAll(code, message) : [];
    this.close(name);
    const drafts = await this.core.store.loadDrafts();
    const tracked = new Set(events.map((e) => (e.type === 'settled' ? e.draft.id : '')));
    for (const d of drafts) {
      if (d.kind === 'edit' && d.state === 'pending' && d.experimentId === experimentId && !tracked.has(d.id)) {
        events.push({ type: 'settled', draft: rejected(d, code, message, this.now()) });
      }
    }
    await this.apply(name, events);
    await markRemoved(this.core.store, experimentId, this.now());
    if (!first) return;
    // The user's own "delete for good" also drops the experiment; that is not news to them.
    const deletedHere = drafts.some((d) => d.kind === 'intent' && d.intent.type === IntentType.delete && d.experimentId === experimentId && d.state !== 'rejected');
    if (!deletedHere) this.core.emit({ type: 'removed', experimentId, code });
    this.core.emit({ type: 'list' });
  }

  /** Out of a project: its document goes, so the local rules stop counting the membership. */
  private async removeProject(name: string): Promise<void> {
    if (parseDocName(name)?.kind !== DocKind.project) return this.close(name);
    this.blocked.add(name);
    this.close(name);
    await this.core.store.deleteDoc(name);
    this.core.emit({ type: 'list' });
  }

  /**
   * offline/connecting until the index socket is synced; then syncing while intents are being
   * pushed or a synced socket waits for the answer to an edit; otherwise online.
   */
  private updateStatus(): void {
    if (this.stopped) return;
    this.updateSending();
    const me = this.core.account?.username;
    const index = me ? this.links.get(docName.index(me)) : undefined;
    if (!index?.link.synced) {
      // Back online later, the held experiments are caught up again.
      this.caughtUp = false;
      this.core.setStatus(index?.link.connecting ? ConnectionStatus.connecting : ConnectionStatus.offline);
      return;
    }
    const inFlight = this.pushing || [...this.links.values()].some((l) => l.link.synced && l.tracker.size > 0);
    this.core.setStatus(inFlight ? ConnectionStatus.syncing : ConnectionStatus.online);
  }

  /** In flight: the intent being sent, and the edits a synced socket has sent and awaits answers for. */
  private updateSending(): void {
    const ids = [...this.links.values()].flatMap((l) => (l.link.synced ? l.tracker.pendingDrafts().map((d) => d.id) : []));
    if (this.sendingIntent) ids.push(this.sendingIntent);
    this.core.setSending(ids);
  }
}

/** The words for a code from the server; an unknown code still gets a sentence. */
function wordsFor(code: string): string {
  return Object.hasOwn(ErrorCode, code) ? describeCode(code as ErrorCode) : describeCode(ErrorCode.NOT_A_READER);
}

function rejected(draft: EditDraft, code: string, message: string, at: number): EditDraft {
  return { ...draft, state: 'rejected', code, message, settledAt: at };
}
