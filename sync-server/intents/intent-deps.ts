import type { IntentPlan } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import type { Actor, ServerMode } from '../../shared/schemas/entities.ts';
import type { Intent } from '../../shared/schemas/intents.ts';
import type { Connections } from '../effects/connections.ts';
import type { Notifier } from '../effects/notifier.ts';
import type { Blobs } from '../files/blobs.ts';
import type { ServerLimits } from '../limits.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import type { Rooms } from '../sync/rooms.ts';

/** What deciding an intent produced, for the answer and the audit log. */
export type Decision = { verdict: Verdict; affected: string[]; skipped: IntentPlan['skipped']; user?: string; waitingFor?: string };

/** Decides one intent and, when allowed, carries it out (sync-server/intents/intent-executor.ts). */
export type RunIntent = (actor: Actor, intent: Intent) => Promise<Decision>;

/**
 * What decisions read (the store, the documents, the connections) and effects write through.
 * Decisions only read; see docs/intents.md.
 */
export type IntentDeps = {
  store: Store; rooms: Rooms; blobs: Blobs; log: Logger; mode: () => ServerMode; connections: Connections; notifier: Notifier;
  limits: Pick<ServerLimits, 'waitingSharesPerAccount'>;
  /** Sharing state was written (a grant's end or an embargo may be sooner now): see expiry-timer.ts. */
  sharingChanged?: () => void;
};

/**
 * What the changes that arrive beside intents but run in their turn use (groups, transfers, the
 * expiry timer): the intents' own deps, and that turn.
 */
export type TurnDeps = Pick<IntentDeps, 'store' | 'rooms' | 'log' | 'mode' | 'connections' | 'notifier' | 'sharingChanged'> & {
  /** Runs work in the intents' turn (IntentExecutor.exclusive): it never interleaves with an intent being decided, nor with another such change. */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
};

/** Effects may run a further intent in the same turn: a waiting share's connection request, or the share once connected. */
export type EffectDeps = IntentDeps & { run: RunIntent };
