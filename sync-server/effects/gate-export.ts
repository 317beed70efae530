import { randomBytes } from 'node:crypto';
import { docName, type FileRecord, readFiles } from '../../shared/doc-layout.ts';
import { channelColumn, eventsInGate, parseFcs, writeFcs, writeInputFrom } from '../../shared/fcs/index.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { IntentOf, IntentType } from '../../shared/schemas/intents.ts';
import type { ExperimentRecord } from '../store/store.ts';
import { findGate } from '../decisions/experiment-decisions.ts';
import type { IntentDeps } from '../intents/intent-deps.ts';

/**
 * An analysis that creates a linked experiment: for each FCS file of the source that has both
 * gate channels, the events inside the gate (rectangle or polygon) are written as a new FCS file by the
 * project's own writer. The new experiment is private to the actor and joins the source's
 * family as a sibling of the source (a child of the source's parent, or of the source itself
 * when it has none), so the linked-family rules have real data to act on.
 */
export async function exportGate(
  deps: IntentDeps,
  actor: Actor,
  intent: IntentOf<typeof IntentType.exportGate>,
  source: ExperimentRecord,
): Promise<{ record: ExperimentRecord; files: Record<string, FileRecord> }> {
  const gate = await findGate(deps, source.id, intent.gateId);
  if (!gate) throw new Error('gate vanished between the decision and the export');
  const sourceFiles = await deps.rooms.with(docName.experiment(source.id), async (room) => room.run(() => readFiles(room.doc)));
  const files: Record<string, FileRecord> = {};
  const now = Date.now();
  for (const file of sourceFiles) {
    const parsed = parseFcs(await deps.blobs.read(file.sha256), { events: true });
    if (!parsed.ok || channelColumn(parsed.file, gate.xChannel) < 0 || channelColumn(parsed.file, gate.yChannel) < 0) continue;
    const inside = eventsInGate(parsed.file, gate);
    const input = writeInputFrom(parsed.file, inside);
    const bytes = writeFcs({ ...input, keywords: { ...input.keywords, '$FIL': file.name, GATE: gate.name } });
    const sha256 = await deps.blobs.put(bytes);
    files[`f${randomBytes(8).toString('hex')}`] = {
      name: file.name.replace(/(\.fcs)?$/i, ` [${gate.name}].fcs`).slice(0, 255),
      sha256,
      size: bytes.length,
      events: inside.length / Math.max(1, parsed.file.channels.length),
      channels: file.channels,
      version: '3.1',
      uploadedBy: actor.username,
      uploadedAt: now,
    };
  }
  const name = `${source.name} — ${gate.name}`.slice(0, 200);
  const record: ExperimentRecord = {
    ...newSharing(intent.newId, actor.username, { parentId: source.parentId ?? source.id, clonedFrom: source.id }),
    name,
    createdAt: now,
  };
  return { record, files };
}

