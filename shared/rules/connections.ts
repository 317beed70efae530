import { ErrorCode } from '../codes.ts';
import type { Actor, ServerMode } from '../schemas/entities.ts';
import { IntentType, type ConnectionIntent } from '../schemas/intents.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * Connections (premium servers): who may be shared with. A request goes to an email address and
 * waits until the other side accepts or rejects it; sharing needs a connection; a connection can
 * be removed only while the two share nothing. Enterprise servers switch all of it off.
 */
export type ConnectionContext = {
  mode: ServerMode;
  /** The actor's own email, so a request to oneself is refused. */
  actorEmail: string;
  /** Usernames the actor is connected with (connected or pre-existing). */
  connected: ReadonlySet<string>;
  /** Emails (lower case) and usernames the actor has a pending request to. */
  outgoing: ReadonlySet<string>;
  /** Usernames with a pending request to the actor. */
  incoming: ReadonlySet<string>;
  /** Resolves an email to a username where the caller knows it (the server always does). */
  userByEmail?: (email: string) => string | null;
  /** Experiments and projects the actor shares with `user`. */
  sharedWith: (user: string) => number;
};

/** Order: connections exist on this server, then the target, then the state of the pair. */
export function planConnectionIntent(intent: ConnectionIntent, actor: Actor, ctx: ConnectionContext): Verdict {
  if (ctx.mode === 'enterprise') return refuse(ErrorCode.CONNECTIONS_DISABLED, 'connections are off on this server');
  switch (intent.type) {
    case IntentType.connect: {
      const email = intent.email.toLowerCase();
      const user = ctx.userByEmail?.(email) ?? null;
      if (email === ctx.actorEmail.toLowerCase() || user === actor.username) {
        return refuse(ErrorCode.CANNOT_CONNECT_TO_SELF, 'that is your own address', ['email']);
      }
      if (user !== null && ctx.connected.has(user)) return refuse(ErrorCode.ALREADY_CONNECTED, 'already connected', ['email']);
      if (ctx.outgoing.has(email) || (user !== null && ctx.outgoing.has(user))) {
        return refuse(ErrorCode.REQUEST_PENDING, 'a request is already waiting', ['email']);
      }
      return allow;
    }
    case IntentType.accept:
    case IntentType.reject:
      return ctx.incoming.has(intent.user) ? allow : refuse(ErrorCode.NO_PENDING_REQUEST, 'no request from this user', ['user']);
    case IntentType.disconnect:
      if (!ctx.connected.has(intent.user)) return refuse(ErrorCode.NOT_CONNECTED, 'not connected', ['user']);
      if (ctx.sharedWith(intent.user) > 0) return refuse(ErrorCode.CONNECTION_IN_USE, 'you still share data with this user', ['user']);
      return allow;
    default: {
      const exhaustive: never = intent;
      return exhaustive;
    }
  }
}
