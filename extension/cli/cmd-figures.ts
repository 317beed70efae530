import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ErrorCode } from '../../shared/codes.ts';
import { figureScene, loadFigurePanels, type PanelData } from '../../shared/plot/figure-scene.ts';
import { gateShapesFor } from '../../shared/plot/plot-scene.ts';
import { encodePng } from '../../shared/plot/png.ts';
import { rasterize } from '../../shared/plot/scene-raster.ts';
import { PlotScale, DEFAULT_COFACTOR } from '../../shared/plot/scale.ts';
import { sceneToSvg } from '../../shared/plot/scene-svg.ts';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { Figure } from '../../shared/schemas/figures.ts';
import { RuleRefusal, type ExperimentView } from '../core/contract.ts';
import { CoreError } from '../core/errors.ts';
import { flag, onlyFlags, UsageError } from './args.ts';
import { args } from './cmd-experiments.ts';
import { check } from './args.ts';
import { checkWritableTarget, localReason } from './cmd-files.ts';
import type { Ctx } from './context.ts';
import { deliver, prepare } from './deliver.ts';
import { Exit, words } from './output.ts';

/**
 * Illustrations: `figure add ID NAME --file F --x CH --y CH [--scale …] [--cofactor C]` → {id, draft};
 * `figure list ID` → the experiment's figures; `figure export ID FIGURE --out F.png|F.svg` draws
 * the figure from the server's density answers (so anyone who may view the experiment may
 * export it) and writes it. Writing a figure needs the `illustrate` right.
 */
const USAGE = 'figure add ID NAME --file FILE --x CHANNEL --y CHANNEL [--scale lin|log|asinh] [--cofactor C] | figure list ID | figure export ID FIGURE --out FILE.png|FILE.svg';

const expId = (value: unknown) => check(ExperimentId, value, 'experiment id');

export async function runFigure(ctx: Ctx): Promise<Exit> {
  const sub = ctx.args.positionals[1];
  if (sub === 'add') return add(ctx);
  if (sub === 'list') return list(ctx);
  if (sub === 'export') return exportFigure(ctx);
  throw new UsageError(`usage: ${USAGE}`);
}

async function add(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['file', 'x', 'y', 'scale', 'cofactor']);
  const [raw, name] = args(ctx, 2, 2, 'figure add ID NAME --file FILE --x CHANNEL --y CHANNEL [--scale lin|log|asinh] [--cofactor C]');
  const id = expId(raw);
  const file = flag(ctx.args, 'file');
  if (file === undefined) throw new UsageError('--file FILE is required');
  const scale = check(PlotScale, flag(ctx.args, 'scale') ?? 'lin', '--scale');
  const cofactor = flag(ctx.args, 'cofactor');
  const core = await prepare(ctx, [id]);
  // A file may be named by its name or its id; the figure keeps the name, as sample tags do.
  const files = (await core.show(id)).files;
  const fileName = files.find((f) => f.name === file)?.name ?? files.find((f) => f.id === file)?.name ?? file;
  const panel = { file: fileName, x: flag(ctx.args, 'x'), y: flag(ctx.args, 'y'), gates: 'all', scale, cofactor: cofactor === undefined ? DEFAULT_COFACTOR : Number(cofactor) };
  const figure = check(Figure, { name, columns: 1, panels: [panel] }, 'figure (--file, --x and --y are required; --cofactor is a positive number)');
  const made = await core.addFigure(id, figure);
  return deliver(ctx, core, made.draft, { id: made.id });
}

async function list(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  const [raw] = args(ctx, 2, 1, 'figure list ID');
  const id = expId(raw);
  const core = await prepare(ctx, [id]);
  const figures = (await core.show(id)).figures;
  const lines = figures.map((f) => `${f.id}  ${f.name}  (${f.panels.map((p) => `${p.file}: ${p.x} × ${p.y}, ${p.scale}`).join('; ')})`);
  ctx.out.result(figures, lines.length > 0 ? lines.join('\n') : 'no figures');
  return Exit.ok;
}

/** A figure named by id, or by name when exactly one figure has it. */
function findFigure(view: ExperimentView, ref: string): ExperimentView['figures'][number] {
  const byId = view.figures.find((f) => f.id === ref);
  if (byId) return byId;
  const named = view.figures.filter((f) => f.name === ref);
  if (named.length === 1) return named[0]!;
  throw new RuleRefusal(ErrorCode.UNKNOWN_FIGURE, named.length > 1 ? `several figures are named ${JSON.stringify(ref)}; give its id` : 'no such figure', ['figure']);
}

async function exportFigure(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['out']);
  const [raw, ref] = args(ctx, 2, 2, 'figure export ID FIGURE --out FILE.png|FILE.svg');
  const id = expId(raw);
  const out = flag(ctx.args, 'out');
  if (out === undefined) throw new UsageError('--out FILE.png or --out FILE.svg is required');
  const format = extname(out).toLowerCase().slice(1);
  if (format !== 'png' && format !== 'svg') throw new UsageError('--out must end in .png or .svg');
  if (ctx.offline) throw new UsageError('a figure is drawn from the server’s density plots; drop --offline');
  await checkWritableTarget(out);
  const core = await prepare(ctx, [id]);
  const view = await core.show(id);
  const figure = findFigure(view, ref as string);
  const panels = await loadFigurePanels(figure, view.files, (fileId, query) => core.density(id, fileId, query), (error) => {
    // A refusal about one panel is drawn into it; anything else ends the command.
    if (error instanceof CoreError && error.kind === 'refused') return words(error.code, error.message);
    throw error;
  });
  const scene = figureScene(figure, panels, view.gates);
  const deflate = (data: Uint8Array) => deflateSync(data);
  let bytes: Uint8Array;
  if (format === 'svg') bytes = new TextEncoder().encode(sceneToSvg(scene, deflate));
  else {
    const raster = rasterize(scene);
    bytes = encodePng(raster.width, raster.height, raster.rgba, deflate);
  }
  // Written beside the target and renamed, so a failure leaves no half file.
  const part = `${out}.part`;
  try {
    await writeFile(part, bytes);
    await rename(part, out);
  } catch (error) {
    await rm(part, { force: true });
    throw new UsageError(`cannot write ${out}: ${localReason(error)}`);
  }
  const { size } = await stat(out);
  const summary = { id: figure.id, name: figure.name, path: out, format, width: scene.width, height: scene.height, size, panels: panels.map((p) => panelSummary(p, view)) };
  ctx.out.result(summary, `saved figure "${figure.name}" (${scene.width} × ${scene.height}) to ${out}`);
  return Exit.ok;
}

/** What a panel shows, for --json: its plot, the share of events in each gate drawn, or why it is empty. */
function panelSummary({ panel, answer, note }: PanelData, view: ExperimentView) {
  const counts = new Map((answer?.gates ?? []).map((g) => [g.id, g]));
  const drawn = answer ? gateShapesFor(view.gates, answer.gates, panel.x, panel.y, panel.gates === 'all' ? undefined : panel.gates) : [];
  const gates = drawn.map((g) => ({ id: g.id, name: g.name, inside: counts.get(g.id)?.inside ?? 0, percent: g.label }));
  return { file: panel.file, x: panel.x, y: panel.y, scale: panel.scale, events: answer?.events ?? null, gates, note };
}
