import * as Y from 'yjs';

/** The one update `change` makes to `doc`, as a client would send it (its transactions merged). */
export function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  const parts: Uint8Array[] = [];
  const take = (u: Uint8Array): void => void parts.push(u);
  doc.on('update', take);
  change();
  doc.off('update', take);
  return parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
}
