/**
 * The TEXT segment: its first byte is the delimiter, then `key D value D key D value D …`.
 * A doubled delimiter inside a key or value stands for one literal delimiter character, so the
 * scanner reads left to right: at a delimiter, a second delimiter right after it is a literal,
 * anything else ends the field. That rule makes a field that *starts* with the delimiter
 * unreadable (its escape merges with the previous terminator); the writer therefore picks a
 * delimiter no field starts with. Keys are case-insensitive: stored trimmed and upper-cased.
 */
import { fcsFail, type FcsFailure } from './types.ts';

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

function decode(parts: Uint8Array[]): string {
  if (parts.length === 1) return utf8.decode(parts[0]);
  let n = 0;
  for (const p of parts) n += p.length;
  const joined = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return utf8.decode(joined);
}

const isAlnum = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isBlank = (s: string) => /^[\s\0]*$/.test(s);

/**
 * Reads keywords from file bytes [begin..end] (inclusive) into `into`, keeping the first value of
 * a repeated keyword. `what` names the segment in messages ("TEXT", "supplemental TEXT").
 * `bytes[0]` is the file's byte `base`: the whole file (base 0), or only the segment read from disk.
 */
export function readText(
  bytes: Uint8Array,
  begin: number,
  end: number,
  into: Record<string, string>,
  what = 'TEXT',
  delimiter?: number,
  base = 0,
): { ok: true; delimiter: number } | FcsFailure {
  const delim = delimiter ?? bytes[begin - base]!;
  if (delimiter === undefined && (isAlnum(delim) || delim > 126)) {
    return fcsFail(
      'FCS_BAD_TEXT',
      'TEXT',
      `${what} at byte ${begin} must start with a delimiter, found ${JSON.stringify(String.fromCharCode(delim))}`,
    );
  }
  const fields: string[] = [];
  const fieldAt: number[] = [];
  let parts: Uint8Array[] = [];
  // Scanned in `bytes`' own indices; positions in messages are the file's (+ base).
  const first = begin - base;
  const last = end - base;
  let start = first + 1;
  for (let i = first + 1; i <= last; i++) {
    if (bytes[i] !== delim) continue;
    if (i < last && bytes[i + 1] === delim) {
      parts.push(bytes.subarray(start, i + 1)); // keep one delimiter, drop its escape
      start = i + 2;
      i++;
      continue;
    }
    parts.push(bytes.subarray(start, i));
    fields.push(decode(parts));
    fieldAt.push(start + base);
    parts = [];
    start = i + 1;
  }
  if (start <= last || parts.length > 0) {
    // Unterminated tail: the last value when the final delimiter is missing, or stray bytes when
    // the segment end overshoots by a byte or two (both seen in real files).
    parts.push(bytes.subarray(start, last + 1));
    const tail = decode(parts);
    const junk = isBlank(tail) || last + 1 - start <= 2;
    if (fields.length % 2 === 1 || !junk) {
      fields.push(tail);
      fieldAt.push(start + base);
    }
  }
  if (fields.length === 0) {
    return fcsFail('FCS_BAD_TEXT', 'TEXT', `${what} (bytes ${begin}-${end}) holds no keyword/value pairs`);
  }
  if (fields.length % 2 === 1) {
    const last = fields[fields.length - 1]!;
    return fcsFail(
      'FCS_BAD_TEXT',
      'TEXT',
      `${what} (bytes ${begin}-${end}) has an odd number of fields (${fields.length}): ` +
        `${JSON.stringify(last.slice(0, 40))} at byte ${fieldAt[fieldAt.length - 1]} has no value`,
      fields.length + 1,
      fields.length,
    );
  }
  for (let k = 0; k < fields.length; k += 2) {
    const key = fields[k]!.trim().toUpperCase();
    if (key === '') {
      return fcsFail('FCS_BAD_TEXT', 'TEXT', `${what} has an empty keyword at byte ${fieldAt[k]}`);
    }
    if (!Object.hasOwn(into, key)) into[key] = fields[k + 1]!;
  }
  return { ok: true, delimiter: delim };
}

/** Delimiters the writer tries, in order; '/' is the most common in the wild. */
const CANDIDATES = ['/', '|', '\\', '!', '~', '^', '#', '*', ';', '\f'];

/** The first candidate delimiter that no field starts with (see the note at the top). */
export function chooseDelimiter(pairs: Array<[string, string]>): string {
  const starts = new Set<string>();
  for (const [k, v] of pairs) {
    starts.add(k.charAt(0));
    starts.add(v.charAt(0));
  }
  for (const c of CANDIDATES) if (!starts.has(c)) return c;
  for (let b = 1; b < 127; b++) {
    const c = String.fromCharCode(b);
    if (!isAlnum(b) && !starts.has(c)) return c;
  }
  throw new RangeError('no usable TEXT delimiter: fields start with every candidate character');
}

/** Encodes a TEXT segment; every field must be non-empty (FCS has no empty values). */
export function encodeText(pairs: Array<[string, string]>, delimiter: string): Uint8Array {
  const esc = (s: string) => s.split(delimiter).join(delimiter + delimiter);
  let s = delimiter;
  for (const [k, v] of pairs) s += esc(k) + delimiter + esc(v) + delimiter;
  return utf8Encoder.encode(s);
}
