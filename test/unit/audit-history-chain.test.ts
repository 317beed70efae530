import { describe, expect, it } from 'vitest';
import { buildChain, chainCheck, GENESIS, nextLink, verifyChain, type HistoryEntry, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { historyCsv } from '../../shared/audit/history-csv.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import { checkHistoryRead } from '../../shared/rules/history.ts';
import type { SharingState } from '../../shared/schemas/entities.ts';

const EXP = 'exp-chain-0001';
const fields = (action: string, detail: unknown = {}, at = 1_700_000_000_000): HistoryFields => ({
  experimentId: EXP, at, actor: 'alice', action, verdict: 'accepted', code: null, detail,
});
const chain = (): HistoryEntry[] =>
  buildChain(sha256Hex, [fields('create', { name: 'Run 1' }), fields('share', { user: 'bob' }), fields('publish'), fields('unshare', { user: 'bob' }), fields('trash')]);
const check = (entries: HistoryEntry[]) => verifyChain(sha256Hex, EXP, entries);

describe('the per-experiment history chain', () => {
  it('the first entry chains from the fixed genesis value, each next one from the hash before it', () => {
    const [first, second] = chain();
    expect(GENESIS).toBe('0'.repeat(64));
    expect(first!.seq).toBe(1);
    expect(first!.hash).toBe(sha256Hex(`${GENESIS}{"action":"create","actor":"alice","at":1700000000000,"code":null,"detail":{"name":"Run 1"},"experimentId":"${EXP}","seq":1,"verdict":"accepted"}`));
    expect(second).toMatchObject(nextLink(sha256Hex, { seq: 1, hash: first!.hash }, fields('share', { user: 'bob' })));
    expect(second!.seq).toBe(2);
  });

  it('fed one entry at a time (a chain read in pages), gives the verdict of the whole check and stops at the first break', () => {
    const fed = (entries: HistoryEntry[]) => {
      const step = chainCheck(sha256Hex, EXP);
      let added = 0;
      for (const e of entries) if (step.add(e)) added++;
      return { verdict: step.verdict(), added };
    };
    const entries = chain();
    expect(fed(entries)).toEqual({ verdict: check(entries), added: 5 });
    const edited = entries.map((e) => (e.seq === 3 ? { ...e, actor: 'mallory' } : e));
    expect(fed(edited)).toEqual({ verdict: check(edited), added: 2 });
    expect(fed(edited).verdict).toMatchObject({ intact: false, seq: 3, problem: 'hash-mismatch' });
    const gap = entries.filter((e) => e.seq !== 2);
    expect(fed(gap).verdict).toEqual(check(gap));
    expect(fed(gap).verdict).toMatchObject({ intact: false, seq: 2, problem: 'sequence-gap' });
  });

  it('goes on from an entry already trusted: the rest of the chain checks as it would from entry 1', () => {
    const entries = chain();
    const from = { seq: 2, hash: entries[1]!.hash };
    const rest = chainCheck(sha256Hex, EXP, from);
    expect(rest.head()).toEqual(from);
    for (const e of entries.slice(2)) expect(rest.add(e)).toBe(true);
    expect(rest.verdict()).toEqual(check(entries));
    expect(rest.head()).toEqual({ seq: 5, hash: entries[4]!.hash });
    // A wrong starting hash (the trusted entry was not what the next one chains from) breaks entry 3.
    const wrong = chainCheck(sha256Hex, EXP, { seq: 2, hash: entries[0]!.hash });
    expect(wrong.add(entries[2]!)).toBe(false);
    expect(wrong.verdict()).toMatchObject({ intact: false, seq: 3, problem: 'hash-mismatch' });
    expect(wrong.head()).toEqual({ seq: 2, hash: entries[0]!.hash });
    expect(chainCheck(sha256Hex, EXP).head()).toBeNull();
  });

  it('an untouched chain is intact, with its count and head; so is an empty one', () => {
    const entries = chain();
    expect(check(entries)).toEqual({ intact: true, entries: 5, head: entries[4]!.hash });
    expect(check([])).toEqual({ intact: true, entries: 0, head: GENESIS });
  });

  it('the order of keys in a detail does not matter (canonical JSON)', () => {
    const entries = chain();
    entries[1] = { ...entries[1]!, detail: JSON.parse('{"user":"bob"}') };
    const reordered = buildChain(sha256Hex, [fields('x', { b: 1, a: { d: 2, c: 3 } })]);
    expect(check([{ ...reordered[0]!, detail: { a: { c: 3, d: 2 }, b: 1 } }]).intact).toBe(true);
    expect(check(entries).intact).toBe(true);
  });

  it('an edited field breaks that entry: hash mismatch at its sequence number', () => {
    for (const edit of [{ actor: 'mallory' }, { verdict: 'refused' }, { detail: { user: 'eve' } }, { at: 1 }, { code: 'X' }]) {
      const entries = chain();
      entries[1] = { ...entries[1]!, ...edit };
      expect(check(entries)).toMatchObject({ intact: false, seq: 2, problem: 'hash-mismatch' });
    }
  });

  it('an edited entry whose hash was recomputed breaks the next one', () => {
    const entries = chain();
    const forged = { ...entries[1]!, detail: { user: 'eve' } };
    entries[1] = { ...forged, hash: nextLink(sha256Hex, { seq: 1, hash: entries[0]!.hash }, forged).hash };
    expect(check(entries)).toMatchObject({ intact: false, seq: 3, problem: 'hash-mismatch' });
  });

  it('a deleted entry is a gap naming the missing sequence number', () => {
    const entries = chain();
    entries.splice(2, 1);
    expect(check(entries)).toMatchObject({ intact: false, seq: 3, problem: 'sequence-gap' });
    expect(check(entries.slice(1))).toMatchObject({ intact: false, seq: 1, problem: 'sequence-gap' });
  });

  it('swapped entries are reported as reordered at the first out of place', () => {
    const entries = chain();
    [entries[1], entries[2]] = [entries[2]!, entries[1]!];
    expect(check(entries)).toMatchObject({ intact: false, seq: 3, problem: 'reordered' });
  });

  it('an inserted entry breaks the chain, renumbered or not', () => {
    const entries = chain();
    const extra: HistoryEntry = { ...fields('share', { user: 'eve' }), seq: 2, hash: nextLink(sha256Hex, { seq: 1, hash: entries[0]!.hash }, fields('share', { user: 'eve' })).hash };
    const duplicated = [entries[0]!, extra, ...entries.slice(1)];
    expect(check(duplicated)).toMatchObject({ intact: false, seq: 2, problem: 'reordered' });
    const renumbered = [entries[0]!, extra, ...entries.slice(1).map((e) => ({ ...e, seq: e.seq + 1 }))];
    expect(check(renumbered)).toMatchObject({ intact: false, seq: 3, problem: 'hash-mismatch' });
  });

  it("an entry of another experiment's chain is refused", () => {
    const entries = chain();
    entries[3] = { ...entries[3]!, experimentId: 'exp-other-0001' };
    expect(check(entries)).toMatchObject({ intact: false, seq: 4, problem: 'wrong-experiment' });
  });
});

describe('the history as CSV', () => {
  it('has a header row, quotes per RFC 4180 and defuses formula-like values', () => {
    const entries = buildChain(sha256Hex, [
      { ...fields('=cmd|\' /c calc\'!A1', { user: 'a,"b"' }), actor: '@evil' },
      { ...fields('-2+3'), actor: 'bob' },
    ]);
    const lines = historyCsv(entries).split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,action,verdict,code,detail,hash');
    expect(lines[1]).toBe(`1,2023-11-14T22:13:20.000Z,'@evil,'=cmd|' /c calc'!A1,accepted,,"{""user"":""a,\\""b\\""""}",${entries[0]!.hash}`);
    expect(lines[2]).toBe(`2,2023-11-14T22:13:20.000Z,bob,'-2+3,accepted,,{},${entries[1]!.hash}`);
    expect(lines[3]).toBe('');
  });
});

describe('who reads the history', () => {
  const exp = {
    id: 'exp-history-1', owner: 'olga', grants: { fred: { by: 'olga', at: 1 } }, public: true, curated: false,
    parentId: null, clonedFrom: null, projectId: null, trashed: false,
  } as SharingState;
  it.each([
    ['the owner', 'olga', false, null],
    ['full access', 'fred', false, null],
    ['staff', 'stan', true, null],
    ['a reader of the public experiment', 'pat', false, 'NOT_A_SHARING_MANAGER'],
  ])('%s', (_, username, staff, code) => {
    const verdict = checkHistoryRead(exp, { username, staff }, null);
    expect(verdict.ok ? null : verdict.code).toBe(code);
  });
  it('a stranger learns only that they cannot read', () => {
    const verdict = checkHistoryRead({ ...exp, public: false }, { username: 'zed', staff: false }, null);
    expect(verdict.ok ? null : verdict.code).toBe('NOT_A_READER');
  });
});
