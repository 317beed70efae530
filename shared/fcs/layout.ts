/**
 * From TEXT keywords to the shape of the DATA segment: data type, byte order, channels and
 * their widths, event count. Checks run in a fixed order, each refusing with its own code:
 *   1. $MODE is L (missing is read as L)          FCS_UNSUPPORTED
 *   2. $DATATYPE present and I, F or D             FCS_BAD_TEXT / FCS_UNSUPPORTED (A)
 *   3. $PAR present, a positive integer            FCS_BAD_TEXT
 *   4. $TOT present (optional in FCS 2.0), integer FCS_BAD_TEXT
 *   5. $BYTEORD present, ascending or descending   FCS_BAD_TEXT / FCS_UNSUPPORTED
 *   6. each $PnB present; 32 for F, 64 for D       FCS_BAD_TEXT / FCS_INCONSISTENT
 *      and 8, 16, 32 or 64 for I                   FCS_UNSUPPORTED
 */
import { fcsFail, type FcsByteOrder, type FcsChannel, type FcsDataType, type FcsFailure, type FcsVersion } from './types.ts';

export type DataLayout = {
  dataType: FcsDataType;
  byteOrder: FcsByteOrder;
  channels: FcsChannel[];
  /** null only for FCS 2.0 files without $TOT: the count then follows from the DATA length. */
  eventCount: number | null;
  /** Bytes of each channel's value, and of one event (row). */
  widths: number[];
  rowBytes: number;
  /** For I data: the number of low bits kept per channel ($PnR masking); else the width in bits. */
  keepBits: number[];
};

const uint = (s: string | undefined): number | null => {
  const t = s?.trim();
  return t !== undefined && /^\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : null;
};

/** "1,2,3,4" / "1,2" are little-endian, "4,3,2,1" / "2,1" big-endian; mixed orders are refused. */
function byteOrderOf(raw: string): FcsByteOrder | 'mixed' | null {
  const parts = raw.replace(/\s/g, '').split(',');
  if (parts.length < 1 || parts.length > 8 || parts.some((p) => !/^\d$/.test(p))) return null;
  const n = parts.map(Number);
  if (n.every((v, i) => v === i + 1)) return 'little';
  if (n.every((v, i) => v === n.length - i)) return 'big';
  return 'mixed';
}

/** Low bits kept for integer data: the standard masks values to the bits that range-1 needs. */
function keptBits(range: number, bits: number): number {
  let k = 0;
  while (k < bits && 2 ** k < range) k++;
  return k === 0 ? bits : k;
}

export function readLayout(kw: Record<string, string>, version: FcsVersion): { ok: true; layout: DataLayout } | FcsFailure {
  const mode = kw['$MODE']?.trim().toUpperCase();
  if (mode !== undefined && mode !== 'L') {
    return fcsFail('FCS_UNSUPPORTED', 'TEXT', `$MODE ${mode} is not supported: only list mode (L) is read`);
  }
  const dt = kw['$DATATYPE']?.trim().toUpperCase();
  if (dt === undefined) return fcsFail('FCS_BAD_TEXT', 'TEXT', 'required keyword $DATATYPE is missing');
  if (dt !== 'I' && dt !== 'F' && dt !== 'D') {
    return dt === 'A'
      ? fcsFail('FCS_UNSUPPORTED', 'TEXT', '$DATATYPE A (ASCII data) is not supported: only I, F and D are read')
      : fcsFail('FCS_BAD_TEXT', 'TEXT', `$DATATYPE ${JSON.stringify(dt)} is not one of I, F, D, A`);
  }
  if (kw['$PAR'] === undefined) return fcsFail('FCS_BAD_TEXT', 'TEXT', 'required keyword $PAR is missing');
  const par = uint(kw['$PAR']);
  if (par === null || par === 0) return fcsFail('FCS_BAD_TEXT', 'TEXT', `$PAR ${JSON.stringify(kw['$PAR'])} is not a positive integer`);
  let eventCount: number | null = null;
  if (kw['$TOT'] === undefined) {
    if (version !== '2.0') return fcsFail('FCS_BAD_TEXT', 'TEXT', 'required keyword $TOT is missing');
  } else {
    eventCount = uint(kw['$TOT']);
    if (eventCount === null) return fcsFail('FCS_BAD_TEXT', 'TEXT', `$TOT ${JSON.stringify(kw['$TOT'])} is not an integer`);
  }
  const rawOrder = kw['$BYTEORD'];
  if (rawOrder === undefined) return fcsFail('FCS_BAD_TEXT', 'TEXT', 'required keyword $BYTEORD is missing');
  const byteOrder = byteOrderOf(rawOrder);
  if (byteOrder === null) return fcsFail('FCS_BAD_TEXT', 'TEXT', `$BYTEORD ${JSON.stringify(rawOrder)} is not a byte order`);
  if (byteOrder === 'mixed') {
    return fcsFail('FCS_UNSUPPORTED', 'TEXT', `$BYTEORD ${rawOrder} (mixed byte order) is not supported`);
  }
  const channels: FcsChannel[] = [];
  const widths: number[] = [];
  const keepBits: number[] = [];
  for (let n = 1; n <= par; n++) {
    const rawBits = kw[`$P${n}B`];
    if (rawBits === undefined) return fcsFail('FCS_BAD_TEXT', 'TEXT', `required keyword $P${n}B is missing ($PAR is ${par})`);
    const bits = uint(rawBits);
    if (bits === null) return fcsFail('FCS_BAD_TEXT', 'TEXT', `$P${n}B ${JSON.stringify(rawBits)} is not a bit count`);
    const need = dt === 'F' ? 32 : dt === 'D' ? 64 : null;
    if (need !== null && bits !== need) {
      return fcsFail('FCS_INCONSISTENT', 'TEXT', `$P${n}B is ${bits} but $DATATYPE ${dt} needs ${need}`, need, bits);
    }
    if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64) {
      return fcsFail('FCS_UNSUPPORTED', 'TEXT', `$P${n}B ${bits}: only 8, 16, 32 and 64-bit integers are read`);
    }
    const rawRange = Number(kw[`$P${n}R`]?.trim() ?? NaN);
    const range = Number.isFinite(rawRange) && rawRange > 0 ? rawRange : dt === 'I' ? 2 ** bits : 0;
    const label = kw[`$P${n}S`]?.trim();
    channels.push({ index: n, name: kw[`$P${n}N`]?.trim() || `P${n}`, label: label ? label : null, bits, range });
    widths.push(bits / 8);
    keepBits.push(dt === 'I' ? keptBits(range, bits) : bits);
  }
  const rowBytes = widths.reduce((a, b) => a + b, 0);
  return { ok: true, layout: { dataType: dt, byteOrder, channels, eventCount, widths, rowBytes, keepBits } };
}
