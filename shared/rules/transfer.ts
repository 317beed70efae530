import { ErrorCode } from '../codes.ts';
import type { Actor, ServerMode, SharingState } from '../schemas/entities.ts';
import type { ProjectState } from '../schemas/project.ts';
import type { StayReason, TransferRecord, TransferRequest } from '../schemas/transfers.ts';
import { can, Capability } from './access.ts';
import { familyOf } from './family.ts';
import { grantFor } from './grant-roles.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * Ownership moves with consent (pure: the server decides with these, the client may preview).
 * An offer names one experiment; with `family`, the linked experiments its giver owns (not in
 * the trash) move with it, and every other family member is listed as staying, with why.
 */
export type TransferContext = {
  /** The target's family as it stands now (expired grants already ended: `inForce`). */
  experiments: ReadonlyMap<string, SharingState>;
  projects?: ReadonlyMap<string, ProjectState>;
  /** Resolves a username or address; absent where it cannot be known (then `user` is a username). */
  resolveUser?: (ref: string) => string | null;
  mode: ServerMode;
  /** Premium servers: are the two connected? Absent where unknown; the server always knows. */
  isConnected?: (a: string, b: string) => boolean;
  /** Experiments already in a pending transfer. */
  pending: ReadonlySet<string>;
  /** The giver's pending offers: one naming the same experiment to the same receiver with the same options is a resend. */
  offers?: ReadonlyArray<WaitingOffer>;
  /** The most experiments one offer may move (`ServerLimits.experimentsPerTransfer`). */
  maxExperiments?: number;
  /** The giver's pending offers, and how many they may have. */
  pendingOffers?: number;
  maxPendingOffers?: number;
};

export type WaitingOffer = Pick<TransferRecord, 'id' | 'experimentId' | 'receiver' | 'leave' | 'family' | 'experiments'>;

export type TransferPlan = {
  verdict: Verdict;
  receiver?: string;
  /** What moves, the named experiment first. */
  moving: string[];
  staying: Array<{ experimentId: string; owner: string; reason: StayReason }>;
  /** The same offer is already waiting (a retried request): answer with it, store nothing new. */
  resend?: string;
};

const refused = (verdict: Verdict): TransferPlan => ({ verdict, moving: [], staying: [] });

/**
 * Order (part of the contract): the experiment exists, the actor can see it (a stranger learns
 * only that), owns it, it is not trashed; the receiver exists, is someone else and, on a premium
 * server, is connected with the giver (as for a share: unless they already hold a direct grant);
 * an offer that is already waiting, to the same receiver with the same `leave` and `family`, is
 * a resend and answered with the waiting one (a retry after a lost answer gets what the first
 * got); otherwise nothing moving may be already offered; what moves and the giver's offers are
 * within bounds.
 */
export function planTransferOffer(request: TransferRequest, actor: Actor, ctx: TransferContext): TransferPlan {
  const exp = ctx.experiments.get(request.experimentId);
  if (exp === undefined) return refused(refuse(ErrorCode.UNKNOWN_EXPERIMENT, 'no such experiment', ['experimentId']));
  const project = exp.projectId === null ? null : (ctx.projects?.get(exp.projectId) ?? null);
  const view = can(exp, actor, Capability.view, project);
  if (!view.ok) return refused(view);
  if (exp.owner !== actor.username) return refused(refuse(ErrorCode.OWNER_ONLY, 'only the owner can give an experiment away', ['experimentId']));
  if (exp.trashed) return refused(refuse(ErrorCode.EXPERIMENT_TRASHED, 'the experiment is in the trash', ['experimentId']));
  const receiver = ctx.resolveUser ? ctx.resolveUser(request.user) : request.user;
  if (receiver === null) return refused(refuse(ErrorCode.UNKNOWN_USER, 'no such account', ['user']));
  if (receiver === actor.username) return refused(refuse(ErrorCode.CANNOT_TRANSFER_TO_SELF, 'you own it already', ['user']));
  if (ctx.mode === 'premium' && ctx.isConnected && !Object.hasOwn(exp.grants, receiver) && !ctx.isConnected(actor.username, receiver)) {
    return refused(refuse(ErrorCode.NOT_CONNECTED, 'connect with this user first', ['user']));
  }
  const moving = [exp.id];
  const staying: TransferPlan['staying'] = [];
  for (const id of familyOf(exp.id, ctx.experiments)) {
    const member = ctx.experiments.get(id);
    if (id === exp.id || member === undefined) continue;
    const reason: StayReason | null = member.owner !== actor.username ? 'not-yours' : member.trashed ? 'trashed' : request.family === true ? null : 'not-asked';
    if (reason === null) moving.push(id);
    else staying.push({ experimentId: id, owner: member.owner, reason });
  }
  const waiting = ctx.offers?.find((t) => t.experimentId === exp.id);
  if (waiting !== undefined && waiting.receiver === receiver && waiting.leave === (request.leave === true) && waiting.family === (request.family === true)) {
    return { verdict: allow, receiver, moving: [...waiting.experiments], staying, resend: waiting.id };
  }
  if (moving.some((id) => ctx.pending.has(id))) return refused(refuse(ErrorCode.TRANSFER_PENDING, 'a transfer is already waiting', ['experimentId']));
  if (ctx.maxExperiments !== undefined && moving.length > ctx.maxExperiments) {
    return refused(refuse(ErrorCode.TOO_MANY_TRANSFER_EXPERIMENTS, `one transfer moves at most ${ctx.maxExperiments} experiments; this family has ${moving.length} of yours`, ['family']));
  }
  if (ctx.maxPendingOffers !== undefined && (ctx.pendingOffers ?? 0) >= ctx.maxPendingOffers) {
    return refused(refuse(ErrorCode.TOO_MANY_TRANSFERS, 'too many transfers waiting'));
  }
  return { verdict: allow, receiver, moving, staying };
}

