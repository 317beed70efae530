import { describe, expect, it } from 'vitest';
import { parseShareFile, SHARE_FILE_MAX_BYTES, SHARE_FILE_MAX_ROWS, ShareFileError } from '../../extension/cli/share-csv.ts';

const A = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const B = '1f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const bytes = (text: string) => new TextEncoder().encode(text);
const parse = (text: string) => parseShareFile(bytes(text));
const problems = (text: string | Uint8Array): string[] => {
  try {
    parseShareFile(typeof text === 'string' ? bytes(text) : text);
  } catch (error) {
    if (error instanceof ShareFileError) return error.problems;
    throw error;
  }
  throw new Error('parsed without a problem');
};

describe('the share file of `cytoshare share --from`', () => {
  it('reads rows with or without a header, the role optional and `full` by default', () => {
    expect(parse(`${A},bob\n${B},carol@lab.org,Full\n`)).toEqual([
      { row: 1, experiment: A, user: 'bob', role: 'full' },
      { row: 2, experiment: B, user: 'carol@lab.org', role: 'full' },
    ]);
    expect(parse(`user,experiment\nbob,${A}\n`)).toEqual([{ row: 2, experiment: A, user: 'bob', role: 'full' }]);
    // A role other than full is the row's verdict later, not a malformed file.
    expect(parse(`experiment,user,role\n${A},bob,viewer\n${A},carol\n`).map((r) => r.role)).toEqual(['viewer', 'full']);
  });

  it('takes a byte-order mark, CRLF or CR line ends, blank lines, spaces around cells and quoted cells', () => {
    const text = `\uFEFFexperiment,user\r\n\r\n  ${A} , "bo""b" \r\n,\r${B},"carol, the second"\r\n   \n`;
    expect(parse(text)).toEqual([
      { row: 3, experiment: A, user: 'bo"b', role: 'full' },
      { row: 5, experiment: B, user: 'carol, the second', role: 'full' },
    ]);
  });

  it('counts lines inside a quoted cell, so later rows keep their line numbers', () => {
    const rows = parse(`${A},"two\nlines"\n${B},bob\n`);
    expect(rows.map((r) => r.row)).toEqual([1, 3]);
  });

  it('refuses the whole file for any malformed row, naming each', () => {
    expect(problems(`${A},bob\nNOT AN ID,carol\n${A},x\n`)).toEqual([
      'line 2: experiment: not an experiment id',
      'line 3: user: a username or email of at least 2 characters',
    ]);
    expect(problems(`${A},bob,full,extra\n`)[0]).toMatch(/^line 1: 4 cells/);
    expect(problems(`${A}\n`)[0]).toMatch(/^line 1: 1 cells/);
    expect(problems(`experiment,person\n${A},bob\n`)).toEqual(['line 1: unknown column "person" (columns: experiment, user, role)', 'line 1: the header has no "user" column']);
    expect(problems(`experiment,user,user\n`)).toContain('line 1: a column is named twice');
  });

  it('refuses broken quoting, text that is not UTF-8, an empty file and files past the bounds', () => {
    expect(problems(`${A},"bob\n`)).toEqual(['line 1: a quoted cell is never closed']);
    expect(problems(`${A},"bob"x\n`)).toEqual(['line 1: text after a closing quote']);
    expect(problems(`${A},b"ob\n`)[0]).toMatch(/^line 1: a quote inside an unquoted cell/);
    expect(problems(new Uint8Array([0x61, 0x2c, 0xff, 0xfe, 0x0a]))).toEqual(['not UTF-8 text']);
    expect(problems('\n\r\n  \n')).toEqual(['no rows']);
    expect(problems('experiment,user\n')).toEqual(['no rows']);
    expect(problems(`${A},bob\n`.repeat(SHARE_FILE_MAX_ROWS + 1))).toEqual([`${SHARE_FILE_MAX_ROWS + 1} rows; at most ${SHARE_FILE_MAX_ROWS} in one file`]);
    expect(parse(`${A},bob\n`.repeat(SHARE_FILE_MAX_ROWS))).toHaveLength(SHARE_FILE_MAX_ROWS);
    expect(problems(new Uint8Array(SHARE_FILE_MAX_BYTES + 1).fill(0x20))).toEqual([`larger than ${SHARE_FILE_MAX_BYTES} bytes`]);
  });
});
