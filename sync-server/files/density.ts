/**
 * Density plots of stored FCS files, for people who may view an experiment but not download
 * its files: the events are read from the blob on disk a chunk of rows at a time (memory stays
 * at about CHUNK_BYTES whatever the file's size), binned with the shared code the page uses,
 * and only counts leave the server. Answers are kept in a small LRU keyed by the blob's SHA-256
 * and the query, since people look at the same plot again and again; gate counts are kept apart,
 * keyed by the blob and the gate's channels and rectangle, so editing one gate recounts only it.
 */
import { withFileSource } from './file-source.ts';
import { LruCache } from '../lru-cache.ts';
import { open } from 'node:fs/promises';
import { decodeColumns, locateFcsData, planColumns, type FcsError } from '../../shared/fcs/index.ts';
import { channelColumn } from '../../shared/fcs/gate.ts';
import { axisOut, type DensityAnswer, type DensityQuery, type GateCount, type GateSpec } from '../../shared/plot/answer.ts';
import { axisFor, columnMax, countInGate, DensityGrid, percentOf, type GateArea } from '../../shared/plot/density.ts';

/** Bytes of DATA read per step; a row wider than this is read one row at a time. */
const CHUNK_BYTES = 1 << 20;
/** Gate counts kept (a number each). */
const GATE_COUNTS_KEPT = 4_096;

type Histogram = Omit<DensityAnswer, 'gates'>;

export type DensityFailure = { ok: false; kind: 'channel'; axis: 'x' | 'y'; channel: string } | { ok: false; kind: 'file'; error: FcsError };

export class DensityCache {
  readonly histograms: LruCache<string, Histogram>;
  readonly gates = new LruCache<string, number>(GATE_COUNTS_KEPT);
  constructor(entries: number) {
    this.histograms = new LruCache(entries);
  }
}

const histogramKey = (sha: string, q: DensityQuery) => JSON.stringify([sha, q.x, q.y, q.bins, q.scale, q.scale === 'asinh' ? q.cofactor : 0]);
const gateKey = (sha: string, g: GateSpec) => JSON.stringify([sha, g.xChannel, g.yChannel, 'rect' in g ? g.rect : g.polygon]);

/**
 * The density answer for the blob at `path` (SHA-256 `sha`). Reads the file only for what the
 * cache lacks: the histogram and the counts of gates not counted before, in one pass.
 */
export async function densityOfBlob(
  path: string,
  sha: string,
  q: DensityQuery,
  gates: readonly GateSpec[],
  cache: DensityCache,
  maxTextBytes: number,
): Promise<{ ok: true; answer: DensityAnswer } | DensityFailure> {
  const hKey = histogramKey(sha, q);
  let histogram = cache.histograms.get(hKey);
  const counted = new Map<string, number>();
  for (const g of gates) {
    const n = cache.gates.get(gateKey(sha, g));
    if (n !== undefined) counted.set(g.id, n);
  }
  const missing = gates.filter((g) => !counted.has(g.id));
  if (!histogram || missing.length > 0) {
    const read = await readBlob(path, q, missing, maxTextBytes, !histogram);
    if (!read.ok) return read;
    if (read.histogram) {
      histogram = read.histogram;
      cache.histograms.set(hKey, histogram);
    }
    for (const g of missing) {
      // -1: the file lacks one of the gate's channels; remembered too, so it is not read again for it.
      const n = read.gateCounts.get(g.id) ?? -1;
      counted.set(g.id, n);
      cache.gates.set(gateKey(sha, g), n);
    }
  }
  const h = histogram as Histogram;
  const out: GateCount[] = [];
  for (const g of gates) {
    const n = counted.get(g.id);
    if (n !== undefined && n >= 0) out.push({ id: g.id, inside: n, percent: percentOf(n, h.events) });
  }
  return { ok: true, answer: { ...h, gates: out } };
}

type Read = { ok: true; histogram: Histogram | null; gateCounts: Map<string, number> };

