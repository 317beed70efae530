import type * as Y from 'yjs';
import { docName, ExperimentRoot, FileRecord } from '../../shared/doc-layout.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import { applyIntent, newSharing, planIntent, type IntentPlan } from '../../shared/rules/intents.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import { IntentType, type ExperimentIntent } from '../../shared/schemas/intents.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { ExperimentRecord } from '../store/store.ts';
import type { Decision, IntentDeps } from './intent-executor.ts';
import { mailNewAccess, type ShareMail } from './share-mail.ts';
import { holdersOf, refreshProjections } from './projections.ts';
import { exportGate, findGate } from './gate-export.ts';
import { holdShare } from './waiting-shares.ts';

/** Decides an experiment intent with the shared rules and, when allowed, carries it out. */
export async function decideExperimentIntent(deps: IntentDeps, actor: Actor, intent: ExperimentIntent): Promise<Decision> {
  const { plan, experiments, projects } = await planExperimentIntent(deps, actor, intent);
  if (plan.verdict.ok && plan.waitingFor !== undefined && intent.type === IntentType.share) return holdShare(deps, actor, intent, plan, decideExperimentIntent);
  if (plan.verdict.ok) await carryOut(deps, actor, intent, plan, experiments, projects);
  return plan;
}

/**
 * The rules' plan for an intent against the server's current state, changing nothing: what
 * `decideExperimentIntent` carries out, and all a dry run answers (so both give the same code).
 */
