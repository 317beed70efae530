import { ErrorCode } from '../../shared/codes.ts';
import type { IntentPlan } from '../../shared/rules/intents.ts';
import { allow, refuse } from '../../shared/rules/verdict.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import { IntentType, type IntentOf } from '../../shared/schemas/intents.ts';
import type { WaitingShareRecord } from '../store/store.ts';
import type { Decision, EffectDeps } from '../intents/intent-deps.ts';

/**
 * Connect-then-share (premium servers). A share sent with `connect` to someone not connected
 * yet sends them a connection request and is kept waiting; when the two become connected
 * (accepted in the app or by the mail's link, or connected by a share of someone else) it is
 * decided again by the same rules, as the sharer, and carried out or recorded as refused with
 * the code. A declined request refuses it too. The sharer's connections document lists both.
 * The request, and the share decided again, each run as an intent of their own (`deps.run`).
 */
type Share = IntentOf<typeof IntentType.share>;

const refused = (code: ErrorCode, message: string): Decision => ({ verdict: refuse(code, message, ['user']), affected: [], skipped: [] });

export async function holdShare(deps: EffectDeps, actor: Actor, intent: Share, plan: IntentPlan): Promise<Decision> {
  const { store } = deps;
  const user = plan.waitingFor as string;
  const waiting: Decision = { verdict: allow, affected: [], skipped: [], user, waitingFor: user };
  const mine = await store.waitingShares({ sharer: actor.username });
  const open = mine.filter((w) => w.status === 'waiting');
  if (open.some((w) => w.experimentId === intent.experimentId && w.user === user)) return waiting;
  if (open.length >= deps.limits.waitingSharesPerAccount) return refused(ErrorCode.TOO_MANY_WAITING_SHARES, 'too many shares are waiting for connections');
  const target = await store.findUser(user);
  if (!target?.email) return refused(ErrorCode.NOT_CONNECTED, 'this user cannot be asked to connect');
  const me = await store.findUser(actor.username);
  const theyAsked = (await store.pendingRequests({ fromUser: user })).some((r) => me?.email && r.toEmail === me.email);
  const now = Date.now();
  const record: WaitingShareRecord = {
    id: intent.id, experimentId: intent.experimentId, sharer: actor.username, user, namedByAddress: intent.user.includes('@'),
    notify: intent.notify ?? true, message: intent.message ?? null, until: intent.until ?? null, status: 'waiting', code: null, createdAt: now, decidedAt: null,
    ...(intent.role === 'viewer' ? { role: intent.role } : {}),
  };
  // Saved before the request, whose list entry must already know how the person was named.
  if (!theyAsked) await store.saveWaitingShare(record);
  const { verdict: asked } = await deps.run(actor, { id: intent.id, type: IntentType.connect, email: target.email });
  if (!asked.ok && asked.code !== ErrorCode.REQUEST_PENDING) {
    if (!theyAsked) await store.saveWaitingShare({ ...record, status: 'done', decidedAt: now });
    return { verdict: { ...asked, path: ['user'] }, affected: [], skipped: [] };
  }
  // They had asked first: the request was an answer, so the two are connected and it applies now.
  if (theyAsked) return deps.run(actor, intent);
  // Asking again supersedes an earlier refusal of the same share.
  for (const w of mine) if (w.status === 'refused' && w.experimentId === intent.experimentId && w.user === user) await store.saveWaitingShare({ ...w, status: 'done' });
  await deps.connections.refresh([actor.username]);
  return waiting;
}

/** `a` and `b` were just connected: each one's shares waiting for the other are decided now. */
export async function settleWaitingShares(deps: EffectDeps, a: string, b: string): Promise<void> {
  const { store } = deps;
  for (const [sharer, user] of [[a, b], [b, a]] as const) {
    const due = (await store.waitingShares({ sharer, user })).filter((w) => w.status === 'waiting');
    for (const w of due) {
      const now = Date.now();
      // Marked first: carrying it out may connect more people, which settles again.
      await store.saveWaitingShare({ ...w, status: 'done', decidedAt: now });
      const account = await store.findUser(sharer);
      const intent: Share = { id: w.id, type: IntentType.share, experimentId: w.experimentId, user: w.user, notify: w.notify, ...(w.message ? { message: w.message } : {}), ...(w.role ? { role: w.role } : {}), ...(w.until ? { until: w.until } : {}) };
      const decision = account ? await deps.run({ username: sharer, staff: account.staff }, intent) : refused(ErrorCode.UNKNOWN_USER, 'the sharer is gone');
      const { verdict } = decision;
      if (!verdict.ok) await store.saveWaitingShare({ ...w, status: 'refused', code: verdict.code, decidedAt: now });
      await store.audit({
        at: now, actor: sharer, action: IntentType.share, experimentId: w.experimentId,
        verdict: verdict.ok ? 'accepted' : 'refused', code: verdict.ok ? null : verdict.code,
        detail: { intent, waitedForConnection: true, affected: decision.affected, skipped: decision.skipped, user: w.user },
      });
    }
    if (due.length > 0) await deps.connections.refresh([sharer]);
  }
}

/** `to` declined `from`'s request: `from`'s shares waiting for `to` are refused. */
export async function declineWaitingShares(deps: Pick<EffectDeps, 'store' | 'connections'>, from: string, to: string): Promise<void> {
  const due = (await deps.store.waitingShares({ sharer: from, user: to })).filter((w) => w.status === 'waiting');
  for (const w of due) await deps.store.saveWaitingShare({ ...w, status: 'refused', code: ErrorCode.NOT_CONNECTED, decidedAt: Date.now() });
  if (due.length > 0) await deps.connections.refresh([from]);
}
