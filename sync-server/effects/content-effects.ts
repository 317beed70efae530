import { docName, ExperimentRoot } from '../../shared/doc-layout.ts';
import type { Logger } from '../log.ts';
import type { DocRoom } from '../sync/room.ts';
import type { Rooms } from '../sync/rooms.ts';
import type { MergeOutcome } from '../sync/validated-merge.ts';
import type { Store } from '../store/store.ts';
import { holdersOf, refreshProjections } from './projections.ts';

/**
 * What an accepted content edit changes beyond its document: a new experiment name must reach
 * the database (search, lists) and every index that lists the experiment. Runs after the edit
 * is stored and acknowledged, outside the room's queue, so the author is never kept waiting.
 */
export function contentEffects(store: Store, rooms: Rooms, log: Logger): (room: DocRoom, outcome: MergeOutcome) => void {
  return (room, outcome) => {
    if (room.ref.kind !== 'experiment') return;
    if (!outcome.accepted.some((w) => w.write.root === ExperimentRoot.meta && w.write.key === 'name')) return;
    const name = room.doc.getMap(ExperimentRoot.meta).get('name');
    if (typeof name === 'string') publishName(store, rooms, log, room.ref.experimentId, name);
  };
}

/**
 * The name effect above runs after the acknowledgement, so a server that dies in between
 * leaves the database and the indexes with the old name while the document has the new one.
 * When an experiment document is loaded, a name that differs from the database's is published
 * again.
 */
export function mendNameOnLoad(store: Store, rooms: Rooms, log: Logger): (room: DocRoom) => Promise<void> {
  return async (room) => {
    if (room.ref.kind !== 'experiment') return;
    const name = room.doc.getMap(ExperimentRoot.meta).get('name');
    const exp = await store.getExperiment(room.ref.experimentId);
    if (exp && typeof name === 'string' && name !== exp.name) publishName(store, rooms, log, exp.id, name);
  };
}

/** Writes an experiment's name to the database and to every index that lists it, in the background. */
function publishName(store: Store, rooms: Rooms, log: Logger, id: string, name: string): void {
  void (async () => {
    await store.setName(id, name);
    const exp = await store.getExperiment(id);
    await refreshProjections(store, rooms, [id], holdersOf(exp));
  })().catch((error: unknown) => log.error('rename effect failed', { doc: docName.experiment(id), error: String(error) }));
}
