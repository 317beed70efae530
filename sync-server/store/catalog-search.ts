/**
 * The LIKE pattern of one search word: matched anywhere, with the pattern characters of the word
 * taken literally (escaped with a backslash, `ESCAPE '\'` in the query).
 */
export function likePattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
