import * as Y from 'yjs';
import type { ClockRange } from '../../shared/protocol/control.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import type { InspectedWrite } from './update-inspector.ts';

export type Refusal = { write: InspectedWrite; verdict: Verdict & { ok: false } };

/**
 * What becomes of refused inserts, so that nothing of a refused value (nor its map key) is
 * stored or relayed, while every replica still orders a map key's structs the same way:
 * - `placeholders`: content-free GC structs of the same clocks (a struct header; a run of them
 *   is one struct). Used for an insert that names its key (no origin: a key new to its author)
 *   and for whatever the server's copy would not hold the same way anyway;
 * - `emptied`: a deleted item (ContentDeleted) with the author's origin: an overwrite of the
 *   key's current value (or, no origin, a write concurrent with the server's structs of the
 *   key), and a chain of overwrites right after it in one run. It keeps its place in the key's
 *   list, so the value the server restores after it (origin: this item) lands right of it in
 *   the author's replica too. Written with an origin it carries no key; without, the key (one
 *   the document already holds), once per key and update.
 * - `resetAuthor`: the author's replica holds, for some key, a struct the server replaced by a
 *   placeholder where the key already has structs (a concurrent write, a forged sibling, an
 *   insert built on an earlier placeholder): the author's copy could order that key differently
 *   from everyone else's, so it is told to reload.
 */
export type RefusedInsertPlan = { placeholders: ClockRange[]; emptied: ClockRange[]; resetAuthor: boolean };

/**
 * A field with any refused insert keeps its previous value (validated-merge restores it), so
 * the update's other inserts into that field are refused with it: the author is told of them,
 * and none anchors on a struct the server replaced.
 */
export function refuseWholeFields(accepted: InspectedWrite[], refused: Refusal[]): { accepted: InspectedWrite[]; refused: Refusal[] } {
  const verdictOf = new Map<string, Refusal['verdict']>();
  for (const r of refused) {
    const id = fieldOf(r.write);
    if (r.write.op === 'insert' && id !== null && !verdictOf.has(id)) verdictOf.set(id, r.verdict);
  }
  if (verdictOf.size === 0) return { accepted, refused };
  const stillAccepted: InspectedWrite[] = [];
  const alsoRefused: Refusal[] = [];
  for (const write of accepted) {
    const id = fieldOf(write);
    const verdict = write.op === 'insert' && id !== null ? verdictOf.get(id) : undefined;
    if (verdict) alsoRefused.push({ write, verdict });
    else stillAccepted.push(write);
  }
  const all = [...refused, ...alsoRefused].sort((x, y) => x.write.range.client - y.write.range.client || x.write.range.clock - y.write.range.clock);
  return { accepted: stillAccepted, refused: all };
}

/** Decides, for each refused insert, how it is stored (see `RefusedInsertPlan`). `already`: ranges the inspection made placeholders. */
export function planRefusedInserts(doc: Y.Doc, refused: Refusal[], already: ClockRange[]): RefusedInsertPlan {
  const plan: RefusedInsertPlan = { placeholders: [], emptied: [], resetAuthor: false };
  const done = new Set(already.map((r) => `${r.client}:${r.clock}`));
  /** The last emptied struct of each field in this update. */
  const kept = new Map<string, ClockRange>();
  const inserts = refused.filter((r) => r.write.op === 'insert').sort((x, y) => x.write.range.client - y.write.range.client || x.write.range.clock - y.write.range.clock);
  for (const { write } of inserts) {
    const { range, place, origin } = write;
    if (done.has(`${range.client}:${range.clock}`)) continue;
    const id = fieldOf(write);
    if (place.kind !== 'field' || place.key === null || id === null) {
      plan.placeholders.push(range);
      // Built on an earlier placeholder: the author's replica holds that key's structs, the server's does not.
      if (place.kind === 'placeholder') plan.resetAuthor = true;
      continue;
    }
    const type = doc.share.get(place.root);
    const current = type instanceof Y.Map ? (type._map.get(place.key) ?? null) : null;
    const previous = kept.get(id);
    if (origin === null && current === null) {
      // A key nobody has written: nothing can be ordered against it here, so nothing of it is kept.
      plan.placeholders.push(range);
      continue;
    }
    // An overwrite of the key's current value, or (no origin) a write concurrent with the
    // server's: the first one per key keeps its place (no origin: it carries the key, one the
    // document already has).
    const onCurrent = previous === undefined && current !== null && (origin === null || Y.compareIDs(origin, current.lastId));
    const onPrevious =
      previous !== undefined &&
      origin !== null &&
      range.client === previous.client &&
      range.clock === previous.clock + previous.length &&
      Y.compareIDs(origin, Y.createID(previous.client, previous.clock + previous.length - 1));
    if (onCurrent || onPrevious) {
      plan.emptied.push(range);
      // Consecutive emptied structs of one chain merge into one.
      kept.set(id, previous && onPrevious ? { ...previous, length: previous.length + range.length } : range);
    } else {
      plan.placeholders.push(range);
      plan.resetAuthor = true;
    }
  }
  return plan;
}

function fieldOf(write: InspectedWrite): string | null {
  return write.place.kind === 'field' ? JSON.stringify([write.place.root, write.place.key]) : null;
}
