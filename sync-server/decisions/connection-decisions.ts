import { ErrorCode } from '../../shared/codes.ts';
import { planConnectionIntent, type ConnectionContext } from '../../shared/rules/connections.ts';
import { refuse } from '../../shared/rules/verdict.ts';
import type { Actor, ServerMode } from '../../shared/schemas/entities.ts';
import { IntentType, type ConnectionIntent } from '../../shared/schemas/intents.ts';
import type { Store, UserRecord } from '../store/store.ts';
import type { Decision, IntentDeps } from '../intents/intent-deps.ts';

/** A connection intent decided: the verdict, the rules' view it was decided on, and a request's addressee if they have an account. */
export type ConnectionDecided = { decision: Decision; ctx: ConnectionContext; target: UserRecord | null };

/** The connection rules against the stored connections and requests, changing nothing. */
export async function decideConnectionIntent(deps: IntentDeps, actor: Actor, intent: ConnectionIntent): Promise<ConnectionDecided> {
  const email = intent.type === IntentType.connect ? intent.email : undefined;
  const ctx = await connectionContext(deps.store, deps.mode(), actor, email);
  const target = email !== undefined ? await deps.store.findUser(email) : null;
  const decided = (verdict: Decision['verdict']): ConnectionDecided => ({ decision: { verdict, affected: [], skipped: [] }, ctx, target });
  // A request mails an address in the sender's name: an account that has proved no address
  // (a throwaway sign-up) may not send any, nor pose as the address it merely claimed.
  if (intent.type === IntentType.connect && ctx.mode === 'premium' && ctx.actorEmail === '') {
    return decided(refuse(ErrorCode.EMAIL_NOT_VERIFIED, 'prove your own address first', ['email']));
  }
  return decided(planConnectionIntent(intent, actor, ctx));
}

/** The rules' view of `actor`'s connections, read from the database; `email` is resolved too. */
export async function connectionContext(store: Store, mode: ServerMode, actor: Actor, email?: string): Promise<ConnectionContext> {
  const me = await store.findUser(actor.username);
  const myEmail = me?.email ?? '';
  const connected = new Set((await store.connectionsOf(actor.username)).map((c) => (c.a === actor.username ? c.b : c.a)));
  const outgoing = new Set<string>();
  for (const r of await store.pendingRequests({ fromUser: actor.username })) {
    outgoing.add(r.toEmail);
    const target = await store.findUser(r.toEmail);
    if (target) outgoing.add(target.username);
  }
  const incoming = new Set((await store.pendingRequests({ toEmail: myEmail })).map((r) => r.fromUser));
  const shared = new Map<string, number>();
  for (const user of connected) {
    shared.set(user, (await store.sharedExperimentCount(actor.username, user)) + (await store.sharedProjectCount(actor.username, user)));
  }
  const resolved = email ? ((await store.findUser(email))?.username ?? null) : null;
  return {
    mode,
    actorEmail: myEmail,
    connected,
    outgoing,
    incoming,
    sharedWith: (user) => shared.get(user) ?? 0,
    userByEmail: (address) => (email && address === email.toLowerCase() ? resolved : null),
  };
}
