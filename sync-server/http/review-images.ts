import { deflateSync } from 'node:zlib';
import type { ExperimentContent, FileRecord } from '../../shared/doc-layout.ts';
import { gateSpec, type DensityAnswer, type DensityQuery } from '../../shared/plot/answer.ts';
import { figureScene, loadFigurePanels } from '../../shared/plot/figure-scene.ts';
import { DEFAULT_COFACTOR } from '../../shared/plot/scale.ts';
import { sceneToSvg } from '../../shared/plot/scene-svg.ts';
import { onePanelFigure, type Figure } from '../../shared/schemas/figures.ts';
import { densityOfBlob } from '../files/density.ts';
import type { FileDeps } from './file-routes.ts';

/** Pictures on one reviewer page: its figures first, then one plot per channel pair with gates. */
const IMAGES_PER_PAGE = 12;

export type ReviewImage = { title: string; svg: string };
type ImageDeps = Pick<FileDeps, 'blobs' | 'plots' | 'limits'>;
type StoredFile = { id: string } & FileRecord;

/**
 * Figures, and every gate drawn on the first file that has its channels, as SVG pictures of
 * the same drawing the manager paints. The densities come from the server's own density code
 * and cache; the pictures hold counts, never events. A link computes at most
 * `densityReadsPerAccount` densities at once, like an account.
 */
export async function reviewImages(deps: ImageDeps, linkId: string, content: ExperimentContent, files: StoredFile[]): Promise<ReviewImage[]> {
  const wanted: Figure[] = [...content.figures, ...gateFigures(content, files)].slice(0, IMAGES_PER_PAGE);
  const images: ReviewImage[] = [];
  for (const figure of wanted) {
    const panels = await loadFigurePanels(figure, files, (fileId, query) => density(deps, linkId, files, content, fileId, query), () => 'this plot could not be drawn now');
    images.push({ title: figure.name, svg: sceneToSvg(figureScene(figure, panels, content.gates), (data) => deflateSync(data)) });
  }
  return images;
}

function gateFigures(content: ExperimentContent, files: StoredFile[]): Figure[] {
  const pairs = new Map<string, { x: string; y: string }>();
  for (const g of content.gates) pairs.set(JSON.stringify([g.xChannel, g.yChannel]), { x: g.xChannel, y: g.yChannel });
  const out: Figure[] = [];
  for (const { x, y } of pairs.values()) {
    const file = files.find((f) => f.channels.some((c) => c.name === x) && f.channels.some((c) => c.name === y));
    if (file) out.push(onePanelFigure(`Gates on ${x} × ${y}`, { file: file.name, x, y, scale: 'asinh', cofactor: DEFAULT_COFACTOR }));
  }
  return out;
}

async function density(deps: ImageDeps, linkId: string, files: StoredFile[], content: ExperimentContent, fileId: string, query: DensityQuery): Promise<DensityAnswer | null> {
  const file = files.find((f) => f.id === fileId);
  if (!file || (await deps.blobs.size(file.sha256)) === null) return null;
  const release = deps.plots.reading.take(`review:${linkId}`, deps.limits.densityReadsPerAccount);
  if (!release) throw new Error('too many plots at once for this link');
  try {
    const result = await deps.blobs.withFile(file.sha256, (path) => densityOfBlob(path, file.sha256, query, content.gates.map(gateSpec), deps.plots.cache, deps.limits.uploadTextBytes));
    return result.ok ? result.answer : null;
  } finally {
    release();
  }
}
