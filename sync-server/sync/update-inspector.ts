import * as Y from 'yjs';
import type { ContentWrite } from '../../shared/rules/content.ts';
import type { ClockRange } from '../../shared/protocol/control.ts';
import { encodeUpdate, type DeleteRanges, type StructRun } from './update-encoding.ts';

/**
 * Reads a Yjs update against the server's document *before* it is applied and says which field
 * each part writes. Cost follows the update's size: each struct costs one lookup of its origin
 * (a binary search in the store), never a walk over the document's history; the delete set is
 * sorted and merged before it is walked, so each stored struct is visited at most once; and
 * every unit of work is counted against a budget (ServerLimits.updateWorkBudget): past it the
 * update is refused, not computed.
 *
 * Where a struct lands:
 * - an item whose parent is a root name and that carries a key writes `root.key`;
 * - an item with an origin (a map overwrite, or a list insert) inherits its origin's place,
 *   found in the update itself or in the store with `Y.getItem`;
 * - an item under a nested type writes inside a value; our layout has none, so it is unknown;
 * - an item whose origin is a GC struct: a placeholder the server stored for a refused insert
 *   (our layout has no nested types, so Yjs collects nothing else); Yjs would drop it here and
 *   keep it in its author's replica, so it is refused like what it builds on.
 * Deletions of items the store still holds live are writes of "deleted" to their key; ranges
 * the store already has as deleted are ignored, since sync step 2 resends the whole delete set.
 */
export type Place =
  | { kind: 'field'; root: string; key: string | null }
  | { kind: 'nested' }
  | { kind: 'void' }
  /** Anchored on a placeholder (a GC struct the server stored for a refused insert): the author
   *  builds on a change the server never took, and Yjs would drop it here but not there. */
  | { kind: 'placeholder' };

export type InspectedWrite = {
  write: ContentWrite;
  place: Place;
  /** The struct this write comes from (inserts), or the live item it deletes (deletes). */
  range: ClockRange;
  op: 'insert' | 'delete';
  /** Of an insert: the struct it anchors on (its left neighbour when written), as the author sent it. */
  origin: Y.ID | null;
};

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

/**
 * - malformed: not a Yjs update (its bytes do not decode): no replica holds it;
 * - invalid: decodes, but holds structs no encoder writes (no length, a parent that is not a
 *   type, a cycle): its author has them in its replica, so its later updates cannot fit;
 * - incomplete: depends on changes the server does not have (or no encoder writes it);
 * - too-costly: reading it would cost more than the work budget;
 * - server-owned: brings structs into a document only the server writes;
 * - placeholder: brings new GC structs, which no honest client writes (see below).
 */
export type InspectionFailure = 'malformed' | 'invalid' | 'incomplete' | 'too-costly' | 'server-owned' | 'placeholder';

export type InspectOptions = {
  /** Work units the update may cost (ServerLimits.updateWorkBudget). */
  budget?: number;
  /** A document only the server writes: any new struct refuses the whole update. */
  serverOwned?: boolean;
  /** The root names a client may write under; inserts elsewhere become placeholders. Null: any. */
  roots?: ReadonlySet<string> | null;
};

/** Marks a value that is not plain JSON (a nested type, text, binary): never a valid field value. */
export const NOT_JSON = Symbol('not-json');
/** Marks a struct carrying several values under one map key: the map shows only the last, so the others would hide. */
export const SEVERAL_VALUES = Symbol('several-values');

type NewStruct = {
  client: number;
  clock: number;
  length: number;
  place: Place | null;
  item: Y.Item | null;
  /** Set while its place is being resolved: an origin chain that comes back here is a cycle. */
  visiting: boolean;
  /** Its position in its client's run. */
  index: number;
  /** Depth-first search state of the dependency check: 0 unseen, 1 on the path, 2 done. */
  mark: 0 | 1 | 2;
};

type DeleteSet = ReturnType<typeof Y.decodeUpdate>['ds'];

class TooCostly extends Error {}

/**
 * Work units of deleting one live struct, over the unit of visiting it: the deletion is judged
 * by the rules and, if refused, undone by writing the value back, which costs about as much as
 * checking a new struct. Visiting a struct already deleted (most of a sync step 2's delete
 * set) is the unit.
 */
const LIVE_DELETE_WORK = 60;

