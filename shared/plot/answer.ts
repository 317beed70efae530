/**
 * The density query and answer exchanged by the server route
 *   GET /api/experiments/<exp>/files/<fileId>/density?x=CH&y=CH&bins=N&scale=lin|log|asinh[&cofactor=C]
 * and the page, and `densityOfEvents`, the same answer computed from a parsed file in the page.
 * The answer holds counts per bin and per gate, never an event.
 */
import { z } from 'zod';
import { channelColumn } from '../fcs/gate.ts';
import type { FcsFile } from '../fcs/types.ts';
import { axisFor, columnMax, countInGate, DensityGrid, percentOf, type Axis, type GateArea } from './density.ts';
import { COFACTOR_MAX, COFACTOR_MIN, DEFAULT_COFACTOR, PlotScale } from './scale.ts';

export const BINS_MIN = 16;
export const BINS_MAX = 512;
export const DEFAULT_BINS = 256;

const Channel = z.string().min(1).max(100);

/** Query parameters, as strings from a URL: every one checked, none but these accepted. */
export const DensityQuery = z.strictObject({
  x: Channel,
  y: Channel,
  bins: z.coerce.number().int().min(BINS_MIN).max(BINS_MAX).default(DEFAULT_BINS),
  scale: PlotScale.default('lin'),
  cofactor: z.coerce.number().min(COFACTOR_MIN).max(COFACTOR_MAX).default(DEFAULT_COFACTOR),
});
export type DensityQuery = z.infer<typeof DensityQuery>;

const AxisOut = z.strictObject({ channel: z.string(), scale: PlotScale, cofactor: z.number(), lo: z.number(), hi: z.number() });

export const GateCount = z.strictObject({ id: z.string(), inside: z.number().int().nonnegative(), percent: z.number() });
export type GateCount = z.infer<typeof GateCount>;

export const DensityAnswer = z.strictObject({
  bins: z.number().int().min(1),
  x: AxisOut,
  y: AxisOut,
  /** bins × bins counts, counts[iy · bins + ix], iy = 0 at the bottom. */
  counts: z.array(z.number().int().nonnegative()),
  /** Events in the file, and those inside both axes. */
  events: z.number().int().nonnegative(),
  inRange: z.number().int().nonnegative(),
  /** Every gate of the experiment whose two channels the file has: events inside, % of the file's events. */
  gates: z.array(GateCount),
});
export type DensityAnswer = z.infer<typeof DensityAnswer>;

export type GateSpec = { id: string; xChannel: string; yChannel: string } & GateArea;

/** The spec of a gate as the experiment document holds it. */
export function gateSpec(g: { id: string; xChannel: string; yChannel: string } & GateArea): GateSpec {
  return 'rect' in g ? { id: g.id, xChannel: g.xChannel, yChannel: g.yChannel, rect: g.rect } : { id: g.id, xChannel: g.xChannel, yChannel: g.yChannel, polygon: g.polygon };
}

/** The axis as the answer states it; `toAxis` reads it back. */
export function axisOut(channel: string, axis: Axis): DensityAnswer['x'] {
  return { channel, scale: axis.scale, cofactor: axis.cofactor, lo: axis.lo, hi: axis.hi };
}
export function toAxis(a: DensityAnswer['x']): Axis {
  return { scale: a.scale, cofactor: a.cofactor, lo: a.lo, hi: a.hi };
}

/**
 * The answer for a file parsed with its events (the page's path when it may download the
 * file). `x`/`y` must be channels of the file (by $PnN or $PnS); else null.
 */
export function densityOfEvents(file: FcsFile, q: DensityQuery, gates: readonly GateSpec[]): DensityAnswer | null {
  const events = file.events;
  const xc = channelColumn(file, q.x);
  const yc = channelColumn(file, q.y);
  if (!events || xc < 0 || yc < 0) return null;
  const stride = file.channels.length;
  const rows = file.eventCount;
  const t = { scale: q.scale, cofactor: q.cofactor };
  const rangeOf = (c: number) => file.channels[c]!.range;
  const x = axisFor(t, rangeOf(xc), rangeOf(xc) > 0 ? Number.NaN : columnMax(events, stride, xc, rows, Number.NEGATIVE_INFINITY));
  const y = axisFor(t, rangeOf(yc), rangeOf(yc) > 0 ? Number.NaN : columnMax(events, stride, yc, rows, Number.NEGATIVE_INFINITY));
  const grid = new DensityGrid(x, y, q.bins);
  grid.add(events, stride, xc, yc, rows);
  const counts: GateCount[] = [];
  for (const g of gates) {
    const gx = channelColumn(file, g.xChannel);
    const gy = channelColumn(file, g.yChannel);
    if (gx < 0 || gy < 0) continue;
    const inside = countInGate(events, stride, gx, gy, rows, g);
    counts.push({ id: g.id, inside, percent: percentOf(inside, rows) });
  }
  return { bins: q.bins, x: axisOut(q.x, x), y: axisOut(q.y, y), counts: Array.from(grid.counts), events: rows, inRange: grid.inRange, gates: counts };
}
