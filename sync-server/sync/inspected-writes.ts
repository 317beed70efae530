import * as Y from 'yjs';
import type { ContentWrite } from '../../shared/rules/content.ts';
import type { ClockRange } from '../../shared/protocol/control.ts';
import type { Place } from './inspection-types.ts';

export type InspectedWrite = {
  write: ContentWrite;
  place: Place;
  /** The struct this write comes from (inserts), or the live item it deletes (deletes). */
  range: ClockRange;
  op: 'insert' | 'delete';
  /** Of an insert: the struct it anchors on (its left neighbour when written), as the author sent it. */
  origin: Y.ID | null;
};

/** Marks a value that is not plain JSON (a nested type, text, binary): never a valid field value. */
export const NOT_JSON = Symbol('not-json');
/** Marks a struct carrying several values under one map key: the map shows only the last, so the others would hide. */
export const SEVERAL_VALUES = Symbol('several-values');

/** One key per field, so an insert and a deletion of the same field are recognised as one. */
export function fieldId(root: string, key: string | null): string {
  return JSON.stringify([root, key]);
}

/**
 * The value a new struct writes. Every value it carries counts: a map entry holds exactly one
 * plain JSON value (ContentAny of one value), so several values (the map would show the last
 * and store the others out of sight) and every other kind of content (strings, JSON, binary,
 * embeds, formats, nested types, sub-documents) are values no field accepts.
 */
export function toWrite(place: Place, item: Y.Item): { write: ContentWrite; values: number } {
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
