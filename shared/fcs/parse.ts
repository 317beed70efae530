/**
 * parseFcs: bytes of an FCS 2.0/3.0/3.1 file → keywords, channels and (on request) events.
 *
 * Order of reading, each step refusing with a code and the segment at fault:
 *   HEADER (58 bytes) → primary TEXT → supplemental TEXT ($BEGINSTEXT, when present) →
 *   data layout (see layout.ts) → DATA bounds → ANALYSIS bounds → events (opts.events only).
 * The DATA bounds are always validated; the segment is decoded only when events are asked for.
 *
 * Tolerances for real files, which disagree with the standard:
 *  - $BEGINDATA/$ENDDATA in TEXT win over the HEADER (which holds 0 past 99,999,999 bytes and is
 *    sometimes off by a byte); of the two, one giving exactly $TOT×row bytes is preferred.
 *  - The declared DATA length may differ from $TOT×row bytes by up to 2 bytes ($ENDDATA one past
 *    the end, an off-by-one end) as long as the expected bytes are in the file.
 *  - $MODE missing is read as L; $TOT missing in FCS 2.0 is derived from the DATA length;
 *    a TEXT segment whose final delimiter is missing, or that overshoots by a byte or two.
 * Only the first data set is read ($NEXTDATA is ignored). Values are raw channel values:
 * $PnE/$PnG scaling is left to the caller (the keywords are all in `keywords`).
 */
import { decodeEvents } from './data.ts';
import { HEADER_LENGTH, readHeader } from './header.ts';
import { readLayout, type DataLayout } from './layout.ts';
import { readText } from './text.ts';
import { fcsFail, type FcsFailure, type FcsFile, type FcsResult } from './types.ts';

/** Bytes either side of $TOT×row bytes that a declared DATA segment may be off by. */
const SLACK = 2;

const offset = (s: string | undefined): number | null => {
  const t = s?.trim();
  return t !== undefined && /^\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : null;
};

/** A segment's [begin, end] from TEXT keywords if both parse and are not 0/0, else the HEADER's. */
function bounds(kw: Record<string, string>, beginKey: string, endKey: string, header: [number, number]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const b = offset(kw[beginKey]);
  const e = offset(kw[endKey]);
  if (b !== null && e !== null && (b !== 0 || e !== 0)) out.push([b, e]);
  if ((header[0] !== 0 || header[1] !== 0) && !out.some(([x, y]) => x === header[0] && y === header[1])) out.push(header);
  return out;
}

type DataPlan = { begin: number; events: number };

function planData(size: number, kw: Record<string, string>, header: [number, number], layout: DataLayout): { ok: true; plan: DataPlan } | FcsFailure {
  const candidates = bounds(kw, '$BEGINDATA', '$ENDDATA', header);
  const row = layout.rowBytes;
  if (layout.eventCount === 0) return { ok: true, plan: { begin: 0, events: 0 } };
  if (candidates.length === 0) {
    return fcsFail('FCS_BAD_TEXT', 'TEXT', 'DATA segment location missing: HEADER offsets are 0 and TEXT has no $BEGINDATA/$ENDDATA');
  }
  const declared = ([b, e]: [number, number]) => e - b + 1;
  let events = layout.eventCount;
  if (events === null) {
    // FCS 2.0 without $TOT: the count follows from the segment, within the same slack.
    const len = declared(candidates[0]!);
    events = Math.max(0, Math.round(len / row));
    if (events === 0 || Math.abs(len - events * row) > SLACK) {
      return fcsFail('FCS_INCONSISTENT', 'DATA', `DATA segment of ${len} bytes is not a whole number of ${row}-byte events (no $TOT)`, events * row, len);
    }
  }
  const expected = events * row;
  if (!Number.isSafeInteger(expected)) {
    return fcsFail('FCS_INCONSISTENT', 'DATA', `$TOT ${events} × ${row} bytes per event is not a plausible DATA length`);
  }
  const fits = ([b]: [number, number]) => b >= HEADER_LENGTH && b + expected <= size;
  const chosen =
    candidates.find((c) => declared(c) === expected && fits(c)) ??
    candidates.find((c) => Math.abs(declared(c) - expected) <= SLACK && fits(c)) ??
    candidates[0]!;
  const [begin, end] = chosen;
  const length = declared(chosen);
  const where = `DATA segment (bytes ${begin}-${end})`;
  if (begin < HEADER_LENGTH || length < 0) {
    return fcsFail('FCS_INCONSISTENT', 'DATA', `${where} is not a segment after the HEADER`, expected, length);
  }
  if (begin + Math.min(expected, length) > size) {
    return fcsFail(
      'FCS_TRUNCATED',
      'DATA',
      `${where} truncated: expected it to end at byte ${begin + expected - 1} (${expected} bytes), file is ${size} bytes long`,
      begin + expected,
      size,
    );
  }
  if (Math.abs(length - expected) > SLACK) {
    return fcsFail(
      'FCS_INCONSISTENT',
      'DATA',
      `${where} holds ${length} bytes but $TOT ${events} × $PAR ${layout.channels.length} (${row} bytes per event) needs ${expected}`,
      expected,
      length,
    );
  }
  if (begin + expected > size) {
    return fcsFail('FCS_TRUNCATED', 'DATA', `${where} truncated: needs ${expected} bytes from byte ${begin}, file is ${size} bytes long`, begin + expected, size);
  }
  return { ok: true, plan: { begin, events } };
}

