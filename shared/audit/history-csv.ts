import type { HistoryEntry } from './history-chain.ts';

/**
 * A spreadsheet opens a cell that starts with one of these as a formula (`=cmd|' /c calc'!A1`),
 * so such a value gets a leading quote and is shown as the text it is (OWASP "CSV injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const HISTORY_CSV_COLUMNS = ['seq', 'at', 'actor', 'action', 'verdict', 'code', 'detail', 'hash'] as const;

/** RFC 4180: a header row, CRLF line ends, fields quoted where they hold a quote, comma or line break. */
export function historyCsv(entries: readonly HistoryEntry[]): string {
  const rows = entries.map((e) => [String(e.seq), new Date(e.at).toISOString(), e.actor, e.action, e.verdict, e.code ?? '', JSON.stringify(e.detail), e.hash]);
  return [[...HISTORY_CSV_COLUMNS], ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
