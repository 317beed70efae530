import type { ServerLimits } from '../limits.ts';
import type { NodeBus, PresenceNotice } from '../store/store.ts';
import { bookOf, encodeAwarenessMessage, stateShape, type AwarenessEntry } from './awareness-check.ts';
import type { DocRoom } from './room.ts';
import type { Rooms } from './rooms.ts';

/** Where a node sends presence its readers said, once checked (connection.ts), for the other nodes. */
export type PresenceAcross = { said(room: DocRoom, username: string, entries: AwarenessEntry[]): void };

type Deps = { bus: NodeBus; rooms: Rooms; limits: Pick<ServerLimits, 'awarenessStateBytes' | 'awarenessEntriesPerMessage'>; onError: (error: unknown) => void };

/**
 * Presence across server nodes on one database: what a reader says on one node is checked there
 * (the speaker's own client ids, bounded states: awareness-check.ts) and told to the other nodes
 * over the bus, never stored. A node relays it only to the readers of the document it has open
 * (a node without the document open has no reader to tell), in a fresh encoding, and records
 * the ids in the document's presence book as the speaker's, so its own readers can neither
 * speak for them nor be refused for echoing them. Bounds are checked again on arrival: anything
 * on the database can NOTIFY.
 */
export function presenceAcrossNodes(deps: Deps): PresenceAcross {
  const { bus, rooms, limits } = deps;
  bus.subscribePresence((notice) => void arrived(notice).catch(deps.onError));

  async function arrived(notice: PresenceNotice): Promise<void> {
    if (notice.entries.length > limits.awarenessEntriesPerMessage) return;
    const room = await rooms.ifLoaded(notice.doc);
    if (room === null) return;
    await room.run(() => {
      const book = bookOf(room);
      const relay: AwarenessEntry[] = [];
      for (const { clientID, clock, json } of notice.entries) {
        if (Buffer.byteLength(json) > limits.awarenessStateBytes) continue;
        let shape: ReturnType<typeof stateShape>;
        try {
          shape = stateShape(json);
        } catch {
          continue;
        }
        // An id some reader of this document speaks for is theirs; ids are owned server-wide, so only a forged notice gets here.
        const known = book.get(clientID);
        if (shape === null || (known && known.username !== notice.user)) continue;
        relay.push({ clientID, clock, json, gone: shape === 'gone' });
      }
      if (relay.length === 0) return;
      for (const entry of relay) book.record(entry.clientID, notice.user, entry.clock);
      room.broadcast(encodeAwarenessMessage(relay), null);
    });
  }

  return {
    said(room, username, entries) {
      if (entries.length === 0) return;
      bus.publishPresence({ doc: room.name, user: username, entries: entries.map(({ clientID, clock, json }) => ({ clientID, clock, json })) }).catch(deps.onError);
    },
  };
}
