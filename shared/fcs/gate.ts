/**
 * Selecting events of a parsed file (with events) and exporting them as a new FCS file:
 *
 *   const inside = eventsInRect(file, 'FSC-A', 'SSC-A', [x1, y1, x2, y2]);
 *   const bytes = writeFcs(writeInputFrom(file, inside));
 *
 * Rows keep all channels, so the result has the file's shape and can be written as is.
 * Calling these without events, or with a channel the file lacks, is a programming error and
 * throws a RangeError; choose channels from `file.channels`.
 */
import type { FcsFile } from './types.ts';
import type { FcsWriteInput } from './write.ts';

/** 0-based column of a channel by $PnN, else by $PnS; -1 when the file has no such channel. */
export function channelColumn(file: FcsFile, name: string): number {
  const byName = file.channels.findIndex((c) => c.name === name);
  return byName >= 0 ? byName : file.channels.findIndex((c) => c.label === name);
}

function eventsOf(file: FcsFile): Float64Array {
  if (!file.events) throw new RangeError('the file was parsed without events: use parseFcs(bytes, { events: true })');
  return file.events;
}

function column(file: FcsFile, name: string): number {
  const c = channelColumn(file, name);
  if (c < 0) throw new RangeError(`no channel ${JSON.stringify(name)} in this file`);
  return c;
}

/** Copies the rows whose flag is set into a new row-major array. */
function pick(events: Float64Array, par: number, keep: Uint8Array, count: number): Float64Array {
  const out = new Float64Array(count * par);
  for (let e = 0, at = 0; e < keep.length; e++) {
    if (!keep[e]) continue;
    out.set(events.subarray(e * par, e * par + par), at);
    at += par;
  }
  return out;
}

/**
 * Rows whose (x, y) lie in the rectangle, edges included; the corners may come in any order.
 * NaN values are never inside.
 */
export function eventsInRect(file: FcsFile, xChannel: string, yChannel: string, rect: [number, number, number, number]): Float64Array {
  const events = eventsOf(file);
  const par = file.channels.length;
  const xc = column(file, xChannel);
  const yc = column(file, yChannel);
  const [x1, y1, x2, y2] = rect;
  const xlo = Math.min(x1, x2);
  const xhi = Math.max(x1, x2);
  const ylo = Math.min(y1, y2);
  const yhi = Math.max(y1, y2);
  const rows = events.length / par;
  const keep = new Uint8Array(rows);
  let count = 0;
  for (let e = 0, at = 0; e < rows; e++, at += par) {
    const x = events[at + xc]!;
    const y = events[at + yc]!;
    if (x >= xlo && x <= xhi && y >= ylo && y <= yhi) {
      keep[e] = 1;
      count++;
    }
  }
  return pick(events, par, keep, count);
}

/** Vertices [x, y] of a polygon in raw channel units, in drawing order (closed implicitly). */
export type Polygon = ReadonlyArray<readonly [number, number]>;

/**
 * Whether (x, y) lies inside the polygon, by the even-odd rule (a ray to the right crosses its
 * edges an odd number of times). A point exactly on an edge may count either way, but always
 * the same way here, on the server and in the page; NaN is never inside.
 */
export function inPolygon(xs: Float64Array, ys: Float64Array, x: number, y: number): boolean {
  let inside = false;
  const n = xs.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const yi = ys[i]!;
    const yj = ys[j]!;
    if (yi > y !== yj > y && x < ((xs[j]! - xs[i]!) * (y - yi)) / (yj - yi) + xs[i]!) inside = !inside;
  }
  return inside;
}

/** The polygon's vertices as two arrays, for `inPolygon`. */
export function polygonArrays(polygon: Polygon): { xs: Float64Array; ys: Float64Array } {
  return { xs: Float64Array.from(polygon, (p) => p[0]), ys: Float64Array.from(polygon, (p) => p[1]) };
}

/** Rows whose (x, y) lie inside the polygon (see `inPolygon`). */
export function eventsInPolygon(file: FcsFile, xChannel: string, yChannel: string, polygon: Polygon): Float64Array {
  const xc = column(file, xChannel);
  const yc = column(file, yChannel);
  const { xs, ys } = polygonArrays(polygon);
  return filterEvents(file, (row) => inPolygon(xs, ys, row[xc]!, row[yc]!));
}

/** A gate's shape on its two channels: a rectangle (edges included) or a polygon. */
export type GateShape = { xChannel: string; yChannel: string } & ({ rect: readonly [number, number, number, number] } | { polygon: Polygon });

/** Rows inside a gate of either shape. */
export function eventsInGate(file: FcsFile, gate: GateShape): Float64Array {
  return 'rect' in gate
    ? eventsInRect(file, gate.xChannel, gate.yChannel, gate.rect as [number, number, number, number])
    : eventsInPolygon(file, gate.xChannel, gate.yChannel, gate.polygon);
}

/**
 * Rows for which `predicate(row, index)` is true. `row` is a scratch array reused for every
 * event (no allocation per event): read it inside the call, do not keep it.
 */
export function filterEvents(file: FcsFile, predicate: (row: Float64Array, index: number) => boolean): Float64Array {
  const events = eventsOf(file);
  const par = file.channels.length;
  const rows = events.length / par;
  const row = new Float64Array(par);
  const keep = new Uint8Array(rows);
  let count = 0;
  for (let e = 0; e < rows; e++) {
    row.set(events.subarray(e * par, e * par + par));
    if (predicate(row, e)) {
      keep[e] = 1;
      count++;
    }
  }
  return pick(events, par, keep, count);
}

/**
 * Writer input that reproduces `file` with other events: same channels, data type, width,
 * byte order and keywords (the writer recomputes the layout ones). Integer files keep their
 * widest $PnB; FCS 2.0 files are written as 3.1.
 */
export function writeInputFrom(file: FcsFile, events: Float64Array): FcsWriteInput {
  const input: FcsWriteInput = {
    channels: file.channels.map((c) => {
      const ch: FcsWriteInput['channels'][number] = { name: c.name };
      if (c.label !== null) ch.label = c.label;
      if (c.range > 0) ch.range = c.range; // 0 = unknown: let the writer choose
      return ch;
    }),
    events,
    dataType: file.dataType,
    byteOrder: file.byteOrder,
    keywords: file.keywords,
    version: file.version === '3.0' ? '3.0' : '3.1',
  };
  if (file.dataType === 'I') input.bits = Math.max(...file.channels.map((c) => c.bits));
  return input;
}
