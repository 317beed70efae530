import { docName } from '../../shared/doc-layout.ts';
import { applyProjectIntent } from '../../shared/rules/projects.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import { IntentType, type ProjectIntent } from '../../shared/schemas/intents.ts';
import { newProject, type ProjectState } from '../../shared/schemas/project.ts';
import type { ProjectDecided } from '../decisions/project-decisions.ts';
import type { Decision, EffectDeps } from '../intents/intent-deps.ts';
import { refreshProjectLists, refreshProjections } from './projections.ts';

/**
 * Project administration. A change of members or policy changes who reaches every experiment
 * of the project, so it is mirrored into the project document and into every loaded
 * experiment document of the project (cutting off whoever lost access), and every index that
 * lists those experiments is rewritten.
 */
export async function changeProject(deps: EffectDeps, actor: Actor, intent: ProjectIntent, decided: ProjectDecided): Promise<Decision> {
  const { store, rooms } = deps;
  const { plan, current } = decided;
  const now = Date.now();
  const next = intent.type === IntentType.projectCreate ? newProject(intent.projectId, intent.name, actor.username) : applyProjectIntent(intent, plan, current as ProjectState);
  await store.saveProject(next, now);
  await rooms.with(docName.project(next.id), (room) => room.setProject(next));
  const experimentIds = await store.projectExperiments(next.id);
  for (const id of experimentIds) {
    const room = await rooms.ifLoaded(docName.experiment(id));
    if (room) await room.setProject(next);
  }
  const membersBefore = Object.keys(current?.members ?? {});
  const membersAfter = Object.keys(next.members);
  await refreshProjections(store, rooms, experimentIds, membersBefore);
  await refreshProjectLists(store, rooms, [...membersBefore, ...membersAfter]);
  if (intent.type === IntentType.projectMember && plan.user && !membersBefore.includes(plan.user)) {
    // Joining a project connects the newcomer with everyone already on it.
    await deps.connections.autoConnect(membersBefore, [plan.user]);
  }
  await deps.connections.refresh([...membersBefore, ...membersAfter]);
  return { ...decided.decision, affected: experimentIds };
}
