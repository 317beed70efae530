import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { inspectUpdate } from '../../sync-server/sync/update-inspector.ts';

/**
 * The inspector's completeness check: an update is taken only if Yjs can integrate every part
 * of it against the server's copy. Each case is a client replica that holds a change the server
 * never received, and an update built on top of it; the same update is complete once the server
 * has that change.
 */
type Case = { server: Y.Doc; missing: Uint8Array; update: Uint8Array };

/** Runs `change` on `doc` and returns the update of exactly that transaction. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  let update: Uint8Array | null = null;
  const take = (u: Uint8Array): void => {
    update = u;
  };
  doc.on('update', take);
  change();
  doc.off('update', take);
  if (update === null) throw new Error('the change wrote nothing');
  return update;
}

/**
 * A server copy, a client replica and a collaborator's replica, all equal from `seed`. The
 * missing change is the collaborator's, relayed to the client but not (yet) to the server:
 * from another client id, so no gap in the author's own clocks gives it away.
 */
function trio(seed: (doc: Y.Doc) => void, missingChange: (collaborator: Y.Doc) => void): { server: Y.Doc; client: Y.Doc; missing: Uint8Array } {
  const origin = new Y.Doc();
  seed(origin);
  const [server, client, collaborator] = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
  for (const doc of [server, client, collaborator]) Y.applyUpdate(doc, Y.encodeStateAsUpdate(origin));
  const missing = updateOf(collaborator, () => missingChange(collaborator));
  Y.applyUpdate(client, missing);
  return { server, client, missing };
}

const cases: Array<[string, () => Case]> = [
  [
    'an insert whose right neighbour the server lacks',
    () => {
      const { server, client, missing } = trio(
        (d) => d.getArray('notes').insert(0, ['a']),
        (c) => c.getArray('notes').insert(1, ['b']),
      );
      // Between a (known) and b (unknown): its left neighbour alone would pass.
      const update = updateOf(client, () => client.getArray('notes').insert(1, ['c']));
      return { server, missing, update };
    },
  ],
  [
    'a write inside a nested type the server lacks',
    () => {
      const { server, client, missing } = trio(
        () => undefined,
        (c) => c.getMap('meta').set('extra', new Y.Map<string>()),
      );
      const update = updateOf(client, () => (client.getMap('meta').get('extra') as Y.Map<string>).set('k', 'v'));
      return { server, missing, update };
    },
  ],
  [
    'a deletion of a struct the server lacks',
    () => {
      const { server, client, missing } = trio(
        () => undefined,
        (c) => c.getMap('tags').set('k', 'v'),
      );
      const update = updateOf(client, () => client.getMap('tags').delete('k'));
      return { server, missing, update };
    },
  ],
];

describe('an update that depends on changes the server does not have', () => {
  it.each(cases)('%s is incomplete', (_what, make) => {
    const { server, update } = make();
    expect(inspectUpdate(server, update)).toEqual({ ok: false, reason: 'incomplete' });
  });

  it.each(cases)('%s is complete once the server has them', (_what, make) => {
    const { server, missing, update } = make();
    Y.applyUpdate(server, missing);
    expect(inspectUpdate(server, update)).toMatchObject({ ok: true });
  });

  it.each(cases)('%s is complete when it travels with them', (_what, make) => {
    const { server, missing, update } = make();
    expect(inspectUpdate(server, Y.mergeUpdates([missing, update]))).toMatchObject({ ok: true });
  });
});

describe('an update that no encoder writes', () => {
  it('one client twice, out of order, is incomplete rather than half applied', () => {
    const author = new Y.Doc();
    const update = updateOf(author, () => author.getMap('tags').set('k', 'v'));
    // Version 1 layout of an insert-only update: [1 client][its structs][0 deletions].
    expect([update[0], update.at(-1)]).toEqual([1, 0]);
    const group = update.subarray(1, update.length - 1);
    const repeated = Uint8Array.from([2, ...group, ...group, 0]);
    expect(Y.decodeUpdate(repeated).structs).toHaveLength(2);
    expect(inspectUpdate(new Y.Doc(), repeated)).toEqual({ ok: false, reason: 'incomplete' });
    expect(inspectUpdate(new Y.Doc(), update)).toMatchObject({ ok: true });
  });
});
