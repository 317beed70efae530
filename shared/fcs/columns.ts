/**
 * A few channels of a chunk of DATA rows, for readers that stream a file from disk rather than
 * hold it (the server's density plots): `rows` whole rows from `bytes[0…]` → row-major values
 * of the chosen columns only. Values are exactly what `decodeEvents` gives for those columns
 * (same byte order, same $PnR masking of integers), so plots and gates agree with the parser.
 */
import { PLATFORM_ORDER } from './data.ts';
import type { DataLayout } from './layout.ts';

const TWO_32 = 2 ** 32;

export type ColumnPlan = {
  /** Byte offset of each chosen column within a row, its width, and its integer mask. */
  offsets: number[];
  widths: number[];
  masks: number[];
  hiMasks: number[];
};

const lowMask = (k: number): number => (k >= 32 ? 0xffffffff : 2 ** k - 1);

/** The offsets and masks of `columns` (0-based) in rows laid out as `layout` says. */
export function planColumns(layout: DataLayout, columns: readonly number[]): ColumnPlan {
  const starts: number[] = [];
  let at = 0;
  for (const w of layout.widths) {
    starts.push(at);
    at += w;
  }
  for (const c of columns) if (!(c >= 0 && c < layout.widths.length)) throw new RangeError(`no column ${c} in this layout`);
  return {
    offsets: columns.map((c) => starts[c]!),
    widths: columns.map((c) => layout.widths[c]!),
    masks: columns.map((c) => lowMask(layout.keepBits[c]!)),
    hiMasks: columns.map((c) => (layout.keepBits[c]! > 32 ? lowMask(layout.keepBits[c]! - 32) : 0)),
  };
}

/**
 * Writes `rows` × `plan.offsets.length` values into `out` (row-major) from `bytes`, which holds
 * at least `rows` × `layout.rowBytes` bytes starting at row 0.
 */
export function decodeColumns(bytes: Uint8Array, rows: number, layout: DataLayout, plan: ColumnPlan, out: Float64Array): void {
  const k = plan.offsets.length;
  const row = layout.rowBytes;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, rows * row);
  const little = layout.byteOrder === 'little';
  const native = layout.byteOrder === PLATFORM_ORDER;
  for (let j = 0; j < k; j++) {
    const off = plan.offsets[j]!;
    const w = plan.widths[j]!;
    const mask = plan.masks[j]!;
    // Native byte order and aligned: a typed-array view reads without a DataView call per value.
    const aligned = native && (bytes.byteOffset + off) % w === 0 && row % w === 0;
    if (aligned && layout.dataType === 'F') {
      const view = new Float32Array(bytes.buffer, bytes.byteOffset, (rows * row) / 4);
      const step = row / 4;
      for (let r = 0, at = off / 4, i = j; r < rows; r++, at += step, i += k) out[i] = view[at]!;
    } else if (aligned && layout.dataType === 'D') {
      const view = new Float64Array(bytes.buffer, bytes.byteOffset, (rows * row) / 8);
      const step = row / 8;
      for (let r = 0, at = off / 8, i = j; r < rows; r++, at += step, i += k) out[i] = view[at]!;
    } else if (aligned && layout.dataType === 'I' && w === 2) {
      const view = new Uint16Array(bytes.buffer, bytes.byteOffset, (rows * row) / 2);
      const step = row / 2;
      for (let r = 0, at = off / 2, i = j; r < rows; r++, at += step, i += k) out[i] = view[at]! & mask;
    } else if (layout.dataType === 'F') {
      for (let r = 0, at = off, i = j; r < rows; r++, at += row, i += k) out[i] = dv.getFloat32(at, little);
    } else if (layout.dataType === 'D') {
      for (let r = 0, at = off, i = j; r < rows; r++, at += row, i += k) out[i] = dv.getFloat64(at, little);
    } else if (w === 1) {
      for (let r = 0, at = off, i = j; r < rows; r++, at += row, i += k) out[i] = (dv.getUint8(at) & mask) >>> 0;
    } else if (w === 2) {
      for (let r = 0, at = off, i = j; r < rows; r++, at += row, i += k) out[i] = (dv.getUint16(at, little) & mask) >>> 0;
    } else if (w === 4) {
      for (let r = 0, at = off, i = j; r < rows; r++, at += row, i += k) out[i] = (dv.getUint32(at, little) & mask) >>> 0;
    } else {
      const hiMask = plan.hiMasks[j]!;
      for (let r = 0, at = off, i = j; r < rows; r++, at += row, i += k) {
        const lo = dv.getUint32(little ? at : at + 4, little);
        const hi = dv.getUint32(little ? at + 4 : at, little);
        out[i] = ((hi & hiMask) >>> 0) * TWO_32 + ((lo & mask) >>> 0);
      }
    }
  }
}
