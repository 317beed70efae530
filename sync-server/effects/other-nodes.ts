import { DocKind } from '../../shared/doc-layout.ts';
import type { NodeBus, NodeEvent, Store } from '../store/store.ts';
import type { DocRoom } from '../sync/room.ts';
import type { Rooms } from '../sync/rooms.ts';
import type { Connections } from './connections.ts';

type Deps = { bus: NodeBus; store: Store; rooms: Rooms; connections: Connections; onError: (error: unknown) => void };

/**
 * What this server node does when another node on the database changed something it holds in
 * memory. Only loaded documents matter: one loaded later is read from the database anyway.
 * - an update stored elsewhere: the room catches up by sequence and relays it to its sockets;
 * - readers changed elsewhere (sharing, project members, a deletion, connections): the state is
 *   read from the database, and sockets that lost access are closed;
 * - the bus reconnected (`missed`): every loaded room does both.
 */
export function followOtherNodes(deps: Deps): void {
  const { bus, rooms } = deps;
  /** Rooms with a catch-up queued and not started yet: a burst of notices costs one read. */
  const queued = new Set<DocRoom>();

  const catchUp = (room: DocRoom): Promise<void> => {
    if (queued.has(room)) return Promise.resolve();
    queued.add(room);
    return room.run(async () => {
      queued.delete(room);
      await room.catchUp();
    });
  };

  const handle = async (event: NodeEvent): Promise<void> => {
    if (event.t === 'missed') {
      for (const room of await rooms.loaded()) {
        await catchUp(room);
        await readersChanged(deps, room);
      }
      return;
    }
    const room = await rooms.ifLoaded(event.doc);
    if (room === null) return;
    if (event.t === 'doc') {
      if (event.seq > room.seq) await catchUp(room);
    } else {
      await readersChanged(deps, room);
    }
  };

  bus.subscribe((event) => void handle(event).catch(deps.onError));
}

/** Reads who may read `room` from the database and applies it (see `DocRoom.readersChanged`). */
async function readersChanged(deps: Deps, room: DocRoom): Promise<void> {
  const { store, rooms } = deps;
  const ref = room.ref;
  switch (ref.kind) {
    case DocKind.experiment: {
      const record = await store.getExperiment(ref.experimentId);
      if (record === null) return room.readersChanged(null, null);
      const { name: _name, createdAt: _createdAt, ...sharing } = record;
      return room.readersChanged(sharing, sharing.projectId ? await store.getProject(sharing.projectId) : null);
    }
    case DocKind.project: {
      const project = await store.getProject(ref.projectId);
      await room.readersChanged(null, project);
      // Its experiments loaded here depend on its members too.
      for (const other of await rooms.loaded()) {
        if (other.ref.kind === DocKind.experiment && other.sharing?.projectId === ref.projectId) await other.readersChanged(other.sharing, project);
      }
      return;
    }
    case DocKind.connections:
      return deps.connections.rebuild(room, ref.username);
    case DocKind.index:
    case DocKind.catalog:
      return;
    default: {
      const exhaustive: never = ref;
      return exhaustive;
    }
  }
}