/** Counts work units and stops the inspection once the budget is spent. */
class Meter {
  work = 0;
  constructor(private readonly budget: number) {}
  spend(units: number): void {
    this.work += units;
    if (this.work > this.budget) throw new TooCostly();
  }
}

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
  const fresh = new Map<number, NewStruct[]>();
  const ends = new Map<number, number>();
  let skippedKnown = false;
  let trimmed = false;
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id;
    // A struct of no length breaks every clock lookup of Yjs' store; no encoder writes one.
    if (!(struct.length > 0)) return { ok: false, reason: 'invalid' };
    ends.set(client, Math.max(ends.get(client) ?? 0, clock + struct.length));
    if (struct instanceof Y.Skip) return { ok: false, reason: 'incomplete' };
    const known = Y.getState(store, client);
    if (clock + struct.length <= known) {
      skippedKnown = true;
      continue;
    }
    if (options.serverOwned) return { ok: false, reason: 'server-owned' };
    // A GC struct stands for content deleted and collected. Yjs collects only the children of
    // a deleted nested type (a deleted item of a root map keeps its place as ContentDeleted),
    // and our layout has none, so a client never has a new GC struct to send; what it has of
    // the server's own GC structs is already known and skipped above.
    if (!(struct instanceof Y.Item)) return { ok: false, reason: 'placeholder' };
    // A client's new structs must form one run from what the server knows: a gap means missing
    // changes, and a client repeated out of order (no encoder writes that) is not applied whole.
    const run = fresh.get(client);
    if (run ? !continues(run, clock) : clock > known) return { ok: false, reason: 'incomplete' };
    const list = run ?? [];
    let item = struct;
    if (clock < known) {
      // Yjs integrates only the part past `known`, right of the author's struct at known - 1,
      // whatever the struct's own origin and parent say; a forged struct whose own fields name
      // another place would be linked into one list under another parent. It is read, and
      // rewritten, as exactly the part Yjs would take, so its place is the one Yjs gives it.
      item = new Y.Item(Y.createID(client, known), null, Y.createID(client, known - 1), null, struct.rightOrigin, null, null, struct.content.splice(known - clock));
      trimmed = true;
    }
    list.push({ client, clock: item.id.clock, length: item.length, place: null, item, visiting: false, index: list.length, mark: 0 });
    fresh.set(client, list);
  }
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

/** The update in the server's form (see `Inspection.update`). */
function rewrite(fresh: Map<number, NewStruct[]>, deletes: DeleteRanges, placeholders: ClockRange[], emptied: ClockRange[] = []): Uint8Array {
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

/**
 * Each client's deletions sorted and merged, so nothing later walks a range twice: a delete
 * set that repeats one range 100,000 times is one range here. `changed` when that differs
 * from what came (no Yjs encoder writes an unmerged delete set).
 */
function normaliseDeletes(ds: DeleteSet, meter: Meter): { ranges: DeleteRanges; changed: boolean } {
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
 * Every struct a new item points at (left and right neighbour, parent type) is stored or in
 * the update, a parent is a type, and the update can be integrated in some order: no item
 * depends, through its neighbours, its parent or the structs before it in its own run, on
 * itself. Yjs would otherwise park the item as pending (stored and acknowledged, yet in no copy
 * of the document, and the author's next update would no longer fit), or fail half-way.
 */
function dependenciesKnown(fresh: Map<number, NewStruct[]>, store: Y.Doc['store'], meter: Meter): 'ok' | 'incomplete' | 'invalid' {
  const inUpdate = (id: Y.ID): NewStruct | null => (id.clock < Y.getState(store, id.client) ? null : (structAt(fresh.get(id.client), id.clock) ?? null));
  for (const list of fresh.values()) {
    for (const { item } of list) {
      if (item === null) continue;
      for (const id of [item.origin, item.rightOrigin]) {
        if (id !== null && id.clock >= Y.getState(store, id.client) && inUpdate(id) === null) return 'incomplete';
      }
      if (item.parent instanceof Y.ID) {
        const parent = item.parent;
        if (parent.clock < Y.getState(store, parent.client)) {
          const stored = Y.getItem(store, parent);
          if (stored instanceof Y.Item && !(stored.content instanceof Y.ContentType)) return 'invalid';
        } else {
          const brought = inUpdate(parent);
          if (brought === null) return 'incomplete';
          if (!(brought.item?.content instanceof Y.ContentType)) return 'invalid';
        }
      }
    }
  }
  const edgesOf = (s: NewStruct): NewStruct[] => {
    const out: NewStruct[] = [];
    if (s.index > 0) out.push(fresh.get(s.client)![s.index - 1]!);
    const item = s.item!;
    for (const id of [item.origin, item.rightOrigin, item.parent instanceof Y.ID ? item.parent : null]) {
      const target = id === null ? null : inUpdate(id);
      if (target !== null) out.push(target);
    }
    return out;
  };
  for (const list of fresh.values()) {
    for (const root of list) {
      if (root.mark === 2) continue;
      root.mark = 1;
      const stack: Array<{ s: NewStruct; edges: NewStruct[]; i: number }> = [{ s: root, edges: edgesOf(root), i: 0 }];
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.i < top.edges.length) {
          const next = top.edges[top.i++]!;
          meter.spend(1);
          if (next.mark === 1) return 'incomplete';
          if (next.mark === 0) {
            next.mark = 1;
            stack.push({ s: next, edges: edgesOf(next), i: 0 });
          }
        } else {
          top.s.mark = 2;
          stack.pop();
        }
      }
    }
  }
  return 'ok';
}

/**
 * A deletion names only structs the server has or that the update brings. A deletion of a
 * struct yet to come would wait in the document and strike it on arrival, past the rules.
 */
function deletesKnown(ds: DeleteRanges, fresh: Map<number, NewStruct[]>, store: Y.Doc['store']): boolean {
  for (const [client, ranges] of ds) {
    const end = Math.max(Y.getState(store, client), runEnd(fresh.get(client)));
    for (const { clock, len } of ranges) if (clock + len > end) return false;
  }
  return true;
}

/** The clock just past a client's run of new structs; 0 for no run. */
function runEnd(list: NewStruct[] | undefined): number {
  const last = list?.at(-1);
  return last ? last.clock + last.length : 0;
}

function continues(list: NewStruct[], clock: number): boolean {
  return list.length > 0 && runEnd(list) === clock;
}

/** The struct of a client's run that holds `clock`: a binary search, the run being in clock order. */
function structAt(list: NewStruct[] | undefined, clock: number): NewStruct | undefined {
  if (list === undefined) return undefined;
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const s = list[mid]!;
    if (clock < s.clock) high = mid - 1;
    else if (clock >= s.clock + s.length) low = mid + 1;
    else return s;
  }
  return undefined;
}

