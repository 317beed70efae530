import { describe, expect, it } from 'vitest';
import { matchesSearch, matchesWords, searchText, searchWords } from '../../shared/list-search.ts';

const panel = { name: 'CD8 T-cell panel', owner: 'bob', tagValues: ['Donor D-001', 'Spleen'] };

describe('list search', () => {
  it('matches the name, the owner and tag values, case ignored', () => {
    expect(matchesSearch(panel, 'cd8')).toBe(true);
    expect(matchesSearch(panel, 'BOB')).toBe(true);
    expect(matchesSearch(panel, 'spleen')).toBe(true);
    expect(matchesSearch(panel, 'd-001')).toBe(true);
    expect(matchesSearch(panel, 'liver')).toBe(false);
  });

  it('needs every word, in any field and any order', () => {
    expect(matchesSearch(panel, 'spleen bob')).toBe(true);
    expect(matchesSearch(panel, 'spleen carol')).toBe(false);
  });

  it('never matches across two fields', () => {
    expect(matchesSearch(panel, 'panelbob')).toBe(false);
    expect(matchesSearch({ name: 'ab', owner: 'cd' }, 'bc')).toBe(false);
  });

  it('an empty query matches everything, rows without tag values too', () => {
    expect(matchesSearch({ name: 'x', owner: 'y' }, '   ')).toBe(true);
    expect(matchesSearch({ name: 'x', owner: 'y' }, undefined)).toBe(true);
  });

  it('the prepared text and words give the same answers', () => {
    expect(matchesWords(searchText(panel), searchWords('  Donor   spleen '))).toBe(true);
  });
});
