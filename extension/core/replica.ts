import type * as Y from 'yjs';
import { docName, ExperimentRoot, parseDocName, readProject, readSharing, DocKind } from '../../shared/doc-layout.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { SharingState } from '../../shared/schemas/entities.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { Draft } from './contract.ts';
import type { ClientStore } from './store.ts';

/**
 * What the local replica knows about sharing: the state mirrored in every stored experiment
 * document, plus a provisional state for experiments this user created or cloned in a draft
 * the server has not decided yet (so they can be edited, shared and shown while offline).
 */
export async function knownExperiments(store: ClientStore, drafts: Draft[], me: string): Promise<Map<string, SharingState>> {
  const known = new Map<string, SharingState>();
  for (const name of await store.docNames()) {
    const ref = parseDocName(name);
    if (ref?.kind !== DocKind.experiment) continue;
    const state = readSharing(await store.openDoc(name), ref.experimentId);
    if (state) known.set(ref.experimentId, state);
  }
  for (const draft of drafts) {
    if (draft.kind !== 'intent' || draft.state !== 'pending') continue;
    const intent = draft.intent;
    if (intent.type === IntentType.create && !known.has(intent.experimentId)) {
      known.set(intent.experimentId, newSharing(intent.experimentId, me));
    }
    if (intent.type === IntentType.clone && !known.has(intent.newId)) {
      const from = known.get(intent.experimentId);
      known.set(intent.newId, newSharing(intent.newId, me, { clonedFrom: intent.experimentId, parentId: intent.linked ? (from?.id ?? null) : null }));
    }
  }
  return known;
}

/** The projects whose documents the replica holds (the user's own projects). */
export async function knownProjects(store: ClientStore): Promise<Map<string, ProjectState>> {
  const known = new Map<string, ProjectState>();
  for (const name of await store.docNames()) {
    if (parseDocName(name)?.kind !== DocKind.project) continue;
    const project = readProject(await store.openDoc(name));
    if (project) known.set(project.id, project);
  }
  return known;
}

/** The name a pending create or clone gave an experiment the server has not written yet. */
export function provisionalName(drafts: Draft[], experimentId: string): string | null {
  for (const draft of drafts) {
    if (draft.kind === 'intent' && draft.intent.type === IntentType.create && draft.intent.experimentId === experimentId) {
      return draft.intent.name;
    }
  }
  return null;
}

/** The names pending renames gave these experiments, as their replicas hold them (a few documents at most). */
export async function pendingNames(store: ClientStore, experimentIds: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const stored = new Set(await store.docNames());
  for (const id of experimentIds) {
    const name = docName.experiment(id);
    if (!stored.has(name)) continue;
    const value = (await store.openDoc(name)).getMap(ExperimentRoot.meta).get('name');
    if (typeof value === 'string' && value !== '') names.set(id, value);
  }
  return names;
}

/**
 * Experiments whose read right the server withdrew, with when. A local-only document (never
 * linked to the server) so every store persists it without a new port method. Lists hide an
 * entry removed after it was shared; a fresh sync of the experiment clears the mark.
 */
const REMOVED_DOC = 'local-removed';

export async function removedMarks(store: ClientStore): Promise<Y.Map<number>> {
  return (await store.openDoc(REMOVED_DOC)).getMap<number>('removed');
}

export async function markRemoved(store: ClientStore, experimentId: string, at: number): Promise<void> {
  (await removedMarks(store)).set(experimentId, at);
  await store.deleteDoc(docName.experiment(experimentId));
}

export async function clearRemoved(store: ClientStore, experimentId: string): Promise<void> {
  const marks = await removedMarks(store);
  if (marks.has(experimentId)) marks.delete(experimentId);
}
