/**
 * The 58-byte FCS HEADER: "FCS3.1", four spaces, then six ASCII offsets right-justified in
 * 8-byte fields (TEXT begin/end, DATA begin/end, ANALYSIS begin/end). Offsets are from the
 * start of the file and ends are inclusive. An offset that does not fit in 8 digits is written
 * as 0 and the reader takes it from TEXT ($BEGINDATA/$ENDDATA), which the parser does anyway.
 */
import { fcsFail, type FcsFailure, type FcsVersion } from './types.ts';

export const HEADER_LENGTH = 58;
const MAGIC = [0x46, 0x43, 0x53]; // "FCS"
const FIELD_NAMES = ['TEXT begin', 'TEXT end', 'DATA begin', 'DATA end', 'ANALYSIS begin', 'ANALYSIS end'];
/** Largest offset the 8-digit HEADER fields can carry. */
export const HEADER_MAX_OFFSET = 99_999_999;

export type FcsHeader = {
  version: FcsVersion;
  text: [number, number];
  data: [number, number];
  analysis: [number, number];
};

function ascii(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * Reads the HEADER from the file's first bytes. `size` is the whole file's length when `bytes`
 * holds only its start (a file read in parts, an upload still arriving); `Infinity` when that
 * length is not known yet, which skips the check that TEXT ends inside the file.
 */
/**
 * What the first bytes of a file say before its whole HEADER is there: a failure as soon as they
 * cannot start an FCS file (not "FCS"), null while they still may. Lets an upload be refused
 * after its first bytes.
 */
export function checkHeaderStart(bytes: Uint8Array): FcsFailure | null {
  if (bytes.length >= HEADER_LENGTH) {
    const h = readHeader(bytes.subarray(0, HEADER_LENGTH), Number.POSITIVE_INFINITY);
    return h.ok ? null : h;
  }
  for (let i = 0; i < Math.min(MAGIC.length, bytes.length); i++) {
    if (bytes[i] !== MAGIC[i]) return readHeader(bytes) as FcsFailure;
  }
  return null;
}

export function readHeader(bytes: Uint8Array, size: number = bytes.length): { ok: true; header: FcsHeader } | FcsFailure {
  if (bytes.length === 0) {
    return fcsFail('FCS_TRUNCATED', 'HEADER', `empty input (0 bytes): an FCS HEADER is ${HEADER_LENGTH} bytes`, HEADER_LENGTH, 0);
  }
  for (let i = 0; i < Math.min(MAGIC.length, bytes.length); i++) {
    if (bytes[i] !== MAGIC[i]) {
      const start = JSON.stringify(ascii(bytes, 0, Math.min(6, bytes.length)));
      return fcsFail('FCS_BAD_HEADER', 'HEADER', `not an FCS file: it starts with ${start}, not "FCS"`);
    }
  }
  if (bytes.length < HEADER_LENGTH) {
    return fcsFail(
      'FCS_TRUNCATED',
      'HEADER',
      `HEADER truncated: expected ${HEADER_LENGTH} bytes, file has ${bytes.length}`,
      HEADER_LENGTH,
      bytes.length,
    );
  }
  const versionText = ascii(bytes, 3, 6);
  if (versionText !== '2.0' && versionText !== '3.0' && versionText !== '3.1') {
    return /^\d\.\d$/.test(versionText)
      ? fcsFail('FCS_UNSUPPORTED', 'HEADER', `FCS version ${versionText} is not supported (2.0, 3.0 and 3.1 are)`)
      : fcsFail('FCS_BAD_HEADER', 'HEADER', `bad version ${JSON.stringify(versionText)} after "FCS"`);
  }
  const fields: number[] = [];
  for (let k = 0; k < FIELD_NAMES.length; k++) {
    const from = 10 + 8 * k;
    // Writers disagree on justification and padding; spaces and NULs around the digits are noise.
    const raw = ascii(bytes, from, from + 8).replace(/^[\s\0]+|[\s\0]+$/g, '');
    if (raw !== '' && !/^\d+$/.test(raw)) {
      return fcsFail(
        'FCS_BAD_HEADER',
        'HEADER',
        `HEADER ${FIELD_NAMES[k]} (bytes ${from}-${from + 7}) is ${JSON.stringify(raw)}, not an offset`,
      );
    }
    fields.push(raw === '' ? 0 : Number(raw));
  }
  const [textBegin, textEnd, dataBegin, dataEnd, anaBegin, anaEnd] = fields as [number, number, number, number, number, number];
  if (textBegin < HEADER_LENGTH || textEnd < textBegin) {
    return fcsFail(
      'FCS_BAD_HEADER',
      'HEADER',
      `HEADER TEXT offsets ${textBegin}-${textEnd} are not a segment after the ${HEADER_LENGTH}-byte HEADER`,
    );
  }
  if (textEnd >= size) {
    return fcsFail(
      'FCS_TRUNCATED',
      'TEXT',
      `TEXT segment ends at byte ${textEnd} (HEADER) but the file is ${size} bytes long`,
      textEnd + 1,
      size,
    );
  }
  return {
    ok: true,
    header: { version: versionText, text: [textBegin, textEnd], data: [dataBegin, dataEnd], analysis: [anaBegin, anaEnd] },
  };
}

/** Right-justifies an offset in an 8-byte field; offsets too large for it are written as 0. */
function field(n: number): string {
  return (n > HEADER_MAX_OFFSET ? '0' : String(n)).padStart(8, ' ');
}

export function writeHeader(
  version: FcsVersion,
  text: [number, number],
  data: [number, number],
  analysis: [number, number] = [0, 0],
): Uint8Array {
  const s = `FCS${version}    ` + [...text, ...data, ...analysis].map(field).join('');
  const out = new Uint8Array(HEADER_LENGTH);
  for (let i = 0; i < HEADER_LENGTH; i++) out[i] = s.charCodeAt(i);
  return out;
}
