import type { Harness, TestUser } from '../../integration/support/harness.ts';
import { tagKey, docName } from '../../../shared/doc-layout.ts';
import { HIDDEN, HOSTILE } from './hostile-updates.ts';
import { holeFixed, type Hole } from './property-commands.ts';
import type { ReplicaSocket } from './replica-socket.ts';
import type { DocKey, SharingModel, User } from './sharing-model.ts';

/** The key multi-value writes use: left out of the content comparison (a fix may refuse or trim them). */
export const LOOSE_TAG = tagKey('s39.fcs', 'Donor');
export const WAIT_MS = 5_000;

/** A socket a run opened, and how much of what it received was checked already. */
export type Tracked = { user: User; doc: string; socket: ReplicaSocket; checkedUpTo: number };

/** What the runs so far did, printed by the property test so a run that exercised nothing shows. */
export const exercised: Record<string, number> = {};
export function count(what: string): void {
  exercised[what] = (exercised[what] ?? 0) + 1;
}

/** The accounts every run uses, made once per server. */
export type Accounts = Record<User, TestUser>;

/** What a run's commands (scenario.ts, scenario-hostile.ts) and its checks (scenario-checks.ts) share. */
export type ScenarioState = {
  readonly h: Harness;
  readonly accounts: Accounts;
  readonly model: SharingModel;
  /** This run's number in the process, so ids a run makes up differ from the last run's. */
  readonly runNumber: number;
  /** Every check on, the known holes' too (the pinned regression tests of those holes). */
  readonly strict: boolean;
  /** The sockets open now, by `key(user, doc)`. */
  readonly open: Map<string, Tracked>;
  /** Every socket the run opened, closed ones too: nothing may reach one after it was cut off. */
  readonly everyone: Tracked[];
  /** Client ids a run wrote under, with the account that did. */
  readonly claimed: Map<number, User>;
};

export function checks(run: ScenarioState, hole: Hole): boolean {
  return run.strict || holeFixed(hole);
}

/** Values that must never be stored nor reach a socket. */
export function markers(run: ScenarioState): string[] {
  return [HOSTILE, ...(checks(run, 'multiValue') ? [HIDDEN] : []), ...(checks(run, 'awarenessGarbage') ? ['GARBAGE'] : [])];
}

export function key(user: User, doc: DocKey): string {
  return `${user}:${doc}`;
}

export function docKeyOf(model: SharingModel, name: string): DocKey {
  return name === docName.experiment(model.ids.E) ? 'E' : 'P';
}

/**
 * How a socket that failed a round trip ended: a socket the server is closing is no longer
 * open before its close event fires, so the event is awaited (bounded); null if it stays open.
 */
export async function closeOf(socket: ReplicaSocket): Promise<{ code: number; reason: string } | null> {
  return withTimeout(socket.closed, 'close event').catch(() => null);
}

export async function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
