import * as Y from 'yjs';
import type { ContentWrite } from '../../shared/rules/content.ts';
import type { ClockRange } from '../../shared/protocol/control.ts';

/**
 * Reads a Yjs update against the server's document *before* it is applied and says which field
 * each part writes. Cost follows the update's size: each struct costs one lookup of its origin
 * (a binary search in the store), never a walk over the document's history.
 *
 * Where a struct lands:
 * - an item whose parent is a root name and that carries a key writes `root.key`;
 * - an item with an origin (a map overwrite, or a list insert) inherits its origin's place,
 *   found in the update itself or in the store with `Y.getItem`;
 * - an item under a nested type writes inside a value; our layout has none, so it is unknown;
 * - an item whose origin was garbage-collected is dropped by Yjs on integration: it writes nothing.
 * Deletions of items the store still holds live are writes of "deleted" to their key; ranges
 * the store already has as deleted are ignored, since sync step 2 resends the whole delete set.
 */
export type Place =
  | { kind: 'field'; root: string; key: string | null }
  | { kind: 'nested' }
  | { kind: 'void' };

export type InspectedWrite = {
  write: ContentWrite;
  place: Place;
  /** The struct this write comes from (inserts), or the live item it deletes (deletes). */
  range: ClockRange;
  op: 'insert' | 'delete';
};

export type Inspection =
  | {
      ok: true;
      writes: InspectedWrite[];
      newClients: number[];
      /** Every client id with structs in the update, and the clock just past its last struct there. */
      ends: Map<number, number>;
    }
  | { ok: false; reason: 'malformed' | 'incomplete' };

/** Marks a value that is not plain JSON (a nested type, text, binary): never a valid field value. */
export const NOT_JSON = Symbol('not-json');

type NewStruct = { client: number; clock: number; length: number; place: Place | null; item: Y.Item | null };

export function inspectUpdate(doc: Y.Doc, update: Uint8Array): Inspection {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const store = doc.store;
  const fresh = new Map<number, NewStruct[]>();
  const ends = new Map<number, number>();
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id;
    ends.set(client, Math.max(ends.get(client) ?? 0, clock + struct.length));
    if (struct instanceof Y.Skip) return { ok: false, reason: 'incomplete' };
    const known = Y.getState(store, client);
    if (clock + struct.length <= known) continue;
    // A client's new structs must form one run from what the server knows: a gap means missing
    // changes, and a client repeated out of order (no encoder writes that) is not applied whole.
    const run = fresh.get(client);
    if (run ? !continues(run, clock) : clock > known) return { ok: false, reason: 'incomplete' };
    const list = run ?? [];
    const isItem = struct instanceof Y.Item;
    list.push({ client, clock, length: struct.length, place: isItem ? null : { kind: 'void' }, item: isItem ? struct : null });
    fresh.set(client, list);
  }
  if (!dependenciesKnown(fresh, store) || !deletesKnown(decoded.ds, fresh, store)) return { ok: false, reason: 'incomplete' };
  if (!resolvePlaces(fresh, store)) return { ok: false, reason: 'incomplete' };

  const writes: InspectedWrite[] = [];
  const inserted = new Set<string>();
  for (const list of fresh.values()) {
    for (const s of list) {
      if (s.item === null || s.place === null || s.place.kind === 'void') continue;
      const range = { client: s.client, clock: s.clock, length: s.length };
      writes.push({ write: toWrite(s.place, s.item), place: s.place, range, op: 'insert' });
      if (s.place.kind === 'field') inserted.add(fieldId(s.place.root, s.place.key));
    }
  }
  for (const [client, ranges] of decoded.ds.clients) {
    for (const { clock, len } of ranges) collectDeletes(store, client, clock, len, inserted, writes);
  }
  return { ok: true, writes, newClients: [...fresh.keys()], ends };
}

/**
 * Every struct a new item points at (left and right neighbour, parent type) is stored or in
 * the update. Yjs would otherwise park the item as pending: stored and acknowledged, yet in
 * no copy of the document, and the author's next update would no longer fit.
 */
