import { createWriteStream } from 'node:fs';
import { madeIdOf } from '../../shared/actions/intent-table.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ExperimentId, GateId } from '../../shared/schemas/entities.ts';
import { FileName } from '../../shared/schemas/files.ts';
import { unreachable } from '../core/errors.ts';
import { flag, has, onlyFlags, UsageError } from './args.ts';
import { fileOnDisk, printPrivacyCheck, scrubbedCopy } from './privacy-check.ts';
import type { Ctx } from './context.ts';
import { deliver, prepare } from './deliver.ts';
import { Exit } from './output.ts';

/**
 * `file add EXP PATH [--check | --scrub KEY,KEY]` → {fileId, events, channels}; `file get EXP FILE
 * --out PATH`; `gate export EXP GATE` → {id}. Files need the server: there is no offline upload.
 * `--check` lists the keywords that may identify a person and uploads nothing; `--scrub` uploads
 * a copy without the named keywords (see privacy-check.ts).
 */
export async function runFile(ctx: Ctx): Promise<Exit> {
  const [, sub, exp, second, ...rest] = ctx.args.positionals;
  if (rest.length > 0 || exp === undefined || second === undefined) throw new UsageError('usage: file add EXP PATH | file get EXP FILE --out PATH');
  const expId = ExperimentId.safeParse(exp);
  if (!expId.success) throw new UsageError('bad experiment id');
  if (sub === 'add' && has(ctx.args, 'check')) {
    onlyFlags(ctx.args, ['check']);
    return await printPrivacyCheck(ctx, second);
  }
  if (ctx.offline) throw new UsageError('files travel only online; drop --offline');
  const core = await ctx.core();
  core.requireSession();
  if (sub === 'add') {
    onlyFlags(ctx.args, ['scrub']);
    const name = FileName.safeParse(basename(second));
    if (!name.success) throw new UsageError('bad file name');
    const scrub = flag(ctx.args, 'scrub');
    const file = scrub === undefined ? await fileOnDisk(second) : await scrubbedCopy(second, scrub);
    const uploaded = await core.uploadFile(expId.data, name.data, file.body);
    const result = file.scrubbed.length > 0 ? { ...uploaded, scrubbed: file.scrubbed } : uploaded;
    const note = file.scrubbed.length > 0 ? ` (without ${file.scrubbed.join(', ')})` : '';
    ctx.out.result(result, `${uploaded.fileId}  ${uploaded.name}: ${uploaded.events} events, ${uploaded.channels.length} channels${note}`);
    return Exit.ok;
  }
  if (sub === 'get') {
    onlyFlags(ctx.args, ['out']);
    const out = flag(ctx.args, 'out');
    if (out === undefined) throw new UsageError('--out PATH is required');
    // A local problem with the target is told before anything is downloaded, as a usage error.
    await checkWritableTarget(out);
    const body = await core.downloadFileStream(expId.data, second);
    // Streamed beside the target and renamed, so an interrupted download leaves no half file.
    const part = `${out}.part`;
    try {
      await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), createWriteStream(part));
    } catch {
      await rm(part, { force: true });
      throw unreachable();
    }
    try {
      await rename(part, out);
    } catch (error) {
      await rm(part, { force: true });
      throw new UsageError(`cannot write ${out}: ${localReason(error)}`);
    }
    const { size } = await stat(out);
    ctx.out.result({ fileId: second, path: out, size }, `saved ${size} bytes to ${out}`);
    return Exit.ok;
  }
  throw new UsageError('usage: file add EXP PATH | file get EXP FILE --out PATH');
}

/** Refuses an --out path whose folder is missing or not a folder, or that names a folder. */
export async function checkWritableTarget(out: string): Promise<void> {
  const folder = dirname(resolve(out));
  const info = await stat(folder).catch(() => null);
  if (info === null) throw new UsageError(`cannot write ${out}: the folder ${folder} does not exist`);
  if (!info.isDirectory()) throw new UsageError(`cannot write ${out}: ${folder} is not a folder`);
  if ((await stat(out).catch(() => null))?.isDirectory()) throw new UsageError(`cannot write ${out}: it is a folder; name a file`);
}

export function localReason(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'ENOENT') return 'the folder does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'the disk is full';
  if (code === 'EISDIR') return 'it is a folder';
  return 'the file could not be written';
}

export async function runGateExport(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  const [, , exp, gate, ...rest] = ctx.args.positionals;
  const expId = ExperimentId.safeParse(exp);
  const gateId = GateId.safeParse(gate);
  if (rest.length > 0 || !expId.success || !gateId.success) throw new UsageError('usage: gate export EXP GATE');
  const core = await prepare(ctx, [expId.data]);
  const draft = await core.intent(IntentType.exportGate, { experimentId: expId.data, gateId: gateId.data });
  const id = madeIdOf(draft.intent) ?? '';
  const status = await deliver(ctx, core, draft, { id });
  if (status === Exit.ok && !ctx.offline) await core.refresh([id]).catch(() => undefined);
  return status;
}