/** Random access to a file's bytes, for a file not held in memory: `read` gives [from, to). */
export type FcsSource = { readonly size: number; read(from: number, to: number): Uint8Array };

export type FcsSourceOptions = {
  /** Largest TEXT (primary or supplemental) read into memory; a larger one is refused. */
  maxTextBytes: number;
};

/** Reads a TEXT segment [b, e] whole, within the size a caller lets into memory. */
function segment(src: FcsSource, b: number, e: number, what: string, max: number): Uint8Array | FcsFailure {
  if (e - b + 1 > max) {
    return fcsFail('FCS_UNSUPPORTED', 'TEXT', `${what} (bytes ${b}-${e}) is ${e - b + 1} bytes; at most ${max} are read`, max, e - b + 1);
  }
  return src.read(b, e + 1);
}

const isFailure = (x: Uint8Array | FcsFailure): x is FcsFailure => !(x instanceof Uint8Array);

/**
 * Everything but the events: HEADER, TEXT (from disk, one segment at a time) and the DATA and
 * ANALYSIS bounds against the file's size. `whole` is the file in memory, when it is, for events.
 */
function parseUnsafe(src: FcsSource, opts: { events?: boolean }, maxText: number, whole: Uint8Array | null, located?: (where: FcsDataLocation) => void): FcsResult {
  const size = src.size;
  const h = readHeader(src.read(0, Math.min(HEADER_LENGTH, size)), size);
  if (!h.ok) return h;
  const { header } = h;
  const kw: Record<string, string> = {};
  const primary = segment(src, header.text[0], header.text[1], 'TEXT', maxText);
  if (isFailure(primary)) return primary;
  const text = readText(primary, header.text[0], header.text[1], kw, 'TEXT', undefined, header.text[0]);
  if (!text.ok) return text;

  const [stext] = bounds(kw, '$BEGINSTEXT', '$ENDSTEXT', [0, 0]);
  if (stext && (stext[0] !== header.text[0] || stext[1] !== header.text[1])) {
    const [b, e] = stext;
    if (b < HEADER_LENGTH || e < b) return fcsFail('FCS_BAD_TEXT', 'TEXT', `supplemental TEXT offsets ${b}-${e} are not a segment`);
    if (e >= size) {
      return fcsFail('FCS_TRUNCATED', 'TEXT', `supplemental TEXT ends at byte ${e} but the file is ${size} bytes long`, e + 1, size);
    }
    // Read from the byte before it: it shares the primary delimiter, and when it also starts
    // with one, that byte is skipped; otherwise the byte before stands in for it.
    const supplemental = segment(src, b - 1, e, 'supplemental TEXT', maxText);
    if (isFailure(supplemental)) return supplemental;
    const from = supplemental[1] === text.delimiter ? b : b - 1;
    const s = readText(supplemental, from, e, kw, 'supplemental TEXT', text.delimiter, b - 1);
    if (!s.ok) return s;
  }

  const l = readLayout(kw, header.version);
  if (!l.ok) return l;
  const { layout } = l;
  const d = planData(size, kw, header.data, layout);
  if (!d.ok) return d;

  const [analysis] = bounds(kw, '$BEGINANALYSIS', '$ENDANALYSIS', header.analysis);
  if (analysis && analysis[1] > size) {
    return fcsFail(
      'FCS_TRUNCATED',
      'ANALYSIS',
      `ANALYSIS segment (bytes ${analysis[0]}-${analysis[1]}) ends past the end of the ${size}-byte file`,
      analysis[1] + 1,
      size,
    );
  }

  const metadata: FcsFile['metadata'] = {};
  const cytometer = kw['$CYT']?.trim();
  const date = kw['$DATE']?.trim();
  const source = kw['$SRC']?.trim();
  if (cytometer) metadata.cytometer = cytometer;
  if (date) metadata.date = date;
  if (source) metadata.source = source;
  const file: FcsFile = {
    version: header.version,
    keywords: kw,
    channels: layout.channels,
    eventCount: d.plan.events,
    dataType: layout.dataType,
    byteOrder: layout.byteOrder,
    metadata,
  };
  located?.({ begin: d.plan.begin, events: d.plan.events, layout });
  if (opts.events && whole) {
    try {
      file.events = decodeEvents(whole, d.plan.begin, d.plan.events, layout);
    } catch {
      // Only allocation can fail here (the bounds are checked): too many values for memory.
      return fcsFail('FCS_UNSUPPORTED', 'DATA', `${d.plan.events} events × ${layout.channels.length} channels do not fit in memory`);
    }
  }
  return { ok: true, file };
}

