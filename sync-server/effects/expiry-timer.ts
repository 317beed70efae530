import { nextLink, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import { Coalesced } from '../../shared/coalesced-job.ts';
import { docName } from '../../shared/doc-layout.ts';
import { EXPIRY_WARNING_MS, inForce } from '../../shared/rules/expiry.ts';
import type { ServerLimits } from '../limits.ts';
import type { TurnDeps } from '../intents/intent-deps.ts';
import { sharingOf } from '../store/sharing-of.ts';
import { holdersOf, refreshProjections } from './projections.ts';

export type ExpiryDeps = Pick<TurnDeps, 'store' | 'rooms' | 'log' | 'connections' | 'notifier' | 'exclusive'> & {
  limits: Pick<ServerLimits, 'sharingDeadlinesPerTick'>;
  now?: () => number;
};

/** The actor of what the server does on its own; not a username (those start with a letter or digit). */
const SERVER_ACTOR = '(server)';

/** setTimeout's largest delay; a later deadline is looked at again after this. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Applies access that ends and embargoes on time: one timer per server, armed for the next
 * deadline the store knows (a grant's end, the warning before it, an embargo's date), re-armed
 * by `wake` whenever sharing changes. Each turn applies at most `sharingDeadlinesPerTick`
 * experiments and warnings, and runs again at once while more are due. `start` applies whatever
 * came due while the server was stopped. Readers never wait for it: the rules apply each end
 * when reading (shared/rules/expiry.ts); this writes it down, cuts off open sockets, updates
 * lists and the experiment document's sharing state, and mails the warnings.
 */
export class ExpiryTimer {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly now: () => number;
  private readonly turns = new Coalesced(() => this.turn(), (error) => this.deps.log.error('expiry timer', { error: String(error) }));

  constructor(private readonly deps: ExpiryDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Applies what is due now and arms the timer; resolves once what was due is applied. */
  start(): Promise<void> {
    return this.turns.run();
  }

  /** Sharing changed: look for the next deadline again (it may be sooner). */
  wake(): void {
    if (!this.stopped) void this.turns.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.turns.idle();
  }

  /** Applies what is due, a bounded batch at a time, then arms the timer; a failed batch still arms it. */
  private async turn(): Promise<void> {
    if (this.stopped) return;
    try {
      let more = true;
      while (more && !this.stopped) more = await this.applyDue();
    } catch (error) {
      this.deps.log.error('expiry timer', { error: String(error) });
    }
    await this.arm();
  }

  private async arm(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    const next = await this.deps.store.nextSharingDeadline(EXPIRY_WARNING_MS);
    if (next === null || this.stopped) return;
    this.timer = setTimeout(() => this.wake(), Math.min(MAX_DELAY_MS, Math.max(0, next - this.now())));
    this.timer.unref();
  }

  /** One bounded turn; true if it did a full batch (more may be due). */
  private async applyDue(): Promise<boolean> {
    const { store, limits } = this.deps;
    const batch = limits.sharingDeadlinesPerTick;
    const now = this.now();
    const due = await store.dueSharing(now, batch);
    for (const id of due) await this.deps.exclusive(() => this.apply(id));
    const warnings = await store.grantsToWarn(now, now + EXPIRY_WARNING_MS, batch);
    for (const grant of warnings) {
      // Marked first: the mail is queued at most once per end, even if two servers race.
      if (!(await store.markGrantWarned(grant, now))) continue;
      const [to, record] = await Promise.all([store.findUser(grant.username), store.getExperiment(grant.experimentId)]);
      const sharer = record?.grants[grant.username]?.by;
      if (to && record && sharer) await this.deps.notifier.accessEnding({ to, sharer, experiment: { id: record.id, name: record.name }, until: grant.until });
    }
    return due.length === batch || warnings.length === batch;
  }

  /** Writes the experiment's state as it stands now, as an unshare or a publish would. */
  private async apply(id: string): Promise<void> {
    const { store, rooms, connections } = this.deps;
    const record = await store.getExperiment(id);
    if (!record) return;
    const now = this.now();
    const next = inForce(record, now);
    if (next === record) return;
    const project = record.projectId ? await store.getProject(record.projectId) : null;
    const before = new Set(holdersOf(record, project));
    const ended = Object.entries(record.grants).filter(([user]) => !Object.hasOwn(next.grants, user));
    const published = next.public && !record.public;
    // The experiment's history records what the server did on its own, as it records intents.
    const entries: HistoryFields[] = [
      ...ended.map(([user, grant]) => ({ experimentId: id, at: now, actor: SERVER_ACTOR, action: 'access-ended', verdict: 'accepted', code: null, detail: { user, until: grant.until } })),
      ...(published ? [{ experimentId: id, at: now, actor: SERVER_ACTOR, action: 'embargo-lifted', verdict: 'accepted', code: null, detail: { at: record.publishAt } }] : []),
    ];
    await store.transaction(async (tx) => {
      await tx.saveExperiments([next]);
      if (entries.length > 0) await tx.appendHistory({ entries, link: (head, fields) => nextLink(sha256Hex, head, fields) });
    });
    await rooms.with(docName.experiment(id), (room) => room.setSharing(sharingOf(next), project));
    await refreshProjections(store, rooms, [id], before);
    await connections.refresh([...before]);
    this.deps.log.info('sharing deadline applied', { experiment: id, ended: ended.length, published });
  }
}
