import { z } from 'zod';
import { Dimension, TagValue } from '../schemas/entities.ts';
import { FileName } from '../schemas/files.ts';
import { ArchiveReason, refuse } from './errors.ts';

/**
 * Sample tags as CSV (RFC 4180: comma-separated, fields with a comma, quote, line break or
 * edge space quoted, quotes doubled, CRLF lines), one row per cell: `file,dimension,value`.
 * A spreadsheet opens it as is; the reader takes back exactly what the writer wrote.
 */
export const TAGS_HEADER = ['file', 'dimension', 'value'] as const;
export const TAGS_MAX_ROWS = 200_000;

export type TagRow = { file: string; dimension: string; value: string };

const quote = (field: string) => (/[",\r\n]|^\s|\s$/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

export function writeTagsCsv(tags: readonly TagRow[]): string {
  return [TAGS_HEADER.join(','), ...tags.map((t) => [t.file, t.dimension, t.value].map(quote).join(','))].map((line) => `${line}\r\n`).join('');
}

const Row = z.strictObject({ file: FileName, dimension: Dimension, value: TagValue });
const bad = (message: string): never => refuse(ArchiveReason.tagsInvalid, message);

export function readTagsCsv(text: string): TagRow[] {
  const rows = parseCsv(text);
  const header = rows.shift();
  if (!header || header.join(',') !== TAGS_HEADER.join(',')) bad(`the first line must be ${TAGS_HEADER.join(',')}`);
  if (rows.length > TAGS_MAX_ROWS) bad(`more than ${TAGS_MAX_ROWS} tags`);
  const seen = new Set<string>();
  return rows.map((cells, i) => {
    if (cells.length !== 3) bad(`line ${i + 2} has ${cells.length} fields, not 3`);
    const parsed = Row.safeParse({ file: cells[0], dimension: cells[1], value: cells[2] });
    if (!parsed.success) return bad(`line ${i + 2}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const key = JSON.stringify([parsed.data.file, parsed.data.dimension]);
    if (seen.has(key)) bad(`line ${i + 2} tags ${parsed.data.file} / ${parsed.data.dimension} a second time`);
    seen.add(key);
    return parsed.data;
  });
}

/** Splits RFC 4180 text into rows of fields; a final line break is optional. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let wasQuoted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
      continue;
    }
    if (c === '"') {
      if (field !== '' || wasQuoted) bad(`a quote inside an unquoted field (row ${rows.length + 1})`);
      quoted = true;
      wasQuoted = true;
      i++;
    } else if (c === ',') {
      row.push(field), (field = ''), (wasQuoted = false), i++;
    } else if (c === '\r' || c === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), (wasQuoted = false);
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      if (wasQuoted) bad(`text after a closing quote (row ${rows.length + 1})`);
      field += c;
      i++;
    }
  }
  if (quoted) bad('a quoted field is not closed');
  if (field !== '' || wasQuoted || row.length > 0) row.push(field), rows.push(row);
  return rows;
}

/** Tags on files the archive does not hold could never be stored. */
export function unknownTagFiles(tags: readonly TagRow[], files: ReadonlySet<string>): string[] {
  return [...new Set(tags.filter((t) => !files.has(t.file)).map((t) => t.file))];
}
