/**
 * What a list search matches: the experiment's name, its owner and its sample-tag values. Every
 * word of the query must occur in one of them (in any order, case ignored), so "bob cd8" finds
 * bob's CD8 panel. The haystack is built once per row and kept by the worker's list cache.
 */
export type Searchable = { name: string; owner: string; tagValues?: readonly string[] | undefined };

/** Fields joined by a character no query contains, so a word never matches across two fields. */
const SEPARATOR = '\u0000';

export function searchText(row: Searchable): string {
  return [row.name, row.owner, ...(row.tagValues ?? [])].join(SEPARATOR).toLocaleLowerCase();
}

/** The query's words, lower-cased; an empty list matches everything. */
export function searchWords(query: string | undefined): string[] {
  return (query ?? '').toLocaleLowerCase().split(/\s+/).filter((word) => word !== '');
}

export function matchesWords(text: string, words: readonly string[]): boolean {
  return words.every((word) => text.includes(word));
}

export function matchesSearch(row: Searchable, query: string | undefined): boolean {
  return matchesWords(searchText(row), searchWords(query));
}
