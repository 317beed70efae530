import { describe, expect, it } from 'vitest';
import { parseTagKey, tagKey } from '../../shared/doc-layout.ts';
import { checkContentWrite, type ContentWrite } from '../../shared/rules/content.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';

function exp(opts: { id?: string; grants?: string[]; public?: boolean; trashed?: boolean }): SharingState {
  const state = newSharing(opts.id ?? 'exp-content1', 'olivia');
  for (const user of opts.grants ?? []) state.grants[user] = { by: 'olivia', at: 1 };
  return { ...state, public: opts.public ?? false, trashed: opts.trashed ?? false };
}
const actor = (username: string): Actor => ({ username, staff: false });
const set = (root: string, key: string | null, value: unknown): ContentWrite => ({ root, key, value, deleted: false });
const del = (root: string, key: string | null): ContentWrite => ({ root, key, value: undefined, deleted: true });

function outcome(v: Verdict): { ok: true } | { code: string; path?: string[] } {
  if (v.ok) return { ok: true };
  return v.path === undefined ? { code: v.code } : { code: v.code, path: v.path };
}

// Olivia owns it, Frank has full access, Paula views it publicly; Sam is a stranger to `priv`.
const pub = exp({ grants: ['frank'], public: true });
const priv = exp({ grants: ['frank'] });
const trashed = exp({ grants: ['frank'], public: true, trashed: true });
const TAG = tagKey('sample-01.fcs', 'donor');
const GATE = 'gate-0001';
const gate = { name: 'Lymphocytes', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [10, 20, 300, 400] };
const OK = { ok: true };
const bad = (code: string, ...path: string[]) => ({ code, path });

type Row = [name: string, state: SharingState, user: string, write: ContentWrite, expected: object];
const run = ([, state, user, write, expected]: Row) =>
  expect(outcome(checkContentWrite(state, actor(user), write))).toStrictEqual(expected);

describe('checkContentWrite: which fields exist and belong to clients', () => {
  it.each<Row>([
    ['sharing.owner', pub, 'olivia', set('sharing', 'owner', 'frank'), bad('SERVER_OWNED_FIELD', 'sharing', 'owner')],
    ['sharing.public by a grantee', pub, 'frank', set('sharing', 'public', true), bad('SERVER_OWNED_FIELD', 'sharing', 'public')],
    ['sharing.grants by a stranger', priv, 'sam', set('sharing', 'grants', {}), bad('SERVER_OWNED_FIELD', 'sharing', 'grants')],
    ['the sharing root itself', pub, 'olivia', set('sharing', null, {}), bad('SERVER_OWNED_FIELD', 'sharing')],
    ['deleting from sharing', pub, 'olivia', del('sharing', 'trashed'), bad('SERVER_OWNED_FIELD', 'sharing', 'trashed')],
    ['files', pub, 'olivia', set('files', 'file-0001', { name: 'a.fcs' }), bad('SERVER_OWNED_FIELD', 'files', 'file-0001')],
    ['meta.color', pub, 'olivia', set('meta', 'color', 'red'), bad('UNKNOWN_FIELD', 'meta', 'color')],
    ['meta.constructor', pub, 'olivia', set('meta', 'constructor', 'x'), bad('UNKNOWN_FIELD', 'meta', 'constructor')],
    ['meta.__proto__', pub, 'olivia', set('meta', '__proto__', 'x'), bad('UNKNOWN_FIELD', 'meta', '__proto__')],
    ['the meta root itself', pub, 'olivia', set('meta', null, {}), bad('UNKNOWN_FIELD', 'meta')],
    ['an unknown root', pub, 'olivia', set('comments', 'c1', 'hi'), bad('UNKNOWN_FIELD', 'comments', 'c1')],
    ['a tag key that is not JSON', pub, 'olivia', set('tags', 'sample-01.fcs|donor', 'A'), bad('UNKNOWN_FIELD', 'tags', 'sample-01.fcs|donor')],
    ['a tag key of three parts', pub, 'olivia', set('tags', '["a.fcs","donor","x"]', 'A'), bad('UNKNOWN_FIELD', 'tags', '["a.fcs","donor","x"]')],
    ['a tag key with an empty dimension', pub, 'olivia', set('tags', '["a.fcs",""]', 'A'), bad('UNKNOWN_FIELD', 'tags', '["a.fcs",""]')],
    ['a tag key that is an object', pub, 'olivia', set('tags', '{"file":"a.fcs"}', 'A'), bad('UNKNOWN_FIELD', 'tags', '{"file":"a.fcs"}')],
    ['a gate id too short', pub, 'olivia', set('gates', 'g1', gate), bad('UNKNOWN_FIELD', 'gates', 'g1')],
    ['a gate id with a slash', pub, 'olivia', set('gates', 'gate/0001', gate), bad('UNKNOWN_FIELD', 'gates', 'gate/0001')],
    ['the gates root itself', pub, 'olivia', set('gates', null, {}), bad('UNKNOWN_FIELD', 'gates')],
    ['deleting a gate with a bad id', pub, 'olivia', del('gates', 'g1'), bad('UNKNOWN_FIELD', 'gates', 'g1')],
  ])('%s', (...row) => run(row));
});

