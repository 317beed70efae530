import { docName } from '../../shared/doc-layout.ts';
import { applyIntent } from '../../shared/rules/intents.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { ExperimentIntent, IntentOf, IntentType } from '../../shared/schemas/intents.ts';
import type { ExperimentDecided } from '../decisions/experiment-decisions.ts';
import type { Decision, EffectDeps } from '../intents/intent-deps.ts';
import { sharingOf } from '../store/sharing-of.ts';
import type { ExperimentRecord, StoreTx } from '../store/store.ts';
import { holdersOf, refreshProjections } from './projections.ts';
import { mailNewAccess, type ShareMail } from './share-mail.ts';
import { withdrawOffersOf } from './transfer-withdrawal.ts';
import { holdShare } from './waiting-shares.ts';

/**
 * The effects of intents on existing experiments. Most change the sharing state of the
 * affected experiments (`changeSharing`); the server writes it, mirrors it into the documents
 * (cutting off readers who lost access) and rewrites the affected indexes.
 */


/** A share to someone not connected yet waits for the connection (waiting-shares.ts); any other changes the grants now. */
export function shareEffect(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.share>, decided: ExperimentDecided): Promise<Decision> {
  if (decided.plan.waitingFor !== undefined) return holdShare(deps, actor, intent, decided.plan);
  return changeSharing(deps, actor, intent, decided, { mail: { notify: intent.notify ?? true, message: intent.message ?? null } });
}

/** Curating answers the experiment's curation request, if any, in the same unit of work. */
export function curateEffect(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.curate>, decided: ExperimentDecided): Promise<Decision> {
  return changeSharing(deps, actor, intent, decided, { inTransaction: (tx) => tx.clearCurationRequest(intent.experimentId) });
}

/** Every affected experiment gets the sharing state the rules give it (`applyIntent`). */
export async function changeSharing(
  deps: EffectDeps,
  actor: Actor,
  intent: ExperimentIntent,
  decided: ExperimentDecided,
  options: { mail?: ShareMail; inTransaction?: (tx: StoreTx) => Promise<void> } = {},
): Promise<Decision> {
  const { store, rooms } = deps;
  const { plan, experiments, projects } = decided;
  const now = Date.now();
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
    await options.inTransaction?.(tx);
  });
  deps.sharingChanged?.();
  for (const record of changed) {
    const project = record.projectId ? ((await store.getProject(record.projectId)) ?? null) : null;
    await rooms.with(docName.experiment(record.id), (room) => room.setSharing(sharingOf(record), project));
  }
  await refreshProjections(store, rooms, changed.map((r) => r.id), before);
  await afterGrantChange(deps, actor, changed, experiments, before, options.mail ?? { notify: true, message: null });
  return decided.decision;
}

/**
 * For everyone who gained a direct grant (a share, or a link into a shared family): the
 * auto-connection with everyone on those experiments and one share mail (unless the sharer
 * chose not to notify), with the sharer's message if any; then the shared
 * counts in everyone's connections list. An intent that changed nothing has no effects.
 */
async function afterGrantChange(
  deps: EffectDeps,
  actor: Actor,
  changed: ExperimentRecord[],
  previous: Map<string, ExperimentRecord>,
  before: Set<string>,
  mail: ShareMail,
): Promise<void> {
  const { connections } = deps;
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

export async function markViewed(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.markViewed>, decided: ExperimentDecided): Promise<Decision> {
  await deps.store.setViewed(intent.experimentId, actor.username);
  await refreshProjections(deps.store, deps.rooms, [intent.experimentId], []);
  return decided.decision;
}

export async function requestCuration(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.requestCuration>, decided: ExperimentDecided): Promise<Decision> {
  await deps.store.requestCuration(intent.experimentId, actor.username, Date.now());
  return decided.decision;
}

/**
 * Deleting for good: the record and the document go, an offer of it is withdrawn with the record;
 * its former readers' indexes and its children's entries are rewritten.
 */
export async function deleteExperiment(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.delete>, decided: ExperimentDecided): Promise<Decision> {
  const { store, rooms } = deps;
  const { experiments, projects } = decided;
  const record = experiments.get(intent.experimentId) as ExperimentRecord;
  const holders = holdersOf(record, record.projectId ? (projects.get(record.projectId) ?? null) : null);
  await rooms.remove(docName.experiment(record.id), async () => {
    await store.transaction(async (tx) => {
      await tx.deleteExperiment(record.id);
      await withdrawOffersOf(tx, record, actor.username, Date.now());
    });
    await store.deleteDocument(docName.experiment(record.id));
  });
  const children = [...experiments.values()].filter((e) => e.parentId === record.id).map((e) => e.id);
  await refreshProjections(store, rooms, [record.id, ...children], holders);
  return decided.decision;
}
