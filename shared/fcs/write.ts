/**
 * writeFcs: channels + row-major events → the bytes of an FCS 3.1 (or 3.0) list-mode file:
 * HEADER (58 bytes) | primary TEXT from byte 58 | spaces up to an 8-byte boundary | DATA.
 *
 * The offsets are self-consistent by construction. $BEGINDATA/$ENDDATA live inside TEXT, so
 * their digit count moves the DATA segment they point at; the layout is therefore solved as a
 * fixed point: start from 0/0, encode TEXT, place DATA after it, re-encode with those offsets,
 * and repeat until the offsets no longer change. Offsets only grow from one round to the next
 * and their digits with them, so this settles in a few rounds (asserted).
 * DATA starts on an 8-byte boundary so that readers can view it as a typed array without copying.
 * The HEADER carries the DATA offsets too, or 0 when they exceed its 8 digits (as 3.x says).
 */
import { encodeEvents } from './data.ts';
import { HEADER_LENGTH, writeHeader } from './header.ts';
import { chooseDelimiter, encodeText } from './text.ts';
import type { FcsByteOrder, FcsDataType, FcsVersion } from './types.ts';

export type FcsWriteInput = {
  channels: Array<{ name: string; label?: string; range?: number }>;
  /** Row-major: events.length = event count × channels.length. */
  events: Float64Array;
  /** Default 'F' (float32). */
  dataType?: FcsDataType;
  /** Integer width for 'I': 8, 16 (default), 32 or 64; F is always 32 and D 64. */
  bits?: number;
  /** Default 'little'. */
  byteOrder?: FcsByteOrder;
  /** Extra keywords (e.g. $CYT, $DATE, $SPILLOVER); the layout keywords are the writer's own. */
  keywords?: Record<string, string>;
  /** Default '3.1'. */
  version?: '3.0' | '3.1';
};

/** Keywords the writer computes; given ones are ignored, whatever their case. */
const LAYOUT_KEYS = new Set([
  '$BEGINANALYSIS', '$ENDANALYSIS', '$BEGINSTEXT', '$ENDSTEXT', '$BEGINDATA', '$ENDDATA',
  '$BYTEORD', '$DATATYPE', '$MODE', '$NEXTDATA', '$PAR', '$TOT',
]);
const CHANNEL_KEY = /^\$P(\d+)([A-Z]+)$/;
const MAX_ROUNDS = 8;

const align8 = (n: number) => Math.ceil(n / 8) * 8;

function bitsFor(dataType: FcsDataType, bits: number | undefined): number {
  if (dataType === 'F') return 32;
  if (dataType === 'D') return 64;
  const b = bits ?? 16;
  if (b !== 8 && b !== 16 && b !== 32 && b !== 64) throw new RangeError(`integer width must be 8, 16, 32 or 64 bits, not ${b}`);
  return b;
}

/**
 * Builds the TEXT keyword list for given DATA offsets. Extra keywords keep their order; empty
 * values are dropped (FCS cannot represent them), as are stale $Pn… keywords beyond $PAR and the
 * per-channel keywords the writer owns ($PnB, $PnN, $PnR, $PnS, and $PnE unless integer data).
 */
function keywordPairs(input: FcsHeadInput, dataType: FcsDataType, bits: number, begin: number, end: number): Array<[string, string]> {
  const par = input.channels.length;
  const extra = new Map<string, string>();
  for (const [rawKey, value] of Object.entries(input.keywords ?? {})) {
    const key = rawKey.trim().toUpperCase();
    if (key === '' || value === '' || LAYOUT_KEYS.has(key) || extra.has(key)) continue;
    const m = CHANNEL_KEY.exec(key);
    if (m) {
      const n = Number(m[1]);
      const owned = m[2] === 'B' || m[2] === 'N' || m[2] === 'R' || m[2] === 'S' || (m[2] === 'E' && dataType !== 'I');
      if (n < 1 || n > par || owned) continue;
    }
    extra.set(key, value);
  }
  const pairs: Array<[string, string]> = [
    ['$BEGINANALYSIS', '0'], ['$ENDANALYSIS', '0'], ['$BEGINSTEXT', '0'], ['$ENDSTEXT', '0'],
    ['$BEGINDATA', String(begin)], ['$ENDDATA', String(end)],
    ['$BYTEORD', input.byteOrder === 'big' ? '4,3,2,1' : '1,2,3,4'],
    ['$DATATYPE', dataType], ['$MODE', 'L'], ['$NEXTDATA', '0'],
    ['$PAR', String(par)], ['$TOT', String(input.events)],
  ];
  if (!extra.has('$CYT')) pairs.push(['$CYT', 'Cytoshare']);
  input.channels.forEach((ch, i) => {
    const n = i + 1;
    const range = ch.range ?? (dataType === 'I' ? 2 ** bits : 262144);
    pairs.push([`$P${n}N`, ch.name], [`$P${n}B`, String(bits)], [`$P${n}R`, String(range)]);
    if (!extra.has(`$P${n}E`)) pairs.push([`$P${n}E`, '0,0']);
    if (ch.label) pairs.push([`$P${n}S`, ch.label]);
  });
  for (const kv of extra) pairs.push(kv);
  return pairs;
}

