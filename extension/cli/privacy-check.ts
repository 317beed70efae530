import { openAsBlob } from 'node:fs';
import { findPrivacyRisks, locateFcsData } from '../../shared/fcs/index.ts';
import { scrubbedStart } from '../../shared/fcs/privacy.ts';
import { withFileSource } from '../../sync-server/files/file-source.ts';
import { UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { Exit } from './output.ts';

/** TEXT segments larger than this are not real metadata; the server refuses them too. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export type UploadFile = { body: Blob; scrubbed: string[] };

/** A Blob over the file on disk: read as the request sends it, never held whole. */
export async function fileOnDisk(path: string): Promise<UploadFile> {
  try {
    return { body: await openAsBlob(path), scrubbed: [] };
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
}

function located(path: string) {
  let found;
  try {
    found = withFileSource(path, (source) => locateFcsData(source, { maxTextBytes: MAX_TEXT_BYTES }));
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  if (!found.ok) throw new UsageError(`${path} is not a readable FCS file: ${found.error.message}`);
  return found;
}

/** `file add EXP PATH --check`: the keywords that may identify a person or place; nothing uploaded. */
export function printPrivacyCheck(ctx: Ctx, path: string): Exit {
  const findings = findPrivacyRisks(located(path).file.keywords);
  const text = findings.length === 0
    ? `${path}: no keyword that may identify a person or place`
    : [`${path}: ${findings.length} keyword(s) may identify a person or place; nothing was uploaded`,
       ...findings.map((f) => `  ${f.keyword} = ${JSON.stringify(f.value)}: ${f.why}`),
       `upload without them: file add EXP PATH --scrub ${findings.map((f) => f.keyword).join(',')}`].join('\n');
  ctx.out.result({ path, findings }, text);
  return Exit.ok;
}

/**
 * `--scrub KEY,KEY`: a new HEADER and TEXT without those keywords, followed by the original
 * DATA bytes as a lazy slice of the file on disk, so the events upload byte for byte unchanged
 * and the file is never in memory.
 */
export async function scrubbedCopy(path: string, keys: string): Promise<UploadFile> {
  const remove = keys.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (remove.length === 0) throw new UsageError('--scrub needs KEY,KEY…');
  const { file, data } = located(path);
  const start = scrubbedStart(file, data, remove);
  if (!start.ok) throw new UsageError(`--scrub ${start.keyword}: ${start.message}`);
  const original = await fileOnDisk(path);
  return { body: new Blob([start.head, original.body.slice(start.dataFrom, start.dataTo)]), scrubbed: remove.map((k) => k.toUpperCase()) };
}
