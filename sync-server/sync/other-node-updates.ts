import * as Y from 'yjs';

/** Updates another server node stored, taken in by `DocRoom.catchUp`. */
const OTHER_NODE_ORIGIN = Symbol('other node');

/**
 * Applies to `doc` updates other server nodes stored, with the room's own listener (`collect`,
 * which queues what is to be stored) off meanwhile: they are stored already. Returns what they
 * changed here, as one update for the readers, or null when they changed nothing (a merged
 * state from another node's compaction). One transaction per update: in one for all, a value
 * overwritten within the batch would be collected before its update is encoded, and readers
 * here would never get it.
 */
export function applyFromOtherNodes(doc: Y.Doc, updates: Uint8Array[], collect: (update: Uint8Array, origin: unknown) => void): Uint8Array | null {
  const changed: Uint8Array[] = [];
  const capture = (update: Uint8Array): void => void changed.push(update);
  doc.off('update', collect);
  doc.on('update', capture);
  try {
    for (const update of updates) Y.applyUpdate(doc, update, OTHER_NODE_ORIGIN);
  } finally {
    doc.off('update', capture);
    doc.on('update', collect);
  }
  if (changed.length === 0) return null;
  return changed.length === 1 ? changed[0]! : Y.mergeUpdates(changed);
}