describe('checkContentWrite: the edit right', () => {
  it.each<Row>([
    ['owner writes the name', pub, 'olivia', set('meta', 'name', 'Run 2'), OK],
    ['full grantee writes the name', priv, 'frank', set('meta', 'name', 'Run 2'), OK],
    ['full grantee writes a tag', pub, 'frank', set('tags', TAG, 'A'), OK],
    ['full grantee writes a gate', pub, 'frank', set('gates', GATE, gate), OK],
    ['public viewer writes the name', pub, 'paula', set('meta', 'name', 'Run 2'), bad('READ_ONLY', 'meta', 'name')],
    ['public viewer writes a tag', pub, 'paula', set('tags', TAG, 'A'), bad('READ_ONLY', 'tags', TAG)],
    ['public viewer deletes a gate', pub, 'paula', del('gates', GATE), bad('READ_ONLY', 'gates', GATE)],
    ['stranger writes the purpose', priv, 'sam', set('meta', 'purpose', 'x'), bad('NOT_A_READER', 'meta', 'purpose')],
    ['stranger writes a gate', priv, 'sam', set('gates', GATE, gate), bad('NOT_A_READER', 'gates', GATE)],
    ['owner of a trashed experiment', trashed, 'olivia', set('meta', 'name', 'Run 2'), bad('EXPERIMENT_TRASHED', 'meta', 'name')],
    ['grantee of a trashed experiment', trashed, 'frank', set('tags', TAG, 'A'), bad('NOT_A_READER', 'tags', TAG)],
  ])('%s', (...row) => run(row));
});

