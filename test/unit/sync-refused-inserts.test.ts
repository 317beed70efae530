import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ErrorCode } from '../../shared/codes.ts';
import { tagKey } from '../../shared/doc-layout.ts';
import { refuse } from '../../shared/rules/verdict.ts';
import { deletionsOnly, encodeUpdate } from '../../sync-server/sync/update-encoding.ts';
import { planRefusedInserts, type Refusal } from '../../sync-server/sync/refused-inserts.ts';
import { inspectUpdate, type Inspection } from '../../sync-server/sync/update-inspector.ts';
import { updateOf } from '../support/yjs-updates.ts';

/**
 * How refused inserts are stored: content-free (a GC placeholder, or a deleted item keeping its
 * place in a key's list), so a refused megabyte costs a struct header, and every replica,
 * the author's included, still orders a key's structs alike.
 */

/** A server copy holding one tag, and an author's replica equal to it. */
function pair(): { server: Y.Doc; author: Y.Doc } {
  const server = new Y.Doc();
  server.getMap('tags').set(tagKey('s1.fcs', 'Stim'), 'PMA');
  const author = new Y.Doc();
  Y.applyUpdate(author, Y.encodeStateAsUpdate(server));
  return { server, author };
}

function inspect(server: Y.Doc, update: Uint8Array): Inspection & { ok: true } {
  const inspection = inspectUpdate(server, update, { roots: new Set(['tags', 'meta', 'gates']) });
  if (!inspection.ok) throw new Error(`inspection failed: ${inspection.reason}`);
  return inspection;
}

/** Every insert refused READ_ONLY, as the merge would for a reader. */
function refuseAll(inspection: Inspection & { ok: true }): Refusal[] {
  const verdict = refuse(ErrorCode.READ_ONLY, 'read only') as Refusal['verdict'];
  return inspection.writes.map((write) => ({ write, verdict }));
}

describe('refused inserts', () => {
  it('a quarter megabyte of new keys becomes one placeholder of a few bytes; the author converges and its next update fits', () => {
    const { server, author } = pair();
    const before = Y.encodeStateAsUpdate(server).length;
    const update = updateOf(author, () => {
      for (let i = 0; i < 5_000; i++) author.getMap('tags').set(tagKey('s1.fcs', `${'K'.repeat(30)}${i}`), 'x'.repeat(20));
    });
    expect(update.length).toBeGreaterThan(250_000);
    const inspection = inspect(server, update);
    const plan = planRefusedInserts(server, refuseAll(inspection), inspection.placeholders);
    expect(plan.emptied).toEqual([]);
    expect(plan.resetAuthor).toBe(false);
    const stored = inspection.encodeWith(plan.placeholders, plan.emptied);
    expect(stored.length).toBeLessThan(20);
    Y.applyUpdate(server, stored);
    expect(server.getMap('tags').toJSON()).toEqual({ [tagKey('s1.fcs', 'Stim')]: 'PMA' });
    // A GC struct and its range in the delete set.
    expect(Y.encodeStateAsUpdate(server).length).toBeLessThan(before + 40);

    // The author deletes what became placeholders (the merge sends it that deletion).
    const ranges = new Map([[author.clientID, plan.placeholders.map((r) => ({ clock: r.clock, len: r.length }))]]);
    Y.applyUpdate(author, deletionsOnly(ranges));
    expect(author.getMap('tags').toJSON()).toEqual(server.getMap('tags').toJSON());
    // Its stream of structs is whole: the next update applies on the server.
    const next = updateOf(author, () => author.getMap('meta').set('purpose', 'later'));
    const later = inspect(server, next);
    Y.applyUpdate(server, later.update);
    expect(server.getMap('meta').get('purpose')).toBe('later');
  });

  it('an overwrite of the current value keeps its place without its value; a forged sibling does not and resets its author', () => {
    const { server, author } = pair();
    const cell = tagKey('s1.fcs', 'Stim');
    const update = updateOf(author, () => author.getMap('tags').set(cell, `FORGED-${'z'.repeat(50_000)}`));
    const inspection = inspect(server, update);
    const plan = planRefusedInserts(server, refuseAll(inspection), inspection.placeholders);
    expect(plan).toMatchObject({ placeholders: [], resetAuthor: false });
    expect(plan.emptied).toHaveLength(1);
    const stored = inspection.encodeWith(plan.placeholders, plan.emptied);
    expect(stored.length).toBeLessThan(30);
    expect(Buffer.from(stored).includes(Buffer.from('FORGED'))).toBe(false);

    // A second struct anchored on the same value, right after it: honest clients never write one.
    const current = server.getMap('tags')._map.get(cell)!;
    const sibling = new Y.Item(Y.createID(author.clientID, 1), null, current.lastId, null, null, null, null, new Y.ContentAny(['again']));
    const both = Y.mergeUpdates([update, encodeUpdate([{ client: author.clientID, structs: [sibling] }], new Map())]);
    const twice = inspect(server, both);
    const plan2 = planRefusedInserts(server, refuseAll(twice), twice.placeholders);
    expect(plan2.emptied).toEqual([{ client: author.clientID, clock: 0, length: 1 }]);
    expect(plan2.placeholders).toEqual([{ client: author.clientID, clock: 1, length: 1 }]);
    expect(plan2.resetAuthor).toBe(true);
  });

  it('an insert anchored on a placeholder is placed as such, not as a write of nothing', () => {
    const { server, author } = pair();
    const cell = tagKey('s1.fcs', 'New');
    const first = updateOf(author, () => author.getMap('tags').set(cell, 'a'));
    const inspection = inspect(server, first);
    const plan = planRefusedInserts(server, refuseAll(inspection), inspection.placeholders);
    Y.applyUpdate(server, inspection.encodeWith(plan.placeholders, plan.emptied));
    // The author, not yet told, writes the key again: its origin is the struct the server replaced.
    const second = updateOf(author, () => author.getMap('tags').set(cell, 'b'));
    const again = inspect(server, second);
    expect(again.writes.map((w) => w.place)).toEqual([{ kind: 'placeholder' }]);
    const plan2 = planRefusedInserts(server, refuseAll(again), again.placeholders);
    expect(plan2).toMatchObject({ emptied: [], resetAuthor: true });
    expect(plan2.placeholders).toHaveLength(1);
  });
});
