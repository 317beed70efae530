import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { orphanedExperiments } from '../../extension/background/orphans.ts';
import type { Draft } from '../../extension/core/contract.ts';
import type { Row } from '../../extension/messages.ts';
import { describe as words, editLockReason, sharingLockReason } from '../../extension/ui/describe.ts';
import { groupByFamily, tagGrid } from '../../extension/ui/manager/group.ts';

const row = (id: string, parentId: string | null = null): Row => ({
  id, name: id, owner: 'alice', access: 'owner', public: false, curated: false, projectId: null, parentId, sharedWithOthers: false, isNew: false,
});

describe('grouping linked experiments under their top-most ancestor', () => {
  it('puts children and grandchildren under the root, in depth order', () => {
    const groups = groupByFamily([row('a'), row('b', 'a'), row('c', 'b'), row('d')]);
    expect(groups.map((g) => [g.head.id, g.members.map((m) => `${m.row.id}@${m.depth}`)])).toEqual([
      ['a', ['b@1', 'c@2']],
      ['d', []],
    ]);
  });

  it('makes a row whose parent is not listed the head of its own group', () => {
    expect(groupByFamily([row('b', 'a'), row('c', 'b')]).map((g) => g.head.id)).toEqual(['b']);
  });

  it('still shows every row of a parent loop', () => {
    const ids = groupByFamily([row('a', 'b'), row('b', 'a')]).flatMap((g) => [g.head.id, ...g.members.map((m) => m.row.id)]);
    expect(ids.sort()).toEqual(['a', 'b']);
  });
});

describe('the sample tag grid', () => {
  it('has files as rows and dimensions as columns, with empty cells blank', () => {
    const grid = tagGrid([{ file: 'b.fcs', dimension: 'Donor', value: '7' }, { file: 'a.fcs', dimension: 'Stim', value: 'PMA' }], ['c.fcs'], ['Time']);
    expect(grid.files).toEqual(['a.fcs', 'b.fcs', 'c.fcs']);
    expect(grid.dimensions).toEqual(['Donor', 'Stim', 'Time']);
    expect(grid.value('b.fcs', 'Donor')).toBe('7');
    expect(grid.value('a.fcs', 'Donor')).toBe('');
  });
});

describe('words for people', () => {
  it.each([
    [ErrorCode.NOT_A_READER, 'You do not have access to this experiment.'],
    [ErrorCode.NOT_CONNECTED, 'Connect with this user before sharing with them.'],
    ['SOMETHING_NEWER', 'The change was not accepted.'],
    [undefined, 'The change was not accepted.'],
  ])('describes %s', (code, sentence) => {
    expect(words(code)).toBe(sentence);
  });

  it('gives the reason a control is locked, or none', () => {
    expect(sharingLockReason({ trashed: false, can: { manageSharing: true } })).toBeNull();
    expect(sharingLockReason({ trashed: false, can: { manageSharing: false } })).toMatch(/Only the owner or people with full access/);
    expect(sharingLockReason({ trashed: true, can: { manageSharing: false } })).toMatch(/trash/);
    expect(editLockReason({ trashed: false, can: { edit: false } })).toMatch(/view this experiment but not change it/);
  });
});

describe('drafts orphaned by a revocation', () => {
  const edit = (experimentId: string, state: Draft['state'] = 'pending') =>
    ({ id: `d${experimentId}0000000`, experimentId, description: '', state, createdAt: 1, kind: 'edit', docName: `exp-${experimentId}`, client: 1, clockStart: 0, clockEnd: 1 }) as Draft;
  it('are pending edits of experiments the list no longer has, unless their create is pending', () => {
    const creating = { id: 'dcreate0000', experimentId: 'new', description: '', state: 'pending', createdAt: 1, kind: 'intent', intent: { id: 'dcreate0000', type: 'create', experimentId: 'new', name: 'n' } } as unknown as Draft;
    const drafts = [edit('gone'), edit('kept'), edit('old', 'rejected'), edit('new'), creating];
    expect(orphanedExperiments(drafts, new Set(['kept']))).toEqual(['gone']);
  });
});
