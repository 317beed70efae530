import * as Y from 'yjs';
import type { Meter } from './inspection-meter.ts';
import type { InspectionFailure, Place } from './inspection-types.ts';

/** A struct the update brings that the server does not have yet. */
export type NewStruct = {
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

/** Each client's run of new structs, in clock order. */
export type NewStructs = Map<number, NewStruct[]>;

export type StructRead =
  | {
      ok: true;
      fresh: NewStructs;
      /** Every client id with structs in the update, and the clock just past its last struct there. */
      ends: Map<number, number>;
      /** Structs the server already has were left out. */
      skippedKnown: boolean;
      /** A struct overlapping what the server has was cut to the part past it. */
      trimmed: boolean;
    }
  | { ok: false; reason: InspectionFailure };

/** The update's structs the server does not have, each client's as one run continuing what the server knows. */
export function readNewStructs(store: Y.Doc['store'], structs: Array<Y.Item | Y.GC | Y.Skip>, serverOwned: boolean): StructRead {
  const fresh: NewStructs = new Map();
  const ends = new Map<number, number>();
  let skippedKnown = false;
  let trimmed = false;
  for (const struct of structs) {
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
    if (serverOwned) return { ok: false, reason: 'server-owned' };
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
  return { ok: true, fresh, ends, skippedKnown, trimmed };
}

/** The clock just past a client's run of new structs; 0 for no run. */
export function runEnd(list: NewStruct[] | undefined): number {
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

/** The new struct holding `id`, if the update brings it; null when the server has it or nothing holds it. */
export function broughtStruct(fresh: NewStructs, store: Y.Doc['store'], id: Y.ID): NewStruct | null {
  return id.clock < Y.getState(store, id.client) ? null : (structAt(fresh.get(id.client), id.clock) ?? null);
}

/**
 * Every struct a new item points at (left and right neighbour, parent type) is stored or in
 * the update, a parent is a type, and the update can be integrated in some order: no item
 * depends, through its neighbours, its parent or the structs before it in its own run, on
 * itself. Yjs would otherwise park the item as pending (stored and acknowledged, yet in no copy
 * of the document, and the author's next update would no longer fit), or fail half-way.
 */
export function dependenciesKnown(fresh: NewStructs, store: Y.Doc['store'], meter: Meter): 'ok' | 'incomplete' | 'invalid' {
  const inUpdate = (id: Y.ID): NewStruct | null => broughtStruct(fresh, store, id);
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
