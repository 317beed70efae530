import * as Y from 'yjs';
import type { ClockRange } from '../../shared/protocol/control.ts';
import { Meter, TooCostly } from './inspection-meter.ts';
import { dependenciesKnown, readNewStructs } from './new-structs.ts';
import { resolvePlaces } from './struct-places.ts';
import { collectDeletes, deletesKnown, normaliseDeletes } from './delete-set-checks.ts';
import { fieldId, toWrite, type InspectedWrite } from './inspected-writes.ts';
import { rewrite } from './update-rewrite.ts';

export type { InspectionFailure, Place } from './inspection-types.ts';
import type { InspectionFailure } from './inspection-types.ts';
export { NOT_JSON, SEVERAL_VALUES, type InspectedWrite } from './inspected-writes.ts';

/**
 * Reads a Yjs update against the server's document *before* it is applied and says which field
 * each part writes. Cost follows the update's size: each struct costs one lookup of its origin
 * (a binary search in the store), never a walk over the document's history; the delete set is
 * sorted and merged before it is walked, so each stored struct is visited at most once; and
 * every unit of work is counted against a budget (ServerLimits.updateWorkBudget): past it the
 * update is refused, not computed.
 *
 * The parts: new-structs (reading each client's run of new structs and checking what they
 * depend on), struct-places (where each lands in the document layout), delete-set-checks (the
 * delete set normalised, checked and read as writes), inspected-writes (the value each write
 * carries), update-rewrite (the update in the server's form).
 */

export type Inspection =
  | {
      ok: true;
      writes: InspectedWrite[];
      newClients: number[];
      /** Every client id with structs in the update, and the clock just past its last struct there. */
      ends: Map<number, number>;
      /**
       * What to apply, store and relay: the update as it came, or (`rewritten`) the same change
       * in the server's form: the delete set sorted and merged, structs the server has left out,
       * inserts into unknown roots replaced by content-free placeholders (`placeholders`).
       */
      update: Uint8Array;
      rewritten: boolean;
      /** Ranges of the author's inserts replaced by placeholders: the author is told to delete them. */
      placeholders: ClockRange[];
      /** Work units spent (structs, delete ranges, stored structs visited, values). */
      work: number;
      /**
       * The update in the server's form with more of the author's inserts replaced (refused
       * ones, see validated-merge): `placeholders` by content-free GC structs, `emptied` by
       * deleted items of the same length and origin (ContentDeleted), which keep their place
       * in a map key's list but carry no value and no key.
       */
      encodeWith(placeholders: ClockRange[], emptied: ClockRange[]): Uint8Array;
    }
  | { ok: false; reason: InspectionFailure };


export type InspectOptions = {
  /** Work units the update may cost (ServerLimits.updateWorkBudget). */
  budget?: number;
  /** A document only the server writes: any new struct refuses the whole update. */
  serverOwned?: boolean;
  /** The root names a client may write under; inserts elsewhere become placeholders. Null: any. */
  roots?: ReadonlySet<string> | null;
};

export function inspectUpdate(doc: Y.Doc, update: Uint8Array, options: InspectOptions = {}): Inspection {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  try {
    return inspectDecoded(doc, update, decoded, options);
  } catch (error) {
    if (error instanceof TooCostly) return { ok: false, reason: 'too-costly' };
    // A struct no encoder writes (an origin of the wrong kind, an id out of range) that Yjs'
    // own lookups trip over: refused as invalid, never an exception out of the merge.
    return { ok: false, reason: 'invalid' };
  }
}

function inspectDecoded(doc: Y.Doc, update: Uint8Array, decoded: ReturnType<typeof Y.decodeUpdate>, options: InspectOptions): Inspection {
  const meter = new Meter(options.budget ?? Number.POSITIVE_INFINITY);
  meter.spend(decoded.structs.length);
  const store = doc.store;
  const read = readNewStructs(store, decoded.structs, options.serverOwned === true);
  if (!read.ok) return read;
  const { fresh, ends, skippedKnown, trimmed } = read;
  const normal = normaliseDeletes(decoded.ds, meter);
  const dependencies = dependenciesKnown(fresh, store, meter);
  if (dependencies !== 'ok') return { ok: false, reason: dependencies };
  if (!deletesKnown(normal.ranges, fresh, store)) return { ok: false, reason: 'incomplete' };
  if (!resolvePlaces(fresh, store, meter)) return { ok: false, reason: 'incomplete' };

  const writes: InspectedWrite[] = [];
  const inserted = new Set<string>();
  const placeholders: ClockRange[] = [];
  for (const list of fresh.values()) {
    for (const s of list) {
      if (s.item === null || s.place === null || s.place.kind === 'void') continue;
      const range = { client: s.client, clock: s.clock, length: s.length };
      if (s.place.kind === 'field' && options.roots && !options.roots.has(s.place.root)) {
        // Applied as is, it would bring a new root name into the server's copy, storage and
        // every reader, even once deleted: it goes in as a placeholder of the same clocks.
        placeholders.push(range);
      }
      const write = toWrite(s.place, s.item);
      meter.spend(write.values);
      writes.push({ write: write.write, place: s.place, range, op: 'insert', origin: s.item.origin });
      if (s.place.kind === 'field') inserted.add(fieldId(s.place.root, s.place.key));
    }
  }
  for (const [client, ranges] of normal.ranges) {
    for (const { clock, len } of ranges) collectDeletes(store, client, clock, len, inserted, writes, meter);
  }
  const rewritten = normal.changed || placeholders.length > 0 || skippedKnown || trimmed;
  return {
    ok: true,
    writes,
    newClients: [...fresh.keys()],
    ends,
    update: rewritten ? rewrite(fresh, normal.ranges, placeholders) : update,
    rewritten,
    placeholders,
    work: meter.work,
    encodeWith: (more, emptied) => rewrite(fresh, normal.ranges, [...placeholders, ...more], emptied),
  };
}
