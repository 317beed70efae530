import * as Y from 'yjs';
import type { ContentWrite } from '../../shared/rules/content.ts';
import type { DeleteRanges } from './update-encoding.ts';
import type { Meter } from './inspection-meter.ts';
import { runEnd, type NewStructs } from './new-structs.ts';
import { placeOfStoredStruct } from './struct-places.ts';
import { fieldId, NOT_JSON, type InspectedWrite } from './inspected-writes.ts';

type DeleteSet = ReturnType<typeof Y.decodeUpdate>['ds'];

/**
 * Work units of deleting one live struct, over the unit of visiting it: the deletion is judged
 * by the rules and, if refused, undone by writing the value back, which costs about as much as
 * checking a new struct. Visiting a struct already deleted (most of a sync step 2's delete
 * set) is the unit.
 */
const LIVE_DELETE_WORK = 60;

/**
 * Each client's deletions sorted and merged, so nothing later walks a range twice: a delete
 * set that repeats one range 100,000 times is one range here. `changed` when that differs
 * from what came (no Yjs encoder writes an unmerged delete set).
 */
export function normaliseDeletes(ds: DeleteSet, meter: Meter): { ranges: DeleteRanges; changed: boolean } {
  const out: DeleteRanges = new Map();
  let changed = false;
  for (const [client, items] of ds.clients) {
    meter.spend(items.length);
    let inOrder = true;
    // The longest range at each clock: a range given twice (or a shorter one at the same start) is one.
    const longest = new Map<number, number>();
    for (let i = 0; i < items.length; i++) {
      const { clock, len } = items[i]!;
      if (i > 0 && clock <= items[i - 1]!.clock + items[i - 1]!.len) inOrder = false;
      if (len <= 0) continue;
      const known = longest.get(clock);
      if (known === undefined || len > known) longest.set(clock, len);
    }
    if (!inOrder || longest.size !== items.length) changed = true;
    const clocks = Float64Array.from(longest.keys()).sort();
    const merged: Array<{ clock: number; len: number }> = [];
    for (const clock of clocks) {
      const len = longest.get(clock)!;
      const last = merged.at(-1);
      if (last && clock <= last.clock + last.len) last.len = Math.max(last.len, clock + len - last.clock);
      else merged.push({ clock, len });
    }
    if (merged.length > 0) out.set(client, merged);
  }
  return { ranges: out, changed };
}

/**
 * A deletion names only structs the server has or that the update brings. A deletion of a
 * struct yet to come would wait in the document and strike it on arrival, past the rules.
 */
export function deletesKnown(ds: DeleteRanges, fresh: NewStructs, store: Y.Doc['store']): boolean {
  for (const [client, ranges] of ds) {
    const end = Math.max(Y.getState(store, client), runEnd(fresh.get(client)));
    for (const { clock, len } of ranges) if (clock + len > end) return false;
  }
  return true;
}

/**
 * Deletions of items the store still holds live are writes of "deleted" to their key; ranges
 * the store already has as deleted are ignored, since sync step 2 resends the whole delete set.
 * A field the update also inserts into is written by that insert, so its deletion adds nothing.
 */
export function collectDeletes(
  store: Y.Doc['store'],
  client: number,
  clock: number,
  len: number,
  inserted: Set<string>,
  writes: InspectedWrite[],
  meter: Meter,
): void {
  const structs = store.clients.get(client);
  const known = Y.getState(store, client);
  if (structs === undefined || clock >= known) return;
  const end = Math.min(clock + len, known);
  meter.spend(1);
  for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
    meter.spend(1);
    const struct = structs[i] as Y.Item | Y.GC;
    if (struct.id.clock >= end) break;
    if (!(struct instanceof Y.Item) || struct.deleted) continue;
    // A live struct deleted is a write: it is judged, and may be reverted (a map value restored).
    meter.spend(LIVE_DELETE_WORK);
    const place = placeOfStoredStruct(struct);
    if (place.kind === 'field' && inserted.has(fieldId(place.root, place.key))) continue;
    const write: ContentWrite =
      place.kind === 'field' ? { root: place.root, key: place.key, value: undefined, deleted: true } : { root: '', key: null, value: NOT_JSON, deleted: true };
    writes.push({ write, place, range: { client, clock: struct.id.clock, length: struct.length }, op: 'delete', origin: null });
  }
}