export async function planExperimentIntent(
  deps: IntentDeps,
  actor: Actor,
  intent: ExperimentIntent,
): Promise<{ plan: IntentPlan; experiments: Map<string, ExperimentRecord>; projects: Map<string, ProjectState> }> {
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
  return { plan, experiments, projects };
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

async function carryOut(
  deps: IntentDeps,
  actor: Actor,
  intent: ExperimentIntent,
  plan: IntentPlan,
  experiments: Map<string, ExperimentRecord>,
  projects: Map<string, ProjectState>,
): Promise<void> {
  const { store, rooms } = deps;
  const now = Date.now();
  switch (intent.type) {
    case IntentType.create: {
      const record: ExperimentRecord = { ...newSharing(intent.experimentId, actor.username), name: intent.name, createdAt: now };
      await store.saveExperiments([record]);
      await writeNewDocument(deps, record, { meta: { name: intent.name, purpose: '' } });
      await refreshProjections(store, rooms, [record.id], []);
      return;
    }
    case IntentType.clone: {
      const source = experiments.get(intent.experimentId) as ExperimentRecord;
      const content = await rooms.with(docName.experiment(source.id), async (room) => room.run(() => copyContent(room.doc, intent.filesOnly ?? false)));
      // The clone's records point at the source's blobs: a blob collection running now must keep them.
      for (const file of Object.values(content.files ?? {})) {
        const parsed = FileRecord.safeParse(file);
        if (parsed.success) await deps.blobs.touch(parsed.data.sha256);
      }
      const name = `${String(content.meta.name ?? source.name)} (clone)`.slice(0, 200);
      content.meta.name = name;
      const record: ExperimentRecord = {
        ...newSharing(intent.newId, actor.username, { parentId: intent.linked ? source.id : null, clonedFrom: source.id }),
        name,
        createdAt: now,
      };
      await store.saveExperiments([record]);
      await writeNewDocument(deps, record, content);
      await refreshProjections(store, rooms, [record.id], []);
      return;
    }
    case IntentType.exportGate: {
      const { record, files } = await exportGate(deps, actor, intent, experiments.get(intent.experimentId) as ExperimentRecord);
      await store.saveExperiments([record]);
      await writeNewDocument(deps, record, { meta: { name: record.name, purpose: `Events inside a gate of ${intent.experimentId}` }, files });
      await refreshProjections(store, rooms, [record.id], []);
      return;
    }
    case IntentType.markViewed:
      await store.setViewed(intent.experimentId, actor.username);
      await refreshProjections(store, rooms, [intent.experimentId], []);
      return;
    case IntentType.requestCuration:
      await store.requestCuration(intent.experimentId, actor.username, now);
      return;
    case IntentType.delete: {
      const record = experiments.get(intent.experimentId) as ExperimentRecord;
      const holders = holdersOf(record, record.projectId ? (projects.get(record.projectId) ?? null) : null);
      await rooms.remove(docName.experiment(record.id), async () => {
        await store.deleteExperiment(record.id);
        await store.deleteDocument(docName.experiment(record.id));
      });
      const children = [...experiments.values()].filter((e) => e.parentId === record.id).map((e) => e.id);
      await refreshProjections(store, rooms, [record.id, ...children], holders);
      return;
    }
    default: {
      // Every other intent changes the sharing state of the affected experiments.
      const before = new Set<string>();
      const changed: ExperimentRecord[] = [];
      for (const id of plan.affected) {
        const record = experiments.get(id);
        if (!record) continue;
        holdersOf(record, record.projectId ? (projects.get(record.projectId) ?? null) : null).forEach((user) => before.add(user));
        changed.push({ ...record, ...applyIntent(intent, plan, record, actor, now) });
      }
      await store.transaction(async (tx) => {
        await tx.saveExperiments(changed);
        if (intent.type === IntentType.curate) await tx.clearCurationRequest(intent.experimentId);
      });
      deps.sharingChanged?.();
      for (const record of changed) {
        const project = record.projectId ? ((await store.getProject(record.projectId)) ?? null) : null;
        await rooms.with(docName.experiment(record.id), (room) => room.setSharing(sharingOf(record), project));
      }
      await refreshProjections(store, rooms, changed.map((r) => r.id), before);
      const mail = intent.type === IntentType.share ? { notify: intent.notify ?? true, message: intent.message ?? null } : { notify: true, message: null };
      await afterGrantChange(deps, actor, changed, experiments, before, mail);
    }
  }
}

/**
 * For everyone who gained a direct grant (a share, or a link into a shared family): the
 * auto-connection with everyone on those experiments and one share mail (unless the sharer
 * chose not to notify), with the sharer's message if any; then the shared
 * counts in everyone's connections list. An intent that changed nothing has no effects.
 */
async function afterGrantChange(
  deps: IntentDeps,
  actor: Actor,
  changed: ExperimentRecord[],
  previous: Map<string, ExperimentRecord>,
  before: Set<string>,
  mail: ShareMail,
): Promise<void> {
  const { connections, store } = deps;
  if (changed.length === 0) return;
  const after = new Set(changed.flatMap((r) => holdersOf(r)));
  const gained = new Map<string, ExperimentRecord[]>();
  for (const record of changed) {
    const had = previous.get(record.id)?.grants ?? {};
    for (const user of Object.keys(record.grants)) {
      if (!Object.hasOwn(had, user)) gained.set(user, [...(gained.get(user) ?? []), record]);
    }
  }
  if (gained.size > 0) await connections.autoConnect([...after], [...gained.keys()]);
  await mailNewAccess(deps, actor.username, gained, mail);
  await connections.refresh([...before, ...after]);
}

async function writeNewDocument(deps: IntentDeps, record: ExperimentRecord, content: Content): Promise<void> {
  await deps.rooms.with(docName.experiment(record.id), async (room) => {
    await room.serverWrite((doc) => {
      for (const [root, values] of Object.entries(content)) {
        const map = doc.getMap(root);
        for (const [key, value] of Object.entries(values)) map.set(key, value);
      }
    });
    await room.setSharing(sharingOf(record), null);
  });
}

type Content = { meta: Record<string, unknown>; tags?: Record<string, unknown>; gates?: Record<string, unknown>; figures?: Record<string, unknown>; files?: Record<string, unknown> };

/** A full clone copies files, tags, gates and figures; a files-only clone the files and the name. */
function copyContent(doc: Y.Doc, filesOnly: boolean): Content & { meta: Record<string, unknown> } {
  const files = doc.getMap(ExperimentRoot.files).toJSON();
  if (filesOnly) return { meta: { name: doc.getMap(ExperimentRoot.meta).get('name') }, files };
  return {
    meta: doc.getMap(ExperimentRoot.meta).toJSON(),
    tags: doc.getMap(ExperimentRoot.tags).toJSON(),
    gates: doc.getMap(ExperimentRoot.gates).toJSON(),
    figures: doc.getMap(ExperimentRoot.figures).toJSON(),
    files,
  };
}

export function sharingOf(record: ExperimentRecord): SharingState {
  const { name: _name, createdAt: _createdAt, ...sharing } = record;
  return sharing;
}
