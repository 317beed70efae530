import { openAsBlob } from 'node:fs';
import { IntentType } from '../../shared/schemas/intents.ts';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveReason, figuresForImport, purposeWithOrigin, verifyArchive, type VerifiedArchive } from '../../shared/archive/index.ts';
import { ArchiveError } from '../../shared/archive/errors.ts';
import { locateFcsData } from '../../shared/fcs/index.ts';
import { withFileSource } from '../../sync-server/files/file-source.ts';
import { RuleRefusal, type Draft } from '../core/contract.ts';
import type { CytoshareCore } from '../core/core.ts';
import { unreachable } from '../core/errors.ts';
import { UsageError } from './args.ts';
import { fileArchiveSource, fileSink, nodeHasher } from './archive-node.ts';
import type { Ctx } from './context.ts';
import { prepare } from './deliver.ts';

/**
 * `import FILE.zip`, in two phases. First the whole archive is checked with nothing sent: every
 * entry's size and SHA-256 (FCS entries stream into a private temporary folder while they are
 * hashed, so memory does not grow with them), the manifest, tags and Gating-ML, and each FCS
 * file's channels read back from its TEXT. Only then is the experiment created (new id,
 * private, owned by the importer), the files uploaded from disk, and purpose (with the origin),
 * tags and gates written, then the figures (naming the new gates). Should the server refuse a step after the experiment exists, the
 * new experiment is moved to the trash and deleted, so a failed import leaves nothing behind.
 */
export type ImportResult = {
  id: string;
  name: string;
  files: number;
  tags: number;
  gates: number;
  figures: number;
  origin: { server: string; experimentId: string; exportedBy: string; exportedAt: string; appVersion: string };
};

const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export async function importArchive(ctx: Ctx, path: string): Promise<ImportResult> {
  const core = await ctx.core();
  core.requireSession();
  const handle = await open(path, 'r').catch(() => {
    throw new UsageError(`cannot read ${path}`);
  });
  const temp = await mkdtemp(join(tmpdir(), 'cytoshare-import-'));
  try {
    if (!(await handle.stat()).isFile()) throw new UsageError(`cannot read ${path}: not a file`);
    const stored = new Map<string, string>();
    const verified = await verifyArchive(await fileArchiveSource(handle).catch(() => {
      throw new UsageError(`cannot read ${path}`);
    }), {
      hasher: nodeHasher,
      openFcs: async (entry) => {
        const file = join(temp, `${stored.size + 1}.fcs`);
        stored.set(entry.path, file);
        return fileSink(file);
      },
    });
    checkFcsChannels(verified, stored);
    return await recreate(ctx, verified, stored);
  } finally {
    await handle.close().catch(() => undefined);
    await rm(temp, { recursive: true, force: true });
  }
}

/** Each FCS file must be readable and have the channels the manifest (and so the gates) name. */
function checkFcsChannels(verified: VerifiedArchive, stored: Map<string, string>): void {
  for (const file of verified.manifest.files) {
    const found = withFileSource(stored.get(file.path)!, (source) => locateFcsData(source, { maxTextBytes: MAX_TEXT_BYTES }));
    if (!found.ok) throw new ArchiveError(ArchiveReason.fcsInvalid, `${file.name} is not a readable FCS file: ${found.error.message}`);
    const actual = found.file.channels.map((c) => c.name);
    if (actual.join('\u0000') !== file.channels.join('\u0000')) {
      throw new ArchiveError(ArchiveReason.unknownChannel, `${file.name} has channels ${actual.slice(0, 8).join(', ')}, not the ones the manifest lists`);
    }
  }
}

async function recreate(ctx: Ctx, verified: VerifiedArchive, stored: Map<string, string>): Promise<ImportResult> {
  const { manifest } = verified;
  const core = await prepare(ctx, []);
  const made = await core.create(manifest.experiment.name);
  await settle(core, [made.draft]);
  const id = made.id;
  try {
    await core.refresh([id], false);
    for (const file of manifest.files) await core.uploadFile(id, file.name, await openAsBlob(stored.get(file.path)!));
    // The replica learns of the files before tags and gates refer to them (the rules check).
    await core.refresh([id], false);
    const drafts: Draft[] = [await core.setPurpose(id, purposeWithOrigin(manifest))];
    for (const tag of verified.tags) drafts.push(await core.setTag(id, tag.file, tag.dimension, tag.value));
    const newGateIds: string[] = [];
    for (const gate of verified.gates) {
      const added = await core.addGate(id, gate);
      newGateIds.push(added.id);
      drafts.push(added.draft);
    }
    for (const figure of figuresForImport(verified.figures, verified.gateIds, newGateIds)) drafts.push((await core.addFigure(id, figure)).draft);
    await settle(core, drafts);
  } catch (error) {
    await discard(core, id);
    throw error;
  }
  const { source, exportedAt, appVersion } = manifest;
  return {
    id,
    name: manifest.experiment.name,
    files: manifest.files.length,
    tags: verified.tags.length,
    gates: verified.gates.length,
    figures: verified.figures.length,
    origin: { server: source.server, experimentId: source.experimentId, exportedBy: source.exportedBy, exportedAt, appVersion },
  };
}

/** Syncs, then throws for the first of `drafts` the server refused or could not be told of. */
async function settle(core: CytoshareCore, drafts: Draft[]): Promise<void> {
  await core.sync();
  const now = new Map((await core.drafts()).map((d) => [d.id, d]));
  for (const draft of drafts) {
    const final = now.get(draft.id) ?? draft;
    if (final.state === 'rejected') throw new RuleRefusal(final.code ?? 'REFUSED', final.message ?? 'refused');
    if (final.state === 'pending') throw unreachable();
  }
}

async function discard(core: CytoshareCore, id: string): Promise<void> {
  try {
    await core.intent(IntentType.trash, { experimentId: id });
    await core.sync();
    await core.intent(IntentType.delete, { experimentId: id });
    await core.sync();
  } catch {
    // Best effort: the experiment stays in the importer's trash, where they can delete it.
  }
}