/** Writes an FCS file. Throws RangeError on input a caller must not pass (a programming error). */
export function writeFcs(input: FcsWriteInput): Uint8Array {
  const par = input.channels.length;
  // No channels at all is the head's refusal.
  if (par > 0 && input.events.length % par !== 0) {
    throw new RangeError(`events has ${input.events.length} values, not a multiple of ${par} channels`);
  }
  const { head, begin, dataLength } = writeFcsHead({ ...input, events: par > 0 ? input.events.length / par : 0 });
  const dataType = input.dataType ?? 'F';
  const out = new Uint8Array(dataLength === 0 ? head.length : begin + dataLength);
  out.set(head, 0);
  if (dataLength > 0) encodeEvents(out, begin, input.events, dataType, bitsFor(dataType, input.bits), input.byteOrder ?? 'little');
  return out;
}

/** As FcsWriteInput, with the event count in place of the events. */
export type FcsHeadInput = Omit<FcsWriteInput, 'events'> & { events: number };

/**
 * Everything of an FCS file before its events (HEADER, TEXT, padding), for a writer that
 * streams the DATA segment itself: `dataLength` bytes of events follow from `begin`.
 */
export function writeFcsHead(input: FcsHeadInput): { head: Uint8Array<ArrayBuffer>; begin: number; dataLength: number } {
  const par = input.channels.length;
  if (par === 0) throw new RangeError('an FCS file needs at least one channel');
  if (!Number.isSafeInteger(input.events) || input.events < 0) throw new RangeError(`${input.events} is not an event count`);
  input.channels.forEach((ch, i) => {
    if (ch.name.trim() === '') throw new RangeError(`channel ${i + 1} has an empty name`);
    if (ch.range !== undefined && !(ch.range > 0)) throw new RangeError(`channel ${ch.name} has a range ≤ 0`);
  });
  const dataType = input.dataType ?? 'F';
  const bits = bitsFor(dataType, input.bits);
  const dataLength = input.events * par * (bits / 8);

  const { text, begin, end } = settleLayout((b, e) => keywordPairs(input, dataType, bits, b, e), dataLength);
  return { head: headAndText(input.version ?? '3.1', text, begin, end), begin, dataLength };
}

export type SettledLayout = { text: Uint8Array; begin: number; end: number };

/**
 * Solves the fixed point described at the top: `pairsAt(begin, end)` gives the keyword list for
 * candidate DATA offsets, `dataLength` the DATA segment's size in bytes.
 */
export function settleLayout(pairsAt: (begin: number, end: number) => Array<[string, string]>, dataLength: number): SettledLayout {
  let begin = 0;
  let end = 0;
  const delimiter = chooseDelimiter(pairsAt(0, 0));
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const text = encodeText(pairsAt(begin, end), delimiter);
    const nextBegin = dataLength === 0 ? 0 : align8(HEADER_LENGTH + text.length);
    const nextEnd = dataLength === 0 ? 0 : nextBegin + dataLength - 1;
    if (nextBegin === begin && nextEnd === end) return { text, begin, end };
    begin = nextBegin;
    end = nextEnd;
  }
  throw new Error('FCS layout did not settle (offsets keep changing)');
}

/** HEADER, TEXT and the space padding up to DATA's first byte: everything before the events. */
export function headAndText(version: FcsVersion, text: Uint8Array, begin: number, end: number): Uint8Array<ArrayBuffer> {
  const textEnd = HEADER_LENGTH + text.length - 1;
  const out = new Uint8Array(begin === 0 ? textEnd + 1 : begin);
  out.set(writeHeader(version, [HEADER_LENGTH, textEnd], [begin, end]), 0);
  out.set(text, HEADER_LENGTH);
  out.fill(0x20, textEnd + 1); // gap before the aligned DATA segment
  return out;
}
