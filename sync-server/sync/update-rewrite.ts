import * as Y from 'yjs';
import type { ClockRange } from '../../shared/protocol/control.ts';
import { encodeUpdate, type DeleteRanges, type StructRun } from './update-encoding.ts';
import type { NewStructs } from './new-structs.ts';

/**
 * The update in the server's form (see `Inspection.update`): the new structs, with
 * `placeholders` replaced by content-free GC structs and `emptied` by deleted items of the same
 * length and origin, and the delete set as normalised.
 */
export function rewrite(fresh: NewStructs, deletes: DeleteRanges, placeholders: ClockRange[], emptied: ClockRange[] = []): Uint8Array {
  const replaced = new Set(placeholders.map((r) => `${r.client}:${r.clock}`));
  const cleared = new Set(emptied.map((r) => `${r.client}:${r.clock}`));
  const runs: StructRun[] = [];
  for (const [client, list] of fresh) {
    const structs: Array<Y.Item | Y.GC> = [];
    for (const s of list) {
      const item = s.item!;
      if (cleared.has(`${client}:${s.clock}`) && !replaced.has(`${client}:${s.clock}`)) {
        // Written with its origin, so without parent or key: a header, whatever the value was.
        structs.push(new Y.Item(item.id, null, item.origin, null, item.rightOrigin, item.parent, item.parentSub, new Y.ContentDeleted(item.length)));
      } else if (!replaced.has(`${client}:${s.clock}`)) structs.push(item);
      else {
        const last = structs.at(-1);
        // Neighbouring placeholders are one struct, as Yjs would merge them.
        if (last instanceof Y.GC) last.length += s.length;
        else structs.push(new Y.GC(Y.createID(client, s.clock), s.length));
      }
    }
    runs.push({ client, structs });
  }
  return encodeUpdate(runs, deletes);
}
