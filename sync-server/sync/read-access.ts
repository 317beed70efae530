import { DocKind, type DocRef } from '../../shared/doc-layout.ts';
import { accessOf } from '../../shared/rules/access.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { Store } from '../store/store.ts';

/**
 * Who may read a document, as one pure decision: a loaded room asks it with the state it holds,
 * a read from stored state (mux catch-up) with the state the database holds. An experiment
 * with no sharing state (none stored, or deleted) has no reader, so a name that exists and one
 * that does not are refused alike.
 */
export function canReadDoc(ref: DocRef, sharing: SharingState | null, project: ProjectState | null, actor: Actor, now: number): boolean {
  switch (ref.kind) {
    case DocKind.experiment:
      return sharing !== null && accessOf(inForce(sharing, now), actor.username, project) !== 'none';
    case DocKind.project:
      return project !== null && Object.hasOwn(project.members, actor.username);
    case DocKind.index:
    case DocKind.connections:
      return ref.username === actor.username;
    case DocKind.catalog:
      return true;
    default: {
      const exhaustive: never = ref;
      return exhaustive;
    }
  }
}

/** The sharing and project state the database holds for a document, as a room would load them (rooms.ts). */
export async function storedReaders(store: Store, ref: DocRef): Promise<{ sharing: SharingState | null; project: ProjectState | null }> {
  if (ref.kind === DocKind.experiment) {
    const record = await store.getExperiment(ref.experimentId);
    if (!record) return { sharing: null, project: null };
    const { name: _name, createdAt: _createdAt, ...sharing } = record;
    return { sharing, project: sharing.projectId ? await store.getProject(sharing.projectId) : null };
  }
  if (ref.kind === DocKind.project) return { sharing: null, project: await store.getProject(ref.projectId) };
  return { sharing: null, project: null };
}
