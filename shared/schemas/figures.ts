import { z } from 'zod';
import { COFACTOR_MAX, COFACTOR_MIN, DEFAULT_COFACTOR, PlotScale } from '../plot/scale.ts';
import { GateId, singleLine } from './entities.ts';
import { FileName } from './files.ts';

/**
 * Illustrations: saved, named figures kept in the experiment document (root `figures`,
 * figureId → Figure, or null once removed). A figure is a grid of density plots; each panel
 * names a file of the experiment (by name, as sample tags do), two channels, the gates drawn on
 * it and the scale. Who may write one is the capability `illustrate` (shared/rules/access.ts):
 * owners and full access always, restricted project members when the policy says `create`.
 */
export const FigureId = GateId;

export const FIGURE_PANELS_MAX = 16;
export const FIGURE_COLUMNS_MAX = 4;
/** Gates a panel may name; an experiment with more draws them all with `'all'`. */
export const FIGURE_PANEL_GATES_MAX = 64;

export const FigurePanel = z.strictObject({
  file: FileName,
  x: z.string().min(1).max(100),
  y: z.string().min(1).max(100),
  /** Every gate of the experiment whose channels are the panel's, or only these gate ids. */
  gates: z.union([z.literal('all'), z.array(GateId).max(FIGURE_PANEL_GATES_MAX)]),
  scale: PlotScale,
  cofactor: z.number().min(COFACTOR_MIN).max(COFACTOR_MAX),
});
export type FigurePanel = z.infer<typeof FigurePanel>;

export const FigureName = singleLine('a figure name').trim().min(1, 'a name is required').max(200);

export const Figure = z.strictObject({
  name: FigureName,
  columns: z.number().int().min(1).max(FIGURE_COLUMNS_MAX),
  panels: z.array(FigurePanel).min(1, 'a figure has at least one panel').max(FIGURE_PANELS_MAX),
});
export type Figure = z.infer<typeof Figure>;

/** A one-panel figure with every gate drawn: what "add from the current plot" makes. */
export function onePanelFigure(name: string, panel: Omit<FigurePanel, 'gates' | 'cofactor'> & Partial<Pick<FigurePanel, 'gates' | 'cofactor'>>): Figure {
  return { name, columns: 1, panels: [{ gates: 'all', cofactor: DEFAULT_COFACTOR, ...panel }] };
}