export type TransferAnswer = 'accept' | 'decline' | 'cancel';

/**
 * Who may answer an offer: the receiver accepts or declines, the giver cancels. Anyone else
 * learns nothing (UNKNOWN_TRANSFER, as for an id that never existed); the other side of the
 * offer is told who may; a decided offer stays decided, and one withdrawn because its experiment
 * was deleted says that the experiment is gone.
 */
export function checkTransferAnswer(transfer: TransferRecord | null, actor: Actor, answer: TransferAnswer): Verdict {
  if (transfer === null || (actor.username !== transfer.giver && actor.username !== transfer.receiver)) {
    return refuse(ErrorCode.UNKNOWN_TRANSFER, 'no such transfer', ['transferId']);
  }
  const mine = answer === 'cancel' ? transfer.giver : transfer.receiver;
  if (actor.username !== mine) {
    return answer === 'cancel'
      ? refuse(ErrorCode.OWNER_ONLY, 'only the giver can cancel the offer', ['transferId'])
      : refuse(ErrorCode.NOT_THE_RECEIVER, 'only the receiver answers the offer', ['transferId']);
  }
  if (transfer.status === 'withdrawn') return refuse(ErrorCode.UNKNOWN_EXPERIMENT, 'the experiment was deleted, which withdrew the offer', ['transferId']);
  if (transfer.status !== 'pending') return refuse(ErrorCode.TRANSFER_DECIDED, `the transfer was ${transfer.status}`, ['transferId']);
  return allow;
}

/**
 * On acceptance, what still moves: the named experiment must still be the giver's and not
 * trashed (else the refusal, and the offer keeps waiting); a family member that was deleted,
 * trashed or is no longer the giver's meanwhile stays behind.
 */
export function planAcceptance(transfer: TransferRecord, experiments: ReadonlyMap<string, SharingState>): { verdict: Verdict; moving: string[] } {
  const exp = experiments.get(transfer.experimentId);
  if (exp === undefined) return { verdict: refuse(ErrorCode.UNKNOWN_EXPERIMENT, 'the experiment no longer exists'), moving: [] };
  if (exp.owner !== transfer.giver) return { verdict: refuse(ErrorCode.OWNER_ONLY, 'the giver no longer owns it'), moving: [] };
  if (exp.trashed) return { verdict: refuse(ErrorCode.EXPERIMENT_TRASHED, 'the experiment is in the trash'), moving: [] };
  const moving = transfer.experiments.filter((id) => {
    const member = experiments.get(id);
    return member !== undefined && member.owner === transfer.giver && !member.trashed;
  });
  return { verdict: allow, moving };
}

/**
 * The sharing state after acceptance: the receiver owns it (a direct grant they held is folded
 * into ownership); the giver keeps full direct access unless they chose to leave. Everything else
 * (other people's grants, groups, project, public, curated, embargo, links) stays as it was.
 */
export function applyTransfer<T extends SharingState>(state: T, transfer: Pick<TransferRecord, 'giver' | 'receiver' | 'leave'>, now: number): T {
  const grants = { ...state.grants };
  delete grants[transfer.receiver];
  if (!transfer.leave) grants[transfer.giver] = grantFor(transfer.receiver, now, 'full');
  return { ...state, owner: transfer.receiver, grants };
}
