/**
 * A saved figure (shared/schemas/figures.ts) as one scene: its name, then its panels in a grid,
 * each a density plot (plot-scene.ts) under a caption. The densities come from whoever draws
 * it: the CLI and the manager ask the server's density route (`loadFigurePanels` takes the
 * fetching function, so this module stays free of I/O).
 */
import type { Figure, FigurePanel } from '../schemas/figures.ts';
import { DEFAULT_BINS, type DensityAnswer, type DensityQuery } from './answer.ts';
import { gateShapesFor, PLOT, plotItems } from './plot-scene.ts';
import type { Paint, Scene, SceneItem } from './scene.ts';

const MARGIN = 16;
const GAP = 16;
const TITLE = 36;
const CAPTION = 22;
const INK: Paint = [34, 34, 34, 1];
const MUTED: Paint = [110, 110, 110, 1];
const WHITE: Paint = [255, 255, 255, 1];
const EMPTY: Paint = [245, 245, 245, 1];

/** One panel with what it draws: the density answer, or a note saying why there is none. */
export type PanelData = { panel: FigurePanel; answer: DensityAnswer | null; note: string | null };

type GateLike = Parameters<typeof gateShapesFor>[0][number];

export function figureSize(figure: Pick<Figure, 'columns' | 'panels'>): { width: number; height: number; columns: number; rows: number } {
  const columns = Math.min(figure.columns, figure.panels.length);
  const rows = Math.ceil(figure.panels.length / columns);
  return {
    width: MARGIN * 2 + columns * PLOT.width + (columns - 1) * GAP,
    height: MARGIN * 2 + TITLE + rows * (CAPTION + PLOT.height) + (rows - 1) * GAP,
    columns,
    rows,
  };
}

export function panelCaption(panel: FigurePanel): string {
  return `${panel.file}: ${panel.x} × ${panel.y}`;
}

/** The whole figure; `gates` are the experiment's gates (each panel draws those it names). */
export function figureScene(figure: Figure, panels: readonly PanelData[], gates: readonly GateLike[]): Scene {
  const { width, height, columns } = figureSize(figure);
  const items: SceneItem[] = [
    { kind: 'rect', x: 0, y: 0, w: width, h: height, fill: WHITE },
    { kind: 'text', x: MARGIN, y: MARGIN, text: figure.name, size: 18, bold: true, anchor: 'start', baseline: 'top', fill: INK, role: 'title' },
  ];
  panels.forEach(({ panel, answer, note }, i) => {
    const ox = MARGIN + (i % columns) * (PLOT.width + GAP);
    const top = MARGIN + TITLE + Math.floor(i / columns) * (CAPTION + PLOT.height + GAP);
    items.push({ kind: 'text', x: ox + 4, y: top + CAPTION / 2, text: panelCaption(panel), size: 13, anchor: 'start', baseline: 'middle', fill: INK, role: 'title' });
    const oy = top + CAPTION;
    if (answer) {
      const shapes = gateShapesFor(gates, answer.gates, panel.x, panel.y, panel.gates === 'all' ? undefined : panel.gates);
      items.push(...plotItems(answer, shapes, ox, oy));
    } else {
      items.push({ kind: 'rect', x: ox, y: oy, w: PLOT.width, h: PLOT.height, fill: EMPTY });
      items.push({ kind: 'text', x: ox + PLOT.width / 2, y: oy + PLOT.height / 2, text: note ?? 'no data', size: 13, anchor: 'middle', baseline: 'middle', fill: MUTED });
    }
  });
  return { width, height, items };
}

/** The density query a panel asks for. */
export function panelQuery(panel: FigurePanel, bins = DEFAULT_BINS): DensityQuery {
  return { x: panel.x, y: panel.y, bins, scale: panel.scale, cofactor: panel.cofactor };
}

/**
 * Each panel's density, fetched one after the other (the server computes few plots per account
 * at once). A panel whose file is gone, or whose density could not be had, gets a note instead;
 * `describe` turns a failure into words.
 */
export async function loadFigurePanels(
  figure: Figure,
  files: ReadonlyArray<{ id: string; name: string }>,
  density: (fileId: string, query: DensityQuery) => Promise<DensityAnswer | null>,
  describe: (error: unknown) => string,
): Promise<PanelData[]> {
  const out: PanelData[] = [];
  for (const panel of figure.panels) {
    const file = files.find((f) => f.name === panel.file);
    if (!file) {
      out.push({ panel, answer: null, note: `${panel.file} is no longer in the experiment` });
      continue;
    }
    try {
      const answer = await density(file.id, panelQuery(panel));
      out.push({ panel, answer, note: answer ? null : `${panel.file} has no channel ${panel.x} or ${panel.y}` });
    } catch (error) {
      out.push({ panel, answer: null, note: describe(error) });
    }
  }
  return out;
}
