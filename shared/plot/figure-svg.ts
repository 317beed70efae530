import { zlibSync } from 'fflate';
import type { Figure } from '../schemas/figures.ts';
import type { DensityAnswer, DensityQuery } from './answer.ts';
import { figureScene, loadFigurePanels } from './figure-scene.ts';
import { sceneToSvg } from './scene-svg.ts';

type Drawn = Parameters<typeof figureScene>[2];

/**
 * A saved figure as a standalone SVG document, its panels drawn from `density` (the server's
 * answers, so it needs no download right); what an archive carries beside figures.json. The
 * embedded density images are deflated with fflate, so the CLI and the browser write the same.
 */
export async function figureSvg(
  figure: Figure,
  experiment: { files: ReadonlyArray<{ id: string; name: string }>; gates: Drawn },
  density: (fileId: string, query: DensityQuery) => Promise<DensityAnswer | null>,
  describe: (error: unknown) => string,
): Promise<string> {
  const panels = await loadFigurePanels(figure, experiment.files, density, describe);
  return sceneToSvg(figureScene(figure, panels, experiment.gates), (data) => zlibSync(data, { level: 6 }));
}
