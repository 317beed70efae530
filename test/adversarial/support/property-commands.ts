import type { ModelIntent, DocKey, User } from './sharing-model.ts';

/**
 * Holes other engineers are closing on their branches (see the report of h/property), one flag
 * each. While a flag is false its generator stays out of the random runs and its check is off
 * there; its pinned regression test (server-properties.test.ts) runs with every check on and is expected to fail
 * (`it.fails`). The lead sets a flag to true when the fix is merged: the generator joins the
 * random runs and the regression test must then pass.
 */
export const KNOWN_HOLES = {
  /** A map write whose ContentAny holds several values: only the last is checked, all are stored and relayed. */
  multiValue: true,
  /** A GC placeholder struct (no content, no parent) is accepted into server-owned documents such as the catalog. */
  gcPlaceholder: true,
  /** A client may write under the server's own client id of a document. */
  serverClientId: true,
  /** Awareness messages are relayed to every reader as they came, garbage included. */
  awarenessGarbage: true,
  /** A refused write leaves its root name (as a tombstone's parent) in the stored document. */
  refusedRootNames: true,
};
export type Hole = keyof typeof KNOWN_HOLES;
/** `PROPERTY_KNOWN_HOLES=on` turns every hole's generator and check on for one run, to see where a branch stands. */
const ALL_HOLES_ON = process.env.PROPERTY_KNOWN_HOLES === 'on';
export function holeFixed(hole: Hole): boolean {
  return ALL_HOLES_ON || KNOWN_HOLES[hole];
}
export const KNOWN_HOLES_FIXED = (Object.keys(KNOWN_HOLES) as Hole[]).every(holeFixed);

export const HOSTILE_KINDS = [
  'sharing-write',
  'files-write',
  'unknown-root',
  'unknown-key',
  'bad-value',
  'nested',
  'oversize',
  'forged-id',
  'random-bytes',
  'random-sync',
  'delete-flood',
  'skip-into-catalog',
] as const;
/** Generators of the known holes, each with its flag. */
export const GATED_HOSTILE_KINDS = { 'multi-value': 'multiValue', 'forged-server-id': 'serverClientId', 'gc-into-catalog': 'gcPlaceholder', 'awareness-garbage': 'awarenessGarbage' } as const satisfies Record<string, Hole>;
export function hostileKinds(): HostileKind[] {
  const gated = Object.entries(GATED_HOSTILE_KINDS).filter(([, hole]) => holeFixed(hole)).map(([kind]) => kind as keyof typeof GATED_HOSTILE_KINDS);
  return [...HOSTILE_KINDS, ...gated];
}
export type HostileKind = (typeof HOSTILE_KINDS)[number] | keyof typeof GATED_HOSTILE_KINDS;
export const EDIT_FIELDS = ['name', 'purpose', 'tag', 'gate', 'ungate'] as const;

/** One step of a property run: plain data, so a shrunk counterexample replays as a literal. */
export type Command =
  | { t: 'join'; user: User; doc: DocKey }
  | { t: 'leave'; user: User; doc: DocKey }
  | { t: 'edit'; user: User; doc: DocKey; field: (typeof EDIT_FIELDS)[number]; n: number }
  | { t: 'hostile'; user: User; doc: DocKey; kind: HostileKind; n: number; bytes: number[] }
  | { t: 'intent'; intent: ModelIntent }
  /** Alice removes the access of the n-th open reader socket's account (unshare, project removal, unpublish or trash, whichever gave it access). */
  | { t: 'revoke'; n: number };
