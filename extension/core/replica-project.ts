import type * as Y from 'yjs';
import { readProjectPeople } from '../../shared/doc-layout.ts';
import type { SharingState } from '../../shared/schemas/entities.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';

/**
 * An experiment's project with its policy, as the access rules need it: the one the user knows,
 * else the people and policy the server mirrors into the experiment's document (a collaborator
 * outside the project knows it only from there). Null when there is none or it is not known.
 */
export function replicaProject(doc: Y.Doc | null, state: SharingState, projects: ReadonlyMap<string, ProjectState>): ProjectState | null {
  if (state.projectId === null) return null;
  const known = projects.get(state.projectId);
  if (known) return known;
  const people = doc ? readProjectPeople(doc) : null;
  return people?.id === state.projectId && people.policy ? { id: people.id, name: people.id, members: people.members, policy: people.policy } : null;
}
