import * as Y from 'yjs';
import type { Meter } from './inspection-meter.ts';
import type { Place } from './inspection-types.ts';
import { broughtStruct, type NewStruct, type NewStructs } from './new-structs.ts';

/**
 * Where a struct lands in the document layout:
 * - an item whose parent is a root name and that carries a key writes `root.key`;
 * - an item with an origin (a map overwrite, or a list insert) inherits its origin's place,
 *   found in the update itself or in the store with `Y.getItem`;
 * - an item under a nested type writes inside a value; our layout has none, so it is unknown;
 * - an item whose origin is a GC struct: a placeholder the server stored for a refused insert
 *   (our layout has no nested types, so Yjs collects nothing else); Yjs would drop it here and
 *   keep it in its author's replica, so it is refused like what it builds on.
 */
/**
 * Places of new items. An item's place is its origin's, which may itself be new and come
 * later in the update: each chain of origins is followed once and every struct on it gets the
 * place found at its end, so the cost is one visit per struct whatever the order.
 */
export function resolvePlaces(fresh: NewStructs, store: Y.Doc['store'], meter: Meter): boolean {
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

function placeOrAnchor(item: Y.Item, fresh: NewStructs, store: Y.Doc['store']): { place: Place | null } | { next: NewStruct } {
  const parent = item.parent as unknown;
  if (typeof parent === 'string') return { place: { kind: 'field', root: parent, key: item.parentSub } };
  if (parent instanceof Y.ID) return { place: { kind: 'nested' } };
  const anchor = item.origin ?? item.rightOrigin;
  if (anchor === null) return { place: { kind: 'void' } };
  const inUpdate = broughtStruct(fresh, store, anchor);
  if (inUpdate) return { next: inUpdate };
  if (anchor.clock >= Y.getState(store, anchor.client)) return { place: null };
  return { place: placeOfStoredStruct(Y.getItem(store, anchor)) };
}

export function placeOfStoredStruct(struct: Y.Item | Y.GC): Place {
  // Our layout has no nested types, so Yjs collects nothing: every stored GC is a placeholder.
  if (!(struct instanceof Y.Item)) return { kind: 'placeholder' };
  const parent = struct.parent;
  if (!(parent instanceof Y.AbstractType)) return { kind: 'void' };
  if (parent._item !== null) return { kind: 'nested' };
  return { kind: 'field', root: Y.findRootTypeKey(parent), key: struct.parentSub };
}