/** Parses an FCS file. Never throws: every problem is a `{ ok: false, error }`. */
export function parseFcs(bytes: Uint8Array, opts: { events?: boolean } = {}): FcsResult {
  const src: FcsSource = { size: bytes.length, read: (from, to) => bytes.subarray(from, to) };
  return guarded(() => parseUnsafe(src, opts, Number.POSITIVE_INFINITY, bytes));
}

/**
 * The same checks as `parseFcs` without its events, for a file too large to hold: only the
 * HEADER and TEXT segments are read from `src` (each at most `maxTextBytes`); the DATA segment's
 * bounds and its length against $TOT × $PAR × the data type's width are checked from the size.
 * Never throws, except what `src.read` throws (an I/O error is not the file's fault).
 */
export function parseFcsMetadata(src: FcsSource, opts: FcsSourceOptions, located?: (where: FcsDataLocation) => void): FcsResult {
  const reading: FcsSource = {
    size: src.size,
    read(from, to) {
      try {
        return src.read(from, to);
      } catch (error) {
        throw new SourceError(error);
      }
    },
  };
  return guarded(() => parseUnsafe(reading, {}, opts.maxTextBytes, null, located));
}

/** Where a file's DATA segment lies and how its rows are laid out, for reading events in chunks. */
export type FcsDataLocation = { begin: number; events: number; layout: DataLayout };

/**
 * `parseFcsMetadata` plus the DATA segment's place and row layout, so a caller can read the
 * events from disk a chunk of rows at a time (see columns.ts) instead of holding the file.
 */
export function locateFcsData(src: FcsSource, opts: FcsSourceOptions): { ok: true; file: FcsFile; data: FcsDataLocation } | FcsFailure {
  let data = null as FcsDataLocation | null;
  const result = parseFcsMetadata(src, opts, (where) => (data = where));
  if (!result.ok) return result;
  if (data === null) return fcsFail('FCS_BAD_TEXT', 'DATA', 'the DATA segment could not be located');
  return { ok: true, file: result.file, data };
}

/** A failure of the source itself, passed on rather than blamed on the file. */
class SourceError extends Error {
  constructor(readonly reason: unknown) {
    super('FCS source read failed');
  }
}

function guarded(parse: () => FcsResult): FcsResult {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SourceError) throw error.reason;
    // A safety net for inputs no test has thought of; the fuzz test keeps it unused.
    return fcsFail('FCS_BAD_TEXT', 'TEXT', 'the file could not be read (unexpected structure)');
  }
}
