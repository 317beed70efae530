import { ErrorCode } from '../../shared/codes.ts';
import { docName, IndexRoot, parseDocName, DocKind } from '../../shared/doc-layout.ts';
import { ConnectionStatus, type Draft, type EditDraft } from './contract.ts';
import type { CytoshareCore } from './core.ts';
import { DocLink, finalCloseMeaning } from './doc-link.ts';
import { EditTracker, type TrackerEvent } from './edit-tracker.ts';
import { clearRemoved, markRemoved } from './replica.ts';
import { pushIntents } from './sync-engine.ts';

/**
 * Live mode, for the extension's background worker: a socket stays open for the user's index,
 * the public catalog and every experiment the index lists. Edits flow out as they are made (the
 * provider sends each local transaction) and are settled by the control messages; intents are
 * pushed as soon as they are recorded, and retried with backoff while the server is away.
 * The stores persist every document change; this class turns them into CoreChange events.
 */
type Linked = { link: DocLink; tracker: EditTracker; unobserve: () => void };

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

export class LiveSync {
  private links = new Map<string, Linked>();
  private stopped = false;
  private pushing = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: () => void = () => {};

  constructor(private readonly core: CytoshareCore) {}

  async start(): Promise<void> {
    const me = this.core.requireSession().username;
    this.core.setStatus(ConnectionStatus.connecting);
    this.unsubscribe = this.core.subscribe((change) => {
      if (change.type === 'drafts') void this.onDrafts();
    });
    await this.open(docName.index(me));
    await this.open(docName.catalog);
    await this.open(docName.connections(me));
    await this.followIndex();
    void this.onDrafts();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe();
    for (const name of [...this.links.keys()]) this.close(name);
  }

  private async open(name: string): Promise<void> {
    if (this.stopped || this.links.has(name)) return;
    const doc = await this.core.store.openDoc(name);
    const drafts = (await this.core.store.loadDrafts()).filter((d): d is EditDraft => d.kind === 'edit' && d.docName === name);
    const tracker = new EditTracker(drafts);
    const ref = parseDocName(name);
    const onUpdate = () => {
      if (ref?.kind === DocKind.experiment) this.core.emit({ type: 'experiment', experimentId: ref.experimentId });
      else this.core.emit({ type: 'list' });
      if (ref?.kind === DocKind.index) void this.followIndex();
    };
    doc.on('update', onUpdate);
    let vector: Map<number, number> | null = null;
    const link = new DocLink(name, doc, this.core.linkOptions(), {
      onControl: (message) => void this.apply(name, tracker.handle(message)),
      onServerVector: (v) => (vector = v),
      onSynced: () => {
        if (vector) void this.apply(name, tracker.acceptCovered(vector));
        if (ref?.kind === DocKind.experiment) void clearRemoved(this.core.store, ref.experimentId);
        this.updateStatus();
      },
      onStatus: () => this.updateStatus(),
      onFinalClose: (code) => void this.onFinalClose(name, code),
    });
    this.links.set(name, { link, tracker, unobserve: () => doc.off('update', onUpdate) });
  }

  private close(name: string): void {
    const linked = this.links.get(name);
    if (!linked) return;
    this.links.delete(name);
    linked.unobserve();
    linked.link.destroy();
  }

  /** Keeps one socket per experiment of the index: new shares open, removed ones close. */
  private async followIndex(): Promise<void> {
    if (this.stopped) return;
    const me = this.core.requireSession().username;
    const index = await this.core.store.openDoc(docName.index(me));
    const wanted = new Set([...index.getMap(IndexRoot.experiments).keys()].map(docName.experiment));
    for (const name of wanted) await this.open(name);
    for (const name of this.links.keys()) if (name.startsWith('exp-') && !wanted.has(name)) this.close(name);
  }

  private async apply(name: string, events: TrackerEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'settled') {
        await this.core.store.putDraft(event.draft);
        this.core.emit({ type: 'drafts' });
      } else if (event.type === 'removed') {
        await this.remove(name, event.code);
      } else {
        this.close(name);
        await this.core.store.deleteDoc(name);
        await this.open(name);
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
      const linked = this.links.get(name);
      await this.apply(name, linked?.tracker.rejectAll(ErrorCode.NOT_A_READER, 'no access to this experiment') ?? []);
      await this.remove(name, ErrorCode.NOT_A_READER);
    }
  }

  private async remove(name: string, code: string): Promise<void> {
    const ref = parseDocName(name);
    this.close(name);
    if (ref?.kind !== DocKind.experiment) return;
    await markRemoved(this.core.store, ref.experimentId, Date.now());
    this.core.emit({ type: 'removed', experimentId: ref.experimentId, code });
    this.core.emit({ type: 'list' });
  }

  /** New drafts: edits join their document's tracker; intents are pushed now or retried later. */
  private async onDrafts(): Promise<void> {
    if (this.stopped || this.pushing) return;
    this.pushing = true;
    try {
      const drafts: Draft[] = await this.core.store.loadDrafts();
      for (const d of drafts) {
        if (d.kind === 'edit' && d.state === 'pending') {
          const linked = this.links.get(d.docName);
          if (linked) linked.tracker.add(d);
          else await this.open(d.docName);
        }
      }
      if (!drafts.some((d) => d.kind === 'intent' && d.state === 'pending')) return;
      const reachable = await pushIntents(this.core.store, this.core.api(), {
        onSettled: () => this.core.emit({ type: 'drafts' }),
        onRemoved: () => {},
      }, Date.now);
      if (reachable) {
        this.retryMs = RETRY_MIN_MS;
        await this.followIndex();
      } else {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.onDrafts(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      }
    } finally {
      this.pushing = false;
      this.updateStatus();
    }
  }

  private updateStatus(): void {
    if (this.stopped) return;
    const me = this.core.account?.username;
    const index = me ? this.links.get(docName.index(me)) : undefined;
    if (!index?.link.synced) {
      this.core.setStatus(index?.link.provider.wsconnecting ? ConnectionStatus.connecting : ConnectionStatus.offline);
      return;
    }
    const pending = [...this.links.values()].some((l) => l.tracker.size > 0);
    this.core.setStatus(pending || this.pushing ? ConnectionStatus.syncing : ConnectionStatus.online);
  }
}
