import { docName, readContent } from '../../shared/doc-layout.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import { planIntent, type IntentPlan } from '../../shared/rules/intents.ts';
import type { Actor, Gate } from '../../shared/schemas/entities.ts';
import { IntentType, type ExperimentIntent } from '../../shared/schemas/intents.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { ExperimentRecord } from '../store/store.ts';
import type { Decision, IntentDeps } from '../intents/intent-deps.ts';

/** An experiment intent decided: the rules' plan, and the stored state it was decided on (which its effects change). */
export type ExperimentDecided = { decision: Decision; plan: IntentPlan; experiments: Map<string, ExperimentRecord>; projects: Map<string, ProjectState> };

/**
 * The rules' plan for an experiment intent against the server's current state, changing
 * nothing: what its effects carry out, and all a dry run answers (so both give the same code).
 */
export async function decideExperimentIntent(deps: IntentDeps, actor: Actor, intent: ExperimentIntent): Promise<ExperimentDecided> {
  const { store } = deps;
  const { experiments, projects } = await context(deps, intent);
  const resolved = 'user' in intent ? ((await store.findUser(intent.user))?.username ?? null) : null;
  const connected = await deps.connections.isConnectedSet(actor.username);
  const requested = intent.type === IntentType.requestCuration && (await store.curationQueue()).some((q) => q.experimentId === intent.experimentId);
  const gateKnown = intent.type === IntentType.exportGate && experiments.has(intent.experimentId) ? (await findGate(deps, intent.experimentId, intent.gateId)) !== null : false;
  // Decided on the state as it stands now (an expired grant is none), carried out on the stored one.
  const now = Date.now();
  const plan = planIntent(intent, actor, {
    experiments: new Map([...experiments].map(([id, record]) => [id, inForce(record, now)])),
    now,
    projects,
    resolveUser: () => resolved,
    mode: deps.mode(),
    isConnected: (_actor, user) => connected.has(user),
    hasGate: () => gateKnown,
    curationRequested: () => requested,
  });
  return { decision: plan, plan, experiments, projects };
}

/** What the rules may consult: the target's family, a link's parent line, a new id, projects. */
async function context(deps: IntentDeps, intent: ExperimentIntent): Promise<{ experiments: Map<string, ExperimentRecord>; projects: Map<string, ProjectState> }> {
  const { store } = deps;
  const experiments = new Map<string, ExperimentRecord>();
  const add = (records: ExperimentRecord[]) => records.forEach((r) => experiments.set(r.id, r));
  add(await store.getFamily(intent.experimentId));
  if (intent.type === IntentType.link && intent.parentId !== null) add(await store.getFamily(intent.parentId));
  if (intent.type === IntentType.clone) {
    const taken = await store.getExperiment(intent.newId);
    if (taken) experiments.set(taken.id, taken);
  }
  const projectIds = new Set([...experiments.values()].flatMap((e) => (e.projectId ? [e.projectId] : [])));
  if (intent.type === IntentType.move && intent.projectId) projectIds.add(intent.projectId);
  const projects = new Map<string, ProjectState>();
  for (const id of projectIds) {
    const project = await store.getProject(id);
    if (project) projects.set(id, project);
  }
  return { experiments, projects };
}

/** The gate the intent names, read from the source experiment's document. */
export async function findGate(deps: Pick<IntentDeps, 'rooms'>, experimentId: string, gateId: string): Promise<(Gate & { id: string }) | null> {
  return deps.rooms.with(docName.experiment(experimentId), async (room) =>
    room.run(() => readContent(room.doc).gates.find((g) => g.id === gateId) ?? null),
  );
}
