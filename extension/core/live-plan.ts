import type * as Y from 'yjs';
import { docName, IndexRoot, readProjectList } from '../../shared/doc-layout.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import type { Draft } from './contract.ts';

/**
 * Which documents live mode keeps a socket open for, as pure functions of what the replica
 * knows. Always: the index (the lists come from it; the public ones from GET /api/catalog), the connections document and
 * the user's project documents (the local rules read them). Besides those, only experiments
 * that have edits waiting for the server, and experiments the UI shows (`watch`): a user with
 * ten thousand experiments must not hold ten thousand sockets.
 */

/** The documents the user's index names: its experiments and its projects. */
export function indexedDocNames(index: Y.Doc): Set<string> {
  const out = new Set<string>();
  for (const id of index.getMap(IndexRoot.experiments).keys()) out.add(docName.experiment(id));
  for (const project of readProjectList(index)) out.add(docName.project(project.id));
  return out;
}

/**
 * Experiments a pending intent is about to create. Their documents do not exist on the server
 * yet, so a socket would be refused as "not a reader"; it opens once the intent is accepted.
 */
export function awaitingCreation(drafts: readonly Draft[]): Set<string> {
  const out = new Set<string>();
  for (const d of drafts) {
    if (d.kind !== 'intent' || d.state !== 'pending') continue;
    const intent = d.intent;
    if (intent.type === IntentType.create) out.add(intent.experimentId);
    else if (intent.type === IntentType.clone || intent.type === IntentType.exportGate) out.add(intent.newId);
  }
  return out;
}

export type WantedInput = {
  me: string;
  /** The index document (its projects are always open). */
  index: Y.Doc;
  drafts: readonly Draft[];
  /** Experiment ids the UI has open. */
  watched: Iterable<string>;
  /** Documents the server refused this account; not reopened until the index lists them anew. */
  blocked: ReadonlySet<string>;
  /**
   * False until the index has synced once this session. Edits made offline wait for it, so an
   * experiment withdrawn meanwhile is seen as dropped from the index (ACCESS_REVOKED) rather
   * than refused at connect, whichever answer happened to come first.
   */
  indexSynced: boolean;
};

export function wantedDocs({ me, index, drafts, watched, blocked, indexSynced }: WantedInput): Set<string> {
  const out = new Set<string>([docName.index(me), docName.connections(me)]);
  for (const project of readProjectList(index)) out.add(docName.project(project.id));
  const creating = awaitingCreation(drafts);
  const experiments = new Set<string>(watched);
  if (indexSynced) for (const d of drafts) if (d.kind === 'edit' && d.state === 'pending') experiments.add(d.experimentId);
  for (const id of experiments) if (!creating.has(id)) out.add(docName.experiment(id));
  for (const name of blocked) out.delete(name);
  return out;
}

/** What changed between two looks at the index. */
export function indexChanges(before: ReadonlySet<string>, after: ReadonlySet<string>): { gone: string[]; appeared: string[] } {
  return { gone: [...before].filter((n) => !after.has(n)), appeared: [...after].filter((n) => !before.has(n)) };
}

/** How many never-fetched experiments live mode fetches at a time. */
export const PREFETCH_AT_ONCE = 6;

/**
 * Listed experiments this device has never held, a few at a time: each is fetched once so that
 * everything the user can see stays usable with the server down. Once synced it is closed again
 * (unless watched); later changes arrive when the UI watches it.
 */
export function prefetchBatch(
  index: Y.Doc,
  stored: ReadonlySet<string>,
  inFlight: ReadonlySet<string>,
  blocked: ReadonlySet<string>,
  creating: ReadonlySet<string>,
): string[] {
  const room = PREFETCH_AT_ONCE - inFlight.size;
  if (room <= 0) return [];
  const out: string[] = [];
  for (const id of index.getMap(IndexRoot.experiments).keys()) {
    const name = docName.experiment(id);
    if (stored.has(name) || inFlight.has(name) || blocked.has(name) || creating.has(id)) continue;
    out.push(name);
    if (out.length === room) break;
  }
  return out;
}
