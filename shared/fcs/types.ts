/**
 * Types of the FCS module: the parsed file, and the fixed list of reasons a file is refused.
 *
 * A refusal always names the segment at fault and, when a size or an offset is involved, the
 * expected and actual numbers (offsets are byte offsets from the start of the file, lengths are
 * byte counts), so a person can see at once whether a file was cut short or written wrongly.
 */

/** Stable refusal codes; scripts match on them, so a code is never renamed or reused. */
export const FcsErrorCode = {
  /** The file ends before a segment it declares does (cut download, partial copy). */
  FCS_TRUNCATED: 'FCS_TRUNCATED',
  /** Not an FCS file, or its 58-byte HEADER cannot be read. */
  FCS_BAD_HEADER: 'FCS_BAD_HEADER',
  /** The TEXT segment is malformed or lacks a required keyword. */
  FCS_BAD_TEXT: 'FCS_BAD_TEXT',
  /** Keywords and segment sizes contradict each other (e.g. $TOT×$PAR×bytes ≠ DATA length). */
  FCS_INCONSISTENT: 'FCS_INCONSISTENT',
  /** A valid FCS feature this module does not read ($MODE C/U, $DATATYPE A, packed bits…). */
  FCS_UNSUPPORTED: 'FCS_UNSUPPORTED',
} as const;
export type FcsErrorCode = (typeof FcsErrorCode)[keyof typeof FcsErrorCode];

export const FcsSegment = { HEADER: 'HEADER', TEXT: 'TEXT', DATA: 'DATA', ANALYSIS: 'ANALYSIS' } as const;
export type FcsSegment = (typeof FcsSegment)[keyof typeof FcsSegment];

export type FcsError = {
  code: FcsErrorCode;
  segment: FcsSegment;
  message: string;
  expected?: number;
  actual?: number;
};

export type FcsVersion = '2.0' | '3.0' | '3.1';
export type FcsDataType = 'I' | 'F' | 'D';
export type FcsByteOrder = 'little' | 'big';

export type FcsChannel = {
  /** 1-based, as in the `$PnN` keywords. */
  index: number;
  /** `$PnN`; `P{n}` when a (non-conforming) file omits it. */
  name: string;
  /** `$PnS`, or null when missing or blank (it often is). */
  label: string | null;
  /** `$PnB`. */
  bits: number;
  /** `$PnR`; when missing, 2^bits for integer data and 0 ("unknown") for F/D. */
  range: number;
};

export type FcsFile = {
  version: FcsVersion;
  /**
   * Every keyword of the primary (and supplemental) TEXT, keys trimmed and upper-cased. A plain
   * object is safe here: upper-cased keys can never collide with Object.prototype's members.
   */
  keywords: Record<string, string>;
  channels: FcsChannel[];
  eventCount: number;
  dataType: FcsDataType;
  byteOrder: FcsByteOrder;
  /** Row-major (eventCount × channels.length), raw channel values; only with `events: true`. */
  events?: Float64Array;
  metadata: { cytometer?: string; date?: string; source?: string };
};

export type FcsResult = { ok: true; file: FcsFile } | { ok: false; error: FcsError };

export type FcsFailure = { ok: false; error: FcsError };

export function fcsFail(
  code: FcsErrorCode,
  segment: FcsSegment,
  message: string,
  expected?: number,
  actual?: number,
): FcsFailure {
  const error: FcsError = { code, segment, message };
  if (expected !== undefined) error.expected = expected;
  if (actual !== undefined) error.actual = actual;
  return { ok: false, error };
}
