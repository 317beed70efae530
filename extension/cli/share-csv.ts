import { z } from 'zod';
import { ExperimentId } from '../../shared/schemas/entities.ts';

/**
 * The file of `cytoshare share --from FILE.csv`: one share a row, columns `experiment,user`
 * and optionally `role`. A header row naming the columns (in any order) is optional; without
 * one the columns are in that order. Quoted cells ("" for a quote), a UTF-8 byte-order mark,
 * CRLF or LF line ends and blank lines are accepted. The whole file is read and checked before
 * anything is shared: a file with any malformed row is refused whole.
 */
export const SHARE_FILE_MAX_BYTES = 1024 * 1024;
export const SHARE_FILE_MAX_ROWS = 1_000;

/** `row`: the line of the file the row starts on (1 is the first line, a header included). */
export type ShareRow = { row: number; experiment: string; user: string; role: string };

export class ShareFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : ''));
    this.name = 'ShareFileError';
  }
}

const Columns = ['experiment', 'user', 'role'] as const;
type Column = (typeof Columns)[number];

const Row = z.strictObject({
  experiment: ExperimentId,
  user: z.string().min(2, 'a username or email of at least 2 characters').max(254),
  // A role other than `full` or `viewer` is a verdict on its row, not a malformed file.
  role: z.string().max(32).transform((r) => (r === '' ? 'full' : r.toLowerCase())),
});

type CsvRecord = { line: number; cells: string[] };

/** Splits the text into records of cells (RFC 4180, with LF, CRLF or CR line ends). */
export function csvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  const atLineEnd = () => text[i] === '\n' || text[i] === '\r';
  const skipLineEnd = () => {
    if (text[i] === '\r' && text[i + 1] === '\n') i += 1;
    i += 1;
    line += 1;
  };
  while (i < text.length) {
    const record: CsvRecord = { line, cells: [] };
    for (;;) {
      let cell = '';
      // Spaces around a quoted cell are dropped (cells are trimmed anyway).
      let ahead = i;
      while (text[ahead] === ' ' || text[ahead] === '\t') ahead += 1;
      if (text[ahead] === '"') i = ahead;
      if (text[i] === '"') {
        const opened = line;
        i += 1;
        for (;;) {
          if (i >= text.length) throw new ShareFileError([`line ${opened}: a quoted cell is never closed`]);
          if (text[i] === '"') {
            if (text[i + 1] !== '"') break;
            cell += '"';
            i += 2;
          } else {
            if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) line += 1;
            cell += text[i];
            i += 1;
          }
        }
        i += 1;
        while (text[i] === ' ' || text[i] === '\t') i += 1;
        if (i < text.length && text[i] !== ',' && !atLineEnd()) throw new ShareFileError([`line ${line}: text after a closing quote`]);
      } else {
        while (i < text.length && text[i] !== ',' && !atLineEnd()) {
          if (text[i] === '"') throw new ShareFileError([`line ${line}: a quote inside an unquoted cell (quote the whole cell, "" for a quote)`]);
          cell += text[i];
          i += 1;
        }
      }
      record.cells.push(cell);
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      if (i < text.length) skipLineEnd();
      break;
    }
    records.push(record);
  }
  return records;
}

const blank = (r: CsvRecord) => r.cells.every((c) => c.trim() === '');

/** The column of each position, from a header row or the default order. */
function layout(first: CsvRecord): { columns: Column[]; header: boolean } {
  const names = first.cells.map((c) => c.trim().toLowerCase());
  // Under the default order a row starts with an experiment id, never with a column's name.
  if (!(Columns as readonly string[]).includes(names[0] ?? '')) return { columns: [...Columns], header: false };
  const problems: string[] = [];
  for (const name of names) if (!(Columns as readonly string[]).includes(name)) problems.push(`line ${first.line}: unknown column "${name}" (columns: experiment, user, role)`);
  for (const name of ['experiment', 'user']) if (!names.includes(name)) problems.push(`line ${first.line}: the header has no "${name}" column`);
  if (new Set(names).size !== names.length) problems.push(`line ${first.line}: a column is named twice`);
  if (problems.length > 0) throw new ShareFileError(problems);
  return { columns: names as Column[], header: true };
}

/** Reads the rows of a share file, or throws ShareFileError listing every problem found. */
export function parseShareFile(bytes: Uint8Array): ShareRow[] {
  if (bytes.byteLength > SHARE_FILE_MAX_BYTES) throw new ShareFileError([`larger than ${SHARE_FILE_MAX_BYTES} bytes`]);
  let text: string;
  try {
    // A byte-order mark is dropped by the decoder.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ShareFileError(['not UTF-8 text']);
  }
  const records = csvRecords(text).filter((r) => !blank(r));
  const first = records[0];
  if (!first) throw new ShareFileError(['no rows']);
  const { columns, header } = layout(first);
  const data = header ? records.slice(1) : records;
  if (data.length === 0) throw new ShareFileError(['no rows']);
  if (data.length > SHARE_FILE_MAX_ROWS) throw new ShareFileError([`${data.length} rows; at most ${SHARE_FILE_MAX_ROWS} in one file`]);
  const problems: string[] = [];
  const rows: ShareRow[] = [];
  for (const record of data) {
    // A row may leave out trailing optional cells (the role), never a required one.
    const given = columns.slice(0, record.cells.length);
    if (record.cells.length > columns.length || !given.includes('experiment') || !given.includes('user')) {
      problems.push(`line ${record.line}: ${record.cells.length} cells; expected the columns ${columns.join(',')}${columns.at(-1) === 'role' ? ' (role may be left out)' : ''}`);
      continue;
    }
    const named: { [column: string]: string } = { role: '' };
    record.cells.forEach((cell, at) => (named[columns[at] as Column] = cell.trim()));
    const parsed = Row.safeParse(named);
    if (parsed.success) rows.push({ row: record.line, ...parsed.data });
    else for (const issue of parsed.error.issues) problems.push(`line ${record.line}: ${issue.path.join('.') || 'row'}: ${issue.message}`);
  }
  if (problems.length > 0) throw new ShareFileError(problems);
  return rows;
}
