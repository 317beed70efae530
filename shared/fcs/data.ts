/**
 * The DATA segment in list mode: events one after another, each the channels' values in order.
 * Decoding yields a row-major Float64Array. When the file's byte order is the platform's, values
 * are read through a typed-array view (copying the bytes first only if the segment is not aligned
 * for it); otherwise a DataView loop does the swapping. Integers are unsigned and masked to the
 * low bits their $PnR needs, as the standard says.
 */
import type { DataLayout } from './layout.ts';
import type { FcsByteOrder, FcsDataType } from './types.ts';

export const PLATFORM_ORDER: FcsByteOrder = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';
const TWO_32 = 2 ** 32;

/**
 * Where a typed array of `align`-byte elements can read bytes[begin, begin+length): the file's
 * own buffer when the offset is aligned, else an aligned copy (a memcpy, cheap next to decoding).
 */
function source(bytes: Uint8Array, begin: number, length: number, align: number): { buffer: ArrayBufferLike; offset: number } {
  const at = bytes.byteOffset + begin;
  if (at % align === 0) return { buffer: bytes.buffer, offset: at };
  return { buffer: bytes.slice(begin, begin + length).buffer, offset: 0 };
}

function lowMask(k: number): number {
  return k >= 32 ? 0xffffffff : 2 ** k - 1;
}

/** Decodes `events` rows starting at `begin`; the caller has checked the bytes are there. */
export function decodeEvents(bytes: Uint8Array, begin: number, events: number, layout: DataLayout): Float64Array {
  const par = layout.channels.length;
  const n = events * par;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const length = events * layout.rowBytes;
  const native = layout.byteOrder === PLATFORM_ORDER;
  const width = layout.widths[0]!;
  const uniform = layout.widths.every((w) => w === width);

  if (layout.dataType === 'F' && native) {
    const { buffer, offset } = source(bytes, begin, length, 4);
    out.set(new Float32Array(buffer, offset, n));
    return out;
  }
  if (layout.dataType === 'D' && native) {
    const { buffer, offset } = source(bytes, begin, length, 8);
    out.set(new Float64Array(buffer, offset, n));
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + begin, length);
  const little = layout.byteOrder === 'little';
  if (layout.dataType === 'F') {
    for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, little);
    return out;
  }
  if (layout.dataType === 'D') {
    for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, little);
    return out;
  }
  const masks = layout.keepBits.map(lowMask);
  if (uniform && width <= 4 && (native || width === 1)) {
    const { buffer, offset } = source(bytes, begin, length, width);
    const src =
      width === 1 ? new Uint8Array(buffer, offset, n) : width === 2 ? new Uint16Array(buffer, offset, n) : new Uint32Array(buffer, offset, n);
    for (let i = 0, c = 0; i < n; i++) {
      out[i] = (src[i]! & masks[c]!) >>> 0;
      if (++c === par) c = 0;
    }
    return out;
  }
  // Mixed widths or swapped byte order: one DataView read per value.
  const hiMasks = layout.keepBits.map((k) => (k > 32 ? lowMask(k - 32) : 0));
  for (let e = 0, at = 0, i = 0; e < events; e++) {
    for (let c = 0; c < par; c++, i++) {
      const w = layout.widths[c]!;
      let v: number;
      if (w === 1) v = dv.getUint8(at);
      else if (w === 2) v = dv.getUint16(at, little);
      else if (w === 4) v = dv.getUint32(at, little);
      else {
        const lo = dv.getUint32(little ? at : at + 4, little);
        const hi = dv.getUint32(little ? at + 4 : at, little);
        v = ((hi & hiMasks[c]!) >>> 0) * TWO_32 + ((lo & masks[c]!) >>> 0);
        out[i] = v;
        at += w;
        continue;
      }
      out[i] = (v & masks[c]!) >>> 0;
      at += w;
    }
  }
  return out;
}

/** Integer encoding: round, clamp to [0, 2^bits - 1]; NaN becomes 0. */
function toUint(x: number, max: number): number {
  const v = Math.round(x);
  return v >= 0 ? (v <= max ? v : max) : 0;
}

/** Writes events into target[at, at + events.length × bytes) in the given type and order. */
export function encodeEvents(
  target: Uint8Array,
  at: number,
  events: Float64Array,
  dataType: FcsDataType,
  bits: number,
  byteOrder: FcsByteOrder,
): void {
  const n = events.length;
  const bytes = bits / 8;
  const native = byteOrder === PLATFORM_ORDER;
  const pos = target.byteOffset + at;
  if (native && pos % bytes === 0 && dataType !== 'I') {
    if (dataType === 'F') new Float32Array(target.buffer, pos, n).set(events);
    else new Float64Array(target.buffer, pos, n).set(events);
    return;
  }
  const dv = new DataView(target.buffer, pos, n * bytes);
  const little = byteOrder === 'little';
  if (dataType === 'F') {
    for (let i = 0; i < n; i++) dv.setFloat32(i * 4, events[i]!, little);
  } else if (dataType === 'D') {
    for (let i = 0; i < n; i++) dv.setFloat64(i * 8, events[i]!, little);
  } else if (bits === 8) {
    for (let i = 0; i < n; i++) dv.setUint8(i, toUint(events[i]!, 0xff));
  } else if (bits === 16) {
    for (let i = 0; i < n; i++) dv.setUint16(i * 2, toUint(events[i]!, 0xffff), little);
  } else if (bits === 32) {
    for (let i = 0; i < n; i++) dv.setUint32(i * 4, toUint(events[i]!, 0xffffffff), little);
  } else {
    for (let i = 0; i < n; i++) {
      const v = toUint(events[i]!, Number.MAX_SAFE_INTEGER);
      const hi = Math.floor(v / TWO_32);
      const lo = v - hi * TWO_32;
      dv.setUint32(i * 8 + (little ? 0 : 4), lo, little);
      dv.setUint32(i * 8 + (little ? 4 : 0), hi, little);
    }
  }
}
