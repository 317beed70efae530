import { randomBytes } from 'node:crypto';
import { nextLink, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import { ErrorCode } from '../../shared/codes.ts';
import { docName } from '../../shared/doc-layout.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import { applyTransfer, checkTransferAnswer, planAcceptance, planTransferOffer, type TransferAnswer } from '../../shared/rules/transfer.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { TransferList, TransferOfferAnswer, TransferRecord, TransferRequest, TransferSummary } from '../../shared/schemas/transfers.ts';
import type { ServerLimits } from '../limits.ts';
import type { MailMessage } from '../mail/mail-queue.ts';
import { transferOffer } from '../mail/transfer-mail.ts';
import type { ExperimentRecord, StoreTx } from '../store/store.ts';
import type { TurnDeps } from '../intents/intent-deps.ts';
import { sharingOf } from '../store/sharing-of.ts';
import { holdersOf, refreshProjections } from './projections.ts';
import { orRefuse, Refused } from './refused.ts';

export type TransferDeps = TurnDeps & {
  limits: Pick<ServerLimits, 'pendingTransfersPerAccount' | 'experimentsPerTransfer'>;
  /** Queues a mail durably (sync-server/mail/mail-queue.ts). */
  mail: (message: MailMessage) => Promise<void>;
};

const ANSWERED = { accept: 'accepted', decline: 'declined', cancel: 'cancelled' } as const;
const link = (head: Parameters<typeof nextLink>[1], fields: HistoryFields) => nextLink(sha256Hex, head, fields);

/**
 * Offers of ownership and their answers. Everything runs in the intents' turn; acceptance
 * writes the new owner and the giver's grant, closes the offer and appends the history in one
 * unit of work, then mirrors the sharing state into each document (the room cuts off whoever
 * lost access: a giver who leaves), and redraws the indexes: only now does the receiver see it.
 */
export class Transfers {
  constructor(private readonly deps: TransferDeps) {}

  offer(actor: Actor, request: TransferRequest): Promise<TransferOfferAnswer> {
    return this.deps.exclusive(async () => {
      const { store } = this.deps;
      const now = Date.now();
      const experiments = await this.familyOf([request.experimentId]);
      const receiver = (await store.findUser(request.user))?.username ?? null;
      const connected = await this.deps.connections.isConnectedSet(actor.username);
      const offers = await store.pendingTransfers({ giver: actor.username });
      const plan = planTransferOffer(request, actor, {
        experiments: new Map([...experiments].map(([id, r]) => [id, inForce(r, now)])),
        projects: await this.projectsOf(experiments.values()),
        resolveUser: () => receiver,
        mode: this.deps.mode(),
        isConnected: (_giver, user) => connected.has(user),
        pending: new Set(offers.flatMap((t) => t.experiments)),
        offers,
        pendingOffers: offers.length,
        maxPendingOffers: this.deps.limits.pendingTransfersPerAccount,
        maxExperiments: this.deps.limits.experimentsPerTransfer,
      });
      // A retried offer (a lost answer, the command run twice): the waiting one, nothing new stored or mailed.
      const waiting = offers.find((t) => t.id === plan.resend);
      if (waiting !== undefined) return { transfer: this.summaryOf(waiting, await this.namedOf(waiting)), staying: plan.staying };
      const detail = { user: receiver ?? request.user, leave: request.leave === true, family: request.family === true };
      if (!plan.verdict.ok || plan.receiver === undefined) {
        if (experiments.has(request.experimentId)) {
          const entry = { experimentId: request.experimentId, at: now, actor: actor.username, action: 'transfer', verdict: 'refused', code: plan.verdict.ok ? null : plan.verdict.code, detail };
          await store.appendHistory({ entries: [entry], link });
        }
        orRefuse(plan.verdict);
        throw new Refused(ErrorCode.UNKNOWN_USER, 'no such account', ['user']);
      }
      const record: TransferRecord = {
        id: `t-${randomBytes(8).toString('hex')}`,
        experimentId: request.experimentId,
        giver: actor.username,
        receiver: plan.receiver,
        leave: request.leave === true,
        family: request.family === true,
        experiments: plan.moving,
        status: 'pending',
        createdAt: now,
        decidedAt: null,
      };
      await store.transaction(async (tx) => {
        await tx.saveTransfer(record);
        await this.record(tx, record, actor.username, 'transfer', now, detail);
      });
      const summary = this.summaryOf(record, experiments);
      const to = await store.findUser(record.receiver);
      // No proved address: nothing is mailed; the offer still waits in their Inbox.
      if (to?.email) await this.deps.mail({ to: to.email, ...transferOffer({ giver: actor.username, transferId: record.id, experiments: summary.experiments, leave: record.leave }) });
      return { transfer: summary, staying: plan.staying };
    });
  }

  /** Pending offers the actor made and those made to them, with what moves named. */
  async list(actor: Actor): Promise<TransferList> {
    const { store } = this.deps;
    const [outgoing, incoming] = await Promise.all([store.pendingTransfers({ giver: actor.username }), store.pendingTransfers({ receiver: actor.username })]);
    const summaries = async (records: TransferRecord[]) => Promise.all(records.map(async (record) => this.summaryOf(record, await this.namedOf(record))));
    return { outgoing: await summaries(outgoing), incoming: await summaries(incoming) };
  }

  answer(actor: Actor, id: string, answer: TransferAnswer): Promise<TransferSummary> {
    return this.deps.exclusive(async () => {
      const { store } = this.deps;
      const transfer = await store.getTransfer(id);
      orRefuse(checkTransferAnswer(transfer, actor, answer));
      const offer = transfer as TransferRecord;
      const now = Date.now();
      const experiments = await this.familyOf(offer.experiments);
      if (answer !== 'accept') {
        await store.transaction(async (tx) => {
          if (!(await tx.decideTransfer(offer.id, ANSWERED[answer], now))) throw new Refused(ErrorCode.TRANSFER_DECIDED, 'the transfer was decided meanwhile');
          await this.record(tx, offer, actor.username, `${answer}-transfer`, now, { user: offer.receiver });
        });
        return this.summaryOf({ ...offer, status: ANSWERED[answer], decidedAt: now }, experiments);
      }
      return this.accept(actor, offer, experiments, now);
    });
  }

  private async accept(actor: Actor, offer: TransferRecord, experiments: Map<string, ExperimentRecord>, now: number): Promise<TransferSummary> {
    const { store, rooms, connections } = this.deps;
    const acceptance = planAcceptance(offer, new Map([...experiments].map(([id, r]) => [id, inForce(r, now)])));
    orRefuse(acceptance.verdict);
    const projects = await this.projectsOf(experiments.values());
    const projectOf = (r: ExperimentRecord) => (r.projectId ? (projects.get(r.projectId) ?? null) : null);
    const before = new Set<string>();
    const changed = acceptance.moving.map((id) => {
      const record = experiments.get(id) as ExperimentRecord;
      holdersOf(record, projectOf(record)).forEach((user) => before.add(user));
      return applyTransfer(record, offer, now);
    });
    const moved = { ...offer, experiments: acceptance.moving };
    await store.transaction(async (tx) => {
      if (!(await tx.decideTransfer(offer.id, 'accepted', now))) throw new Refused(ErrorCode.TRANSFER_DECIDED, 'the transfer was decided meanwhile');
      await tx.saveExperiments(changed);
      // The giver's kept access is not news to them: it stays out of their Inbox.
      if (!offer.leave) for (const record of changed) await tx.setViewed(record.id, offer.giver);
      await this.record(tx, moved, actor.username, 'accept-transfer', now, { from: offer.giver, leave: offer.leave });
    });
    this.deps.sharingChanged?.();
    for (const record of changed) await rooms.with(docName.experiment(record.id), (room) => room.setSharing(sharingOf(record), projectOf(record)));
    await refreshProjections(store, rooms, changed.map((r) => r.id), before);
    const after = new Set(changed.flatMap((r) => holdersOf(r, projectOf(r))));
    // Premium: the new owner is connected with the experiment's people, as a share would connect them.
    await connections.autoConnect([...after], [offer.receiver]);
    await connections.refresh([...before, ...after]);
    this.deps.log.info('transfer accepted', { transfer: offer.id, experiments: changed.length });
    return this.summaryOf({ ...moved, status: 'accepted', decidedAt: now }, experiments);
  }

  /** One history entry per experiment the transfer names; `via` marks the family members. */
  private async record(tx: StoreTx, transfer: TransferRecord, actor: string, action: string, at: number, detail: Record<string, unknown>): Promise<void> {
    const entries: HistoryFields[] = transfer.experiments.map((experimentId) => ({
      experimentId,
      at,
      actor,
      action,
      verdict: 'accepted',
      code: null,
      detail: JSON.parse(JSON.stringify({ transfer: transfer.id, ...detail, ...(experimentId !== transfer.experimentId ? { via: transfer.experimentId } : {}) })) as unknown,
    }));
    await tx.appendHistory({ entries, link });
    await tx.audit({ at, actor, action, experimentId: transfer.experimentId, verdict: 'accepted', code: null, detail: { transfer: transfer.id, experiments: transfer.experiments, ...detail } });
  }

  private summaryOf(record: TransferRecord, experiments: ReadonlyMap<string, ExperimentRecord>): TransferSummary {
    const { id, experimentId, giver, receiver, leave, family, status, createdAt, decidedAt } = record;
    const named = record.experiments.flatMap((e) => {
      const exp = experiments.get(e);
      return exp ? [{ id: e, name: exp.name }] : [];
    });
    return { id, experimentId, giver, receiver, leave, family, status, createdAt, decidedAt, experiments: named };
  }

  /** What an offer moves, as the store has it now. */
  private async namedOf(record: TransferRecord): Promise<Map<string, ExperimentRecord>> {
    const experiments = new Map<string, ExperimentRecord>();
    for (const id of record.experiments) {
      const exp = await this.deps.store.getExperiment(id);
      if (exp) experiments.set(id, exp);
    }
    return experiments;
  }

  /** The experiments' families, as the store has them. */
  private async familyOf(ids: string[]): Promise<Map<string, ExperimentRecord>> {
    const out = new Map<string, ExperimentRecord>();
    for (const id of ids) {
      if (out.has(id)) continue;
      for (const record of await this.deps.store.getFamily(id)) out.set(record.id, record);
    }
    return out;
  }

  private async projectsOf(records: Iterable<ExperimentRecord>): Promise<Map<string, ProjectState>> {
    const projects = new Map<string, ProjectState>();
    for (const record of records) {
      if (record.projectId === null || projects.has(record.projectId)) continue;
      const project = await this.deps.store.getProject(record.projectId);
      if (project) projects.set(project.id, project);
    }
    return projects;
  }
}