function dependenciesKnown(fresh: Map<number, NewStruct[]>, store: Y.Doc['store']): boolean {
  const known = (id: Y.ID | null): boolean =>
    id === null || id.clock < Y.getState(store, id.client) || structAt(fresh.get(id.client), id.clock) !== undefined;
  for (const list of fresh.values()) {
    for (const { item } of list) {
      if (item === null) continue;
      if (!known(item.origin) || !known(item.rightOrigin)) return false;
      if (item.parent instanceof Y.ID && !known(item.parent)) return false;
    }
  }
  return true;
}

/**
 * A deletion names only structs the server has or that the update brings. A deletion of a
 * struct yet to come would wait in the document and strike it on arrival, past the rules.
 */
function deletesKnown(ds: ReturnType<typeof Y.decodeUpdate>['ds'], fresh: Map<number, NewStruct[]>, store: Y.Doc['store']): boolean {
  for (const [client, ranges] of ds.clients) {
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

/** Places of new items; repeated because an origin may come later in the update. */
function resolvePlaces(fresh: Map<number, NewStruct[]>, store: Y.Doc['store']): boolean {
  let unresolved = Infinity;
  for (;;) {
    let left = 0;
    for (const list of fresh.values()) {
      for (const s of list) {
        if (s.place !== null || s.item === null) continue;
        s.place = placeOfNewItem(s.item, fresh, store);
        if (s.place === null) left++;
      }
    }
    if (left === 0) return true;
    if (left >= unresolved) return false;
    unresolved = left;
  }
}

function placeOfNewItem(item: Y.Item, fresh: Map<number, NewStruct[]>, store: Y.Doc['store']): Place | null {
  const parent = item.parent as unknown;
  if (typeof parent === 'string') return { kind: 'field', root: parent, key: item.parentSub };
  if (parent instanceof Y.ID) return { kind: 'nested' };
  const anchor = item.origin ?? item.rightOrigin;
  if (anchor === null) return { kind: 'void' };
  const inUpdate = structAt(fresh.get(anchor.client), anchor.clock);
  if (inUpdate) return inUpdate.place;
  if (anchor.clock >= Y.getState(store, anchor.client)) return null;
  return placeOfStoredStruct(Y.getItem(store, anchor));
}

function placeOfStoredStruct(struct: Y.Item | Y.GC): Place {
  if (!(struct instanceof Y.Item)) return { kind: 'void' };
  const parent = struct.parent;
  if (!(parent instanceof Y.AbstractType)) return { kind: 'void' };
  if (parent._item !== null) return { kind: 'nested' };
  return { kind: 'field', root: Y.findRootTypeKey(parent), key: struct.parentSub };
}

function toWrite(place: Place, item: Y.Item): ContentWrite {
  if (place.kind !== 'field') return { root: '', key: null, value: NOT_JSON, deleted: false };
  const content = item.content;
  if (content instanceof Y.ContentDeleted) return { root: place.root, key: place.key, value: undefined, deleted: true };
  if (content instanceof Y.ContentAny) {
    const values = content.getContent();
    return { root: place.root, key: place.key, value: values[values.length - 1], deleted: false };
  }
  return { root: place.root, key: place.key, value: NOT_JSON, deleted: false };
}

function collectDeletes(
  store: Y.Doc['store'],
  client: number,
  clock: number,
  len: number,
  inserted: Set<string>,
  writes: InspectedWrite[],
): void {
  const structs = store.clients.get(client);
  const known = Y.getState(store, client);
  if (structs === undefined || clock >= known) return;
  const end = Math.min(clock + len, known);
  for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
    const struct = structs[i] as Y.Item | Y.GC;
    if (struct.id.clock >= end) break;
    if (!(struct instanceof Y.Item) || struct.deleted) continue;
    const place = placeOfStoredStruct(struct);
    if (place.kind === 'field' && inserted.has(fieldId(place.root, place.key))) continue;
    const write: ContentWrite =
      place.kind === 'field' ? { root: place.root, key: place.key, value: undefined, deleted: true } : { root: '', key: null, value: NOT_JSON, deleted: true };
    writes.push({ write, place, range: { client, clock: struct.id.clock, length: struct.length }, op: 'delete' });
  }
}
