import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { CatalogEntry, IndexEntry } from '../../shared/schemas/index-entry.ts';
import { listRows } from '../../extension/core/lists.ts';

const entry = (id: string, name: string, over: Partial<IndexEntry> = {}): IndexEntry => ({
  id, name, owner: 'alice', access: 'owner', public: false, curated: false, projectId: null, parentId: null,
  sharedWithOthers: false, trashed: false, sharedAt: null, viewed: true, ...over,
});

function docOf(entries: Array<IndexEntry | CatalogEntry>): Y.Doc {
  const doc = new Y.Doc();
  for (const e of entries) doc.getMap('experiments').set(e.id, e);
  return doc;
}

const index = docOf([
  entry('mine0001', 'Tcells panel'),
  entry('mine0002', 'Old run', { trashed: true }),
  entry('shared01', 'Bcells from bob', { owner: 'bob', access: 'full', sharedAt: 10, viewed: false }),
  entry('public01', 'Public thing', { owner: 'carol', access: 'public', public: true }),
]);
const catalog = docOf([
  { id: 'public01', name: 'Public thing', owner: 'carol', curated: false, projectId: null, parentId: null },
  { id: 'public02', name: 'Curated atlas', owner: 'dave', curated: true, projectId: null, parentId: null },
]);
const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id).sort();

describe('listRows', () => {
  it.each([
    ['all', ['mine0001', 'public01', 'public02', 'shared01']],
    ['mine', ['mine0001']],
    ['shared', ['shared01']],
    ['public', ['public01', 'public02']],
    ['curated', ['public02']],
    ['trash', ['mine0002']],
  ] as const)('filter %s', (filter, expected) => {
    expect(ids(listRows(index, catalog, 'alice', filter, undefined, new Map()))).toEqual(expected);
  });

  it('searches names case-insensitively and marks unviewed shares as new', () => {
    const rows = listRows(index, catalog, 'alice', 'all', 'CELLS', new Map());
    expect(ids(rows)).toEqual(['mine0001', 'shared01']);
    expect(rows.find((r) => r.id === 'shared01')?.isNew).toBe(true);
  });

  it('searches owners and tag values too, and orders names naturally', () => {
    const doc = docOf([
      entry('tag00001', 'Batch 10', { tagValues: ['Spleen'], changedAt: 5 }),
      entry('tag00002', 'Batch 2', { owner: 'bob', access: 'full', sharedAt: 3 }),
    ]);
    expect(listRows(doc, null, 'alice', 'all', undefined, new Map()).map((r) => r.name)).toEqual(['Batch 2', 'Batch 10']);
    expect(ids(listRows(doc, null, 'alice', 'all', 'spleen', new Map()))).toEqual(['tag00001']);
    expect(ids(listRows(doc, null, 'alice', 'all', 'BOB', new Map()))).toEqual(['tag00002']);
    // An older server's entry has no change time: the share's time stands in.
    expect(listRows(doc, null, 'alice', 'all', 'bob', new Map())[0]?.changedAt).toBe(3);
  });

  it('hides an experiment whose access was withdrawn after it was shared', () => {
    expect(ids(listRows(index, catalog, 'alice', 'shared', undefined, new Map([['shared01', 11]])))).toEqual([]);
    expect(ids(listRows(index, catalog, 'alice', 'shared', undefined, new Map([['shared01', 9]])))).toEqual(['shared01']);
  });

  it('works with no replicas at all', () => {
    expect(listRows(null, null, 'alice', 'all', undefined, new Map())).toEqual([]);
  });
});

describe('listRows and shares that end', () => {
  const timed = docOf([entry('shared02', 'Until Friday', { owner: 'bob', access: 'full', sharedAt: 10, until: 1_000 })]);
  it('drops a share that has ended by this device clock, even before the server removes it', () => {
    expect(ids(listRows(timed, null, 'alice', 'all', undefined, new Map(), [], new Map(), 999))).toEqual(['shared02']);
    expect(ids(listRows(timed, null, 'alice', 'all', undefined, new Map(), [], new Map(), 1_000))).toEqual([]);
  });
});