async function readBlob(path: string, q: DensityQuery, gates: readonly GateSpec[], maxTextBytes: number, withHistogram: boolean): Promise<Read | DensityFailure> {
  const located = locateMeta(path, maxTextBytes);
  if (!located.ok) return { ok: false, kind: 'file', error: located.error };
  const { file, data } = located;
  const xc = channelColumn(file, q.x);
  const yc = channelColumn(file, q.y);
  if (xc < 0) return { ok: false, kind: 'channel', axis: 'x', channel: q.x };
  if (yc < 0) return { ok: false, kind: 'channel', axis: 'y', channel: q.y };

  // The columns read: x and y, then each gate's two; a gate on a channel the file lacks has no count.
  const columns: number[] = [];
  const slot = (c: number) => {
    const at = columns.indexOf(c);
    if (at >= 0) return at;
    columns.push(c);
    return columns.length - 1;
  };
  const xs = slot(xc);
  const ys = slot(yc);
  const gateSlots: Array<{ id: string; gx: number; gy: number; area: GateArea }> = [];
  for (const g of gates) {
    const gx = channelColumn(file, g.xChannel);
    const gy = channelColumn(file, g.yChannel);
    if (gx >= 0 && gy >= 0) gateSlots.push({ id: g.id, gx: slot(gx), gy: slot(gy), area: g });
  }
  const { layout, begin, events } = data;
  const plan = planColumns(layout, columns);
  const k = columns.length;
  const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / layout.rowBytes));
  // Its own ArrayBuffer (not Node's shared pool), so typed-array views of it are aligned.
  const buffer = new Uint8Array(chunkRows * layout.rowBytes);
  const values = new Float64Array(chunkRows * k);
  const t = { scale: q.scale, cofactor: q.cofactor };
  const xRange = file.channels[xc]!.range;
  const yRange = file.channels[yc]!.range;

  const handle = await open(path, 'r');
  try {
    /** Calls `each(rows)` with `values` holding the next `rows` events' chosen columns. */
    const pass = async (each: (rows: number) => void) => {
      for (let r = 0; r < events; r += chunkRows) {
        const rows = Math.min(chunkRows, events - r);
        const want = rows * layout.rowBytes;
        let got = 0;
        while (got < want) {
          const { bytesRead } = await handle.read(buffer, got, want - got, begin + r * layout.rowBytes + got);
          if (bytesRead === 0) throw new Error('blob shorter than its DATA segment');
          got += bytesRead;
        }
        decodeColumns(buffer, rows, layout, plan, values);
        each(rows);
      }
    };
    let xMax = Number.NEGATIVE_INFINITY;
    let yMax = Number.NEGATIVE_INFINITY;
    // A channel without $PnR (float data) takes its top from the data: one more pass, still in chunks.
    if (withHistogram && (xRange <= 0 || yRange <= 0)) {
      await pass((rows) => {
        xMax = columnMax(values, k, xs, rows, xMax);
        yMax = columnMax(values, k, ys, rows, yMax);
      });
    }
    const grid = withHistogram ? new DensityGrid(axisFor(t, xRange, xMax), axisFor(t, yRange, yMax), q.bins) : null;
    const gateCounts = new Map<string, number>(gateSlots.map((g) => [g.id, 0]));
    await pass((rows) => {
      grid?.add(values, k, xs, ys, rows);
      for (const g of gateSlots) gateCounts.set(g.id, gateCounts.get(g.id)! + countInGate(values, k, g.gx, g.gy, rows, g.area));
    });
    const histogram: Histogram | null = grid
      ? { bins: q.bins, x: axisOut(q.x, grid.x), y: axisOut(q.y, grid.y), counts: Array.from(grid.counts), events, inRange: grid.inRange }
      : null;
    return { ok: true, histogram, gateCounts };
  } finally {
    await handle.close();
  }
}

/** HEADER and TEXT (each at most `maxTextBytes`) and where DATA lies: small synchronous reads. */
function locateMeta(path: string, maxTextBytes: number): ReturnType<typeof locateFcsData> {
  return withFileSource(path, (source) => locateFcsData(source, { maxTextBytes }));
}
