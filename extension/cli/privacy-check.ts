import { openAsBlob } from 'node:fs';
import { blobPrivacy, type BlobPrivacy } from '../../shared/fcs/index.ts';
import { UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { Exit } from './output.ts';

export type UploadFile = { body: Blob; scrubbed: string[] };

/** A Blob over the file on disk: read as the request sends it, never held whole. */
export async function fileOnDisk(path: string): Promise<UploadFile> {
  try {
    return { body: await openAsBlob(path), scrubbed: [] };
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
}

async function checked(path: string): Promise<{ file: UploadFile; privacy: BlobPrivacy }> {
  const file = await fileOnDisk(path);
  const privacy = await blobPrivacy(file.body).catch(() => null);
  if (privacy === null) throw new UsageError(`cannot read ${path}`);
  if (!privacy.ok) throw new UsageError(`${path} is not a readable FCS file: ${privacy.error.message}`);
  return { file, privacy };
}

/** `file add EXP PATH --check`: the keywords that may identify a person or place; nothing uploaded. */
export async function printPrivacyCheck(ctx: Ctx, path: string): Promise<Exit> {
  const { findings } = (await checked(path)).privacy;
  const text = findings.length === 0
    ? `${path}: no keyword that may identify a person or place`
    : [`${path}: ${findings.length} keyword(s) may identify a person or place; nothing was uploaded`,
       ...findings.map((f) => `  ${f.keyword} = ${JSON.stringify(f.value)}: ${f.why}`),
       `upload without them: file add EXP PATH --scrub ${findings.map((f) => f.keyword).join(',')}`].join('\n');
  ctx.out.result({ path, findings }, text);
  return Exit.ok;
}

/**
 * `--scrub KEY,KEY`: a new HEADER and TEXT without those keywords, then the original DATA
 * bytes as a lazy slice of the file on disk: the events upload byte for byte unchanged.
 */
export async function scrubbedCopy(path: string, keys: string): Promise<UploadFile> {
  const remove = keys.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (remove.length === 0) throw new UsageError('--scrub needs KEY,KEY…');
  const copy = (await checked(path)).privacy.scrub(remove);
  if (!copy.ok) throw new UsageError(`--scrub ${copy.keyword}: ${copy.message}`);
  return { body: copy.blob, scrubbed: remove.map((k) => k.toUpperCase()) };
}
