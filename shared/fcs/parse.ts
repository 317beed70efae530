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

function planData(bytes: Uint8Array, kw: Record<string, string>, header: [number, number], layout: DataLayout): { ok: true; plan: DataPlan } | FcsFailure {
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
  const fits = ([b]: [number, number]) => b >= HEADER_LENGTH && b + expected <= bytes.length;
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
  if (begin + Math.min(expected, length) > bytes.length) {
    return fcsFail(
      'FCS_TRUNCATED',
      'DATA',
      `${where} truncated: expected it to end at byte ${begin + expected - 1} (${expected} bytes), file is ${bytes.length} bytes long`,
      begin + expected,
      bytes.length,
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
  if (begin + expected > bytes.length) {
    return fcsFail('FCS_TRUNCATED', 'DATA', `${where} truncated: needs ${expected} bytes from byte ${begin}, file is ${bytes.length} bytes long`, begin + expected, bytes.length);
  }
  return { ok: true, plan: { begin, events } };
}

function parseUnsafe(bytes: Uint8Array, opts: { events?: boolean }): FcsResult {
  const h = readHeader(bytes);
  if (!h.ok) return h;
  const { header } = h;
  const kw: Record<string, string> = {};
  const text = readText(bytes, header.text[0], header.text[1], kw);
  if (!text.ok) return text;

  const [stext] = bounds(kw, '$BEGINSTEXT', '$ENDSTEXT', [0, 0]);
  if (stext && (stext[0] !== header.text[0] || stext[1] !== header.text[1])) {
    const [b, e] = stext;
    if (b < HEADER_LENGTH || e < b) return fcsFail('FCS_BAD_TEXT', 'TEXT', `supplemental TEXT offsets ${b}-${e} are not a segment`);
    if (e >= bytes.length) {
      return fcsFail('FCS_TRUNCATED', 'TEXT', `supplemental TEXT ends at byte ${e} but the file is ${bytes.length} bytes long`, e + 1, bytes.length);
    }
    // It shares the primary delimiter; when it also starts with one, that byte is skipped.
    const from = bytes[b] === text.delimiter ? b : b - 1;
    const s = readText(bytes, from, e, kw, 'supplemental TEXT', text.delimiter);
    if (!s.ok) return s;
  }

  const l = readLayout(kw, header.version);
  if (!l.ok) return l;
  const { layout } = l;
  const d = planData(bytes, kw, header.data, layout);
  if (!d.ok) return d;

  const [analysis] = bounds(kw, '$BEGINANALYSIS', '$ENDANALYSIS', header.analysis);
  if (analysis && analysis[1] > bytes.length) {
    return fcsFail(
      'FCS_TRUNCATED',
      'ANALYSIS',
      `ANALYSIS segment (bytes ${analysis[0]}-${analysis[1]}) ends past the end of the ${bytes.length}-byte file`,
      analysis[1] + 1,
      bytes.length,
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
  if (opts.events) {
    try {
      file.events = decodeEvents(bytes, d.plan.begin, d.plan.events, layout);
    } catch {
      // Only allocation can fail here (the bounds are checked): too many values for memory.
      return fcsFail('FCS_UNSUPPORTED', 'DATA', `${d.plan.events} events × ${layout.channels.length} channels do not fit in memory`);
    }
  }
  return { ok: true, file };
}

/** Parses an FCS file. Never throws: every problem is a `{ ok: false, error }`. */
export function parseFcs(bytes: Uint8Array, opts: { events?: boolean } = {}): FcsResult {
  try {
    return parseUnsafe(bytes, opts);
  } catch {
    // A safety net for inputs no test has thought of; the fuzz test keeps it unused.
    return fcsFail('FCS_BAD_TEXT', 'TEXT', 'the file could not be read (unexpected structure)');
  }
}
