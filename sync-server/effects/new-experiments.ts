import type * as Y from 'yjs';
import { docName, ExperimentRoot, FileRecord } from '../../shared/doc-layout.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { IntentOf, IntentType } from '../../shared/schemas/intents.ts';
import type { ExperimentDecided } from '../decisions/experiment-decisions.ts';
import type { Decision, EffectDeps } from '../intents/intent-deps.ts';
import { sharingOf } from '../store/sharing-of.ts';
import type { ExperimentRecord } from '../store/store.ts';
import { exportGate } from './gate-export.ts';
import { refreshProjections } from './projections.ts';

/** The effects of intents that make a new experiment: its record, its document, its owner's index. */

export async function createExperiment(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.create>, decided: ExperimentDecided): Promise<Decision> {
  const record: ExperimentRecord = { ...newSharing(intent.experimentId, actor.username), name: intent.name, createdAt: Date.now() };
  await saveNew(deps, record, { meta: { name: intent.name, purpose: '' } });
  return decided.decision;
}

export async function cloneExperiment(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.clone>, decided: ExperimentDecided): Promise<Decision> {
  const { rooms } = deps;
  const source = decided.experiments.get(intent.experimentId) as ExperimentRecord;
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
    createdAt: Date.now(),
  };
  await saveNew(deps, record, content);
  return decided.decision;
}

export async function exportGateExperiment(deps: EffectDeps, actor: Actor, intent: IntentOf<typeof IntentType.exportGate>, decided: ExperimentDecided): Promise<Decision> {
  const { record, files } = await exportGate(deps, actor, intent, decided.experiments.get(intent.experimentId) as ExperimentRecord);
  await saveNew(deps, record, { meta: { name: record.name, purpose: `Events inside a gate of ${intent.experimentId}` }, files });
  return decided.decision;
}

async function saveNew(deps: EffectDeps, record: ExperimentRecord, content: Content): Promise<void> {
  await deps.store.saveExperiments([record]);
  await writeNewDocument(deps, record, content);
  await refreshProjections(deps.store, deps.rooms, [record.id], []);
}

async function writeNewDocument(deps: EffectDeps, record: ExperimentRecord, content: Content): Promise<void> {
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
