import { planProjectIntent, type ProjectPlan } from '../../shared/rules/projects.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import { IntentType, type ProjectIntent } from '../../shared/schemas/intents.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { Decision, IntentDeps } from '../intents/intent-deps.ts';

/** A project intent decided: the plan, and the project as stored before it (null for a new one). */
export type ProjectDecided = { decision: Decision; plan: ProjectPlan; current: ProjectState | null };

/** The project rules against the stored project, changing nothing. */
export async function decideProjectIntent(deps: IntentDeps, actor: Actor, intent: ProjectIntent): Promise<ProjectDecided> {
  const { store } = deps;
  const current = await store.getProject(intent.projectId);
  const projects = new Map<string, ProjectState>(current ? [[current.id, current]] : []);
  const resolved = intent.type === IntentType.projectMember ? ((await store.findUser(intent.user))?.username ?? null) : null;
  const connected = await deps.connections.isConnectedSet(actor.username);
  const plan = planProjectIntent(intent, actor, {
    projects,
    mode: deps.mode(),
    resolveUser: () => resolved,
    isConnected: (_a, b) => connected.has(b),
  });
  const decision: Decision = { verdict: plan.verdict, affected: [], skipped: [], ...(plan.user ? { user: plan.user } : {}) };
  return { decision, plan, current };
}