describe('checkContentWrite: value shapes', () => {
  const long = (n: number) => 'x'.repeat(n);
  it.each<Row>([
    ['a name of 200 characters', pub, 'olivia', set('meta', 'name', long(200)), OK],
    ['a name of 201 characters', pub, 'olivia', set('meta', 'name', long(201)), bad('INVALID_VALUE', 'meta', 'name')],
    ['an empty name', pub, 'olivia', set('meta', 'name', ''), bad('INVALID_VALUE', 'meta', 'name')],
    ['a blank name', pub, 'olivia', set('meta', 'name', '   '), bad('INVALID_VALUE', 'meta', 'name')],
    ['a name that is not a string', pub, 'olivia', set('meta', 'name', 7), bad('INVALID_VALUE', 'meta', 'name')],
    ['an empty purpose', pub, 'olivia', set('meta', 'purpose', ''), OK],
    ['a purpose of 5001 characters', pub, 'olivia', set('meta', 'purpose', long(5001)), bad('INVALID_VALUE', 'meta', 'purpose')],
    ['a tag of 200 characters', pub, 'olivia', set('tags', TAG, long(200)), OK],
    ['a tag of 201 characters', pub, 'olivia', set('tags', TAG, long(201)), bad('INVALID_VALUE', 'tags', TAG)],
    ['an empty tag', pub, 'olivia', set('tags', TAG, ''), OK],
    ['a tag that is not a string', pub, 'olivia', set('tags', TAG, 3), bad('INVALID_VALUE', 'tags', TAG)],
    ['a gate without a name', pub, 'olivia', set('gates', GATE, { ...gate, name: undefined }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a gate without a rect', pub, 'olivia', set('gates', GATE, { ...gate, rect: undefined }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a gate with a NaN corner', pub, 'olivia', set('gates', GATE, { ...gate, rect: [0, NaN, 1, 1] }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a gate with an infinite corner', pub, 'olivia', set('gates', GATE, { ...gate, rect: [0, 0, Infinity, 1] }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a gate with three corners', pub, 'olivia', set('gates', GATE, { ...gate, rect: [0, 0, 1] }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a gate with an extra field', pub, 'olivia', set('gates', GATE, { ...gate, color: 'red' }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a gate with an empty channel', pub, 'olivia', set('gates', GATE, { ...gate, xChannel: '' }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a gate that is a string', pub, 'olivia', set('gates', GATE, 'gate'), bad('INVALID_VALUE', 'gates', GATE)],
  ])('%s', (...row) => run(row));

  it('a refusal of a value says what is wrong', () => {
    const verdict = checkContentWrite(pub, actor('olivia'), set('tags', TAG, long(201)));
    expect(verdict).toMatchObject({ ok: false, code: 'INVALID_VALUE', message: expect.stringMatching(/\S/) });
  });
});

describe('checkContentWrite: polygon gates', () => {
  const { rect: _rect, ...base } = gate;
  const polygon = { ...base, polygon: [[10, 20], [300, 40], [200, 400]] };
  const ring = (n: number) => Array.from({ length: n }, (_, i) => [Math.cos(i) * 100, Math.sin(i) * 100]);
  it.each<Row>([
    ['the owner writes a polygon gate', pub, 'olivia', set('gates', GATE, polygon), OK],
    ['a full grantee writes a polygon gate', pub, 'frank', set('gates', GATE, polygon), OK],
    ['a public viewer writes a polygon gate', pub, 'paula', set('gates', GATE, polygon), bad('READ_ONLY', 'gates', GATE)],
    ['a stranger writes a polygon gate', priv, 'sam', set('gates', GATE, polygon), bad('NOT_A_READER', 'gates', GATE)],
    ['a polygon of 256 vertices', pub, 'olivia', set('gates', GATE, { ...base, polygon: ring(256) }), OK],
    ['a polygon of 257 vertices', pub, 'olivia', set('gates', GATE, { ...base, polygon: ring(257) }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a polygon of two vertices', pub, 'olivia', set('gates', GATE, { ...base, polygon: [[0, 0], [1, 1]] }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a polygon with a NaN vertex', pub, 'olivia', set('gates', GATE, { ...base, polygon: [[0, 0], [1, NaN], [2, 0]] }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a polygon with an infinite vertex', pub, 'olivia', set('gates', GATE, { ...base, polygon: [[0, 0], [1, 1], [Infinity, 0]] }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a polygon vertex of three numbers', pub, 'olivia', set('gates', GATE, { ...base, polygon: [[0, 0, 0], [1, 1], [2, 0]] }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a polygon that is not an array', pub, 'olivia', set('gates', GATE, { ...base, polygon: '0,0;1,1;2,0' }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a gate with both a rect and a polygon', pub, 'olivia', set('gates', GATE, { ...polygon, rect: gate.rect }), bad('INVALID_VALUE', 'gates', GATE)],
    ['a polygon gate without a name', pub, 'olivia', set('gates', GATE, { ...polygon, name: ' ' }), bad('INVALID_VALUE', 'gates', GATE)],
  ])('%s', (...row) => run(row));
});

describe('checkContentWrite: deletions', () => {
  it.each<Row>([
    ['deleting the name', pub, 'olivia', del('meta', 'name'), bad('INVALID_VALUE', 'meta', 'name')],
    ['deleting the name, by a grantee', pub, 'frank', del('meta', 'name'), bad('INVALID_VALUE', 'meta', 'name')],
    ['deleting the purpose', pub, 'olivia', del('meta', 'purpose'), OK],
    ['deleting a tag', pub, 'frank', del('tags', TAG), OK],
    ['deleting a gate', pub, 'olivia', del('gates', GATE), OK],
    ['a deletion ignores the value it carries', pub, 'olivia', { root: 'gates', key: GATE, value: 'junk', deleted: true }, OK],
  ])('%s', (...row) => run(row));
});

describe('checkContentWrite: order is field, then right, then value', () => {
  it.each<Row>([
    ['stranger writing a server-owned field', priv, 'sam', set('sharing', 'public', true), bad('SERVER_OWNED_FIELD', 'sharing', 'public')],
    ['stranger writing an unknown field', priv, 'sam', set('meta', 'color', 'red'), bad('UNKNOWN_FIELD', 'meta', 'color')],
    ['viewer writing an unknown field with a bad value', pub, 'paula', set('gates', 'g1', 42), bad('UNKNOWN_FIELD', 'gates', 'g1')],
    ['viewer writing a bad value', pub, 'paula', set('meta', 'name', ''), bad('READ_ONLY', 'meta', 'name')],
    ['stranger deleting the name', priv, 'sam', del('meta', 'name'), bad('NOT_A_READER', 'meta', 'name')],
    ['trashed owner writing a bad gate', trashed, 'olivia', set('gates', GATE, {}), bad('EXPERIMENT_TRASHED', 'gates', GATE)],
  ])('%s', (...row) => run(row));
});

describe('checkContentWrite: one key per tag cell', () => {
  // Only tagKey(file, dim)'s own spelling is a key, so one cell cannot be stored twice.
  it.each([
    ['with a space', '["sample-01.fcs", "donor"]'],
    ['with an escape', '["sample-01.fcs","\\u0064onor"]'],
  ])('refuses a non-canonical tag key (%s)', (_name, key) => {
    expect(outcome(checkContentWrite(pub, actor('olivia'), set('tags', key, 'A')))).toStrictEqual(bad('UNKNOWN_FIELD', 'tags', key));
  });
});

describe('tag keys read again', () => {
  it('answer the same the second time, and after the table of keys read has been emptied', () => {
    const canonical = tagKey('sample-01.fcs', 'donor');
    const spaced = '["sample-01.fcs", "donor"]';
    const twice = () => [parseTagKey(canonical), parseTagKey(spaced)];
    expect(twice()).toEqual([{ file: 'sample-01.fcs', dimension: 'donor' }, null]);
    expect(twice()).toEqual([{ file: 'sample-01.fcs', dimension: 'donor' }, null]);
    for (let i = 0; i < 5_000; i++) parseTagKey(tagKey(`s${i}.fcs`, 'donor'));
    expect(twice()).toEqual([{ file: 'sample-01.fcs', dimension: 'donor' }, null]);
  });
});
