import { open, rename, rm } from 'node:fs/promises';
import { ArchiveError, ExportFailure, figuresForArchive, sharingRecordOf, streamChunks, writeArchive, type ExportFile } from '../../shared/archive/index.ts';
import { figureSvg } from '../../shared/plot/figure-svg.ts';
import { ErrorCode } from '../../shared/codes.ts';
import { docName, readFiles } from '../../shared/doc-layout.ts';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { RuleRefusal } from '../core/contract.ts';
import { CoreError, unreachable } from '../core/errors.ts';
import { flag, onlyFlags, UsageError } from './args.ts';
import { appVersion, fileWriter, nodeHasher } from './archive-node.ts';
import { importArchive } from './archive-import.ts';
import { checkWritableTarget, localReason } from './cmd-files.ts';
import type { Ctx } from './context.ts';
import { prepare } from './deliver.ts';
import { Exit, words } from './output.ts';

/**
 * `export ID --out FILE.zip` writes one archive of the experiment (see shared/archive/);
 * `import FILE.zip` checks all of an archive and only then recreates the experiment as a new,
 * private one of the importing account. A damaged or hostile archive is refused
 * ARCHIVE_INVALID (exit 3) with a stable reason, and nothing is stored.
 */
export async function runArchive(ctx: Ctx): Promise<Exit> {
  const [command, target, ...rest] = ctx.args.positionals;
  if (ctx.offline) throw new UsageError('archives travel only online; drop --offline');
  try {
    if (command === 'export') {
      onlyFlags(ctx.args, ['out']);
      const expId = ExperimentId.safeParse(target);
      const out = flag(ctx.args, 'out');
      if (rest.length > 0 || !expId.success || out === undefined) throw new UsageError('usage: export ID --out FILE.zip');
      return await exportExperiment(ctx, expId.data, out);
    }
    onlyFlags(ctx.args, []);
    if (rest.length > 0 || target === undefined) throw new UsageError('usage: import FILE.zip');
    const imported = await importArchive(ctx, target);
    const human = `${imported.id}  ${imported.name}: ${imported.files} file(s), ${imported.tags} tag(s), ${imported.gates} gate(s), ${imported.figures} figure(s), from ${imported.origin.server}`;
    ctx.out.result(imported, human);
    return Exit.ok;
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    // The reason is part of the answer: scripts tell a bad hash from a hostile path by it.
    process.stderr.write(`error ${ErrorCode.ARCHIVE_INVALID}: ${words(ErrorCode.ARCHIVE_INVALID, '')} (${error.reason}: ${error.message})\n`);
    if (ctx.out.json) process.stdout.write(`${JSON.stringify({ error: { code: ErrorCode.ARCHIVE_INVALID, reason: error.reason, message: error.message } })}\n`);
    return Exit.refused;
  }
}

async function exportExperiment(ctx: Ctx, experimentId: string, out: string): Promise<Exit> {
  await checkWritableTarget(out);
  const core = await prepare(ctx, [experimentId]);
  const view = await core.show(experimentId);
  if (!view.can.download) throw new RuleRefusal(ErrorCode.DOWNLOAD_NOT_ALLOWED, 'the files of this experiment may not be downloaded', ['experimentId']);
  const doc = await core.store.openDoc(docName.experiment(experimentId));
  const files: ExportFile[] = readFiles(doc).map((f) => ({
    name: f.name,
    events: f.events,
    channels: f.channels.map((c) => c.name),
    size: f.size,
    sha256: f.sha256,
    open: async () => streamChunks(await core.downloadFileStream(experimentId, f.id)),
  }));
  // Written beside the target and renamed, so an interrupted export leaves no half archive.
  const part = `${out}.part`;
  const handle = await open(part, 'w').catch((error: unknown) => {
    throw new UsageError(`cannot write ${out}: ${localReason(error)}`);
  });
  let manifest;
  try {
    manifest = await writeArchive(
      {
        appVersion: appVersion(),
        server: core.server,
        exportedBy: core.requireSession().username,
        experimentId,
        name: view.name,
        purpose: view.purpose,
        files,
        tags: view.tags,
        gates: view.gates.map(({ id: _id, ...gate }) => gate),
        sharing: sharingRecordOf(view),
        figures: figuresForArchive(view.figures, view.gates),
        figureSvg: (i) => figureSvg(view.figures[i]!, view, (fileId, query) => core.density(experimentId, fileId, query), (error) => {
          // A panel the server will not draw says why inside the image; anything else ends the export.
          if (error instanceof CoreError && error.kind === 'refused') return words(error.code, error.message);
          throw error;
        }),
      },
      fileWriter(handle),
      nodeHasher,
    );
    await handle.close();
    await rename(part, out);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(part, { force: true });
    if (error instanceof ExportFailure) throw new UsageError(`cannot export: ${error.message}`);
    if (error instanceof CoreError || error instanceof RuleRefusal || error instanceof UsageError) throw error;
    if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E')) {
      throw new UsageError(`cannot write ${out}: ${localReason(error)}`);
    }
    throw unreachable();
  }
  const size = manifest.entries.reduce((n, e) => n + e.size, 0);
  ctx.out.result(
    { id: experimentId, path: out, files: manifest.files.length, tags: view.tags.length, gates: view.gates.length, figures: manifest.figures?.count ?? 0, bytes: size },
    `exported ${view.name} (${manifest.files.length} file(s), ${view.tags.length} tag(s), ${view.gates.length} gate(s), ${manifest.figures?.count ?? 0} figure(s)) to ${out}`,
  );
  return Exit.ok;
}
