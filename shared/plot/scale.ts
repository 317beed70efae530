/**
 * Axis scales of cytometry plots, as pure functions of a raw channel value:
 *   lin    t = v
 *   log    t = log10(v), defined for v > 0 only (v ≤ 0 has no place on a log axis)
 *   asinh  t = asinh(v / cofactor): linear near 0, logarithmic far from it, defined for every v
 * and their inverses (t → v), used for bin edges, tick labels and turning a dragged rectangle
 * back into channel units. One implementation for the server and the page.
 *
 * The arcsinh cofactor defaults to 150, the usual value for fluorescence (flow) data; mass
 * cytometry data is usually shown with 5. Users set it per plot.
 */
import { z } from 'zod';

export const PlotScale = z.enum(['lin', 'log', 'asinh']);
export type PlotScale = z.infer<typeof PlotScale>;

/** The documented default cofactor (flow cytometry); 5 suits mass cytometry. */
export const DEFAULT_COFACTOR = 150;
/** Bounds of a user-set cofactor: positive and small enough for asinh(v / c) to mean something. */
export const COFACTOR_MIN = 0.001;
export const COFACTOR_MAX = 1_000_000;

export type AxisTransform = Readonly<{ scale: PlotScale; cofactor: number }>;

/** Raw value → plot units; NaN when the value has no place on this scale. */
export function forward(t: AxisTransform, v: number): number {
  switch (t.scale) {
    case 'lin':
      return v;
    case 'log':
      return v > 0 ? Math.log10(v) : Number.NaN;
    case 'asinh':
      return Math.asinh(v / t.cofactor);
  }
}

/** Plot units → raw value: `inverse(t, forward(t, v)) ≈ v` wherever `forward` is defined. */
export function inverse(t: AxisTransform, u: number): number {
  switch (t.scale) {
    case 'lin':
      return u;
    case 'log':
      return 10 ** u;
    case 'asinh':
      return t.cofactor * Math.sinh(u);
  }
}