function fieldId(root: string, key: string | null): string {
  return JSON.stringify([root, key]);
}

/**
 * Places of new items. An item's place is its origin's, which may itself be new and come
 * later in the update: each chain of origins is followed once and every struct on it gets the
 * place found at its end, so the cost is one visit per struct whatever the order.
 */
function resolvePlaces(fresh: Map<number, NewStruct[]>, store: Y.Doc['store'], meter: Meter): boolean {
  for (const list of fresh.values()) {
    for (const start of list) {
      if (start.place !== null) continue;
      const chain: NewStruct[] = [];
      let place: Place | null = null;
      let s: NewStruct = start;
      for (;;) {
        meter.spend(1);
        if (s.place !== null) {
          place = s.place;
          break;
        }
        if (s.visiting) break; // a cycle of origins: no encoder writes one
        s.visiting = true;
        chain.push(s);
        const step = placeOrAnchor(s.item!, fresh, store);
        if ('place' in step) {
          place = step.place;
          break;
        }
        s = step.next;
      }
      for (const c of chain) c.visiting = false;
      if (place === null) return false;
      for (const c of chain) c.place = place;
    }
  }
  return true;
}

function placeOrAnchor(item: Y.Item, fresh: Map<number, NewStruct[]>, store: Y.Doc['store']): { place: Place | null } | { next: NewStruct } {
  const parent = item.parent as unknown;
  if (typeof parent === 'string') return { place: { kind: 'field', root: parent, key: item.parentSub } };
  if (parent instanceof Y.ID) return { place: { kind: 'nested' } };
  const anchor = item.origin ?? item.rightOrigin;
  if (anchor === null) return { place: { kind: 'void' } };
  const inUpdate = anchor.clock < Y.getState(store, anchor.client) ? undefined : structAt(fresh.get(anchor.client), anchor.clock);
  if (inUpdate) return { next: inUpdate };
  if (anchor.clock >= Y.getState(store, anchor.client)) return { place: null };
  return { place: placeOfStoredStruct(Y.getItem(store, anchor)) };
}

function placeOfStoredStruct(struct: Y.Item | Y.GC): Place {
  // Our layout has no nested types, so Yjs collects nothing: every stored GC is a placeholder.
  if (!(struct instanceof Y.Item)) return { kind: 'placeholder' };
  const parent = struct.parent;
  if (!(parent instanceof Y.AbstractType)) return { kind: 'void' };
  if (parent._item !== null) return { kind: 'nested' };
  return { kind: 'field', root: Y.findRootTypeKey(parent), key: struct.parentSub };
}

/**
 * The value a new struct writes. Every value it carries counts: a map entry holds exactly one
 * plain JSON value (ContentAny of one value), so several values (the map would show the last
 * and store the others out of sight) and every other kind of content (strings, JSON, binary,
 * embeds, formats, nested types, sub-documents) are values no field accepts.
 */
function toWrite(place: Place, item: Y.Item): { write: ContentWrite; values: number } {
  if (place.kind !== 'field') return { write: { root: '', key: null, value: NOT_JSON, deleted: false }, values: 1 };
  const content = item.content;
  if (content instanceof Y.ContentDeleted) return { write: { root: place.root, key: place.key, value: undefined, deleted: true }, values: 1 };
  if (content instanceof Y.ContentAny) {
    const values = content.getContent();
    const value = values.length === 1 ? values[0] : SEVERAL_VALUES;
    return { write: { root: place.root, key: place.key, value, deleted: false }, values: values.length };
  }
  return { write: { root: place.root, key: place.key, value: NOT_JSON, deleted: false }, values: 1 };
}

function collectDeletes(
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
