import type { Gate } from '../schemas/entities.ts';
import type { Figure } from '../schemas/figures.ts';
import { ArchiveReason, refuse } from './errors.ts';
import { readFiguresEntry } from './figures-entry.ts';
import { readGatingMlWithIds, unknownGateChannels } from './gating-ml.ts';
import { ArchiveCaps, Manifest, MANIFEST_PATH, SharingRecord, type ManifestEntry } from './manifest.ts';
import type { HasherFactory } from './sha256.ts';
import { readTagsCsv, unknownTagFiles, type TagRow } from './tags-csv.ts';
import { inflateEntry, readDirectory, type ArchiveSource } from './zip-read.ts';

/**
 * Checks a whole archive before anything of it is stored: the directory (paths, duplicates,
 * overlaps), the manifest (zod), that the archive holds exactly the manifest's entries, and
 * every entry's size and SHA-256, inflated bytes counted against what the manifest declares.
 * FCS entries stream to a sink the caller gives (a temporary file in the CLI); the small
 * entries are read into memory, bounded. Any failure throws an ArchiveError.
 */
export type FcsSink = { write(chunk: Uint8Array): void | Promise<void>; close(): Promise<void> };

export type VerifiedArchive = {
  manifest: Manifest;
  tags: TagRow[];
  gates: Gate[];
  /** Each gate's id in gates.xml (null when it had none): what the figures name gates by. */
  gateIds: Array<string | null>;
  sharing: SharingRecord;
  /** The saved figures, checked against the files and gates (figures-entry.ts). */
  figures: Figure[];
};

export type VerifyOptions = {
  hasher: HasherFactory;
  /** Where an FCS entry's bytes go while they are hashed; kept only if the archive passes. */
  openFcs(entry: ManifestEntry): Promise<FcsSink>;
};

const json = (text: string, reason: ArchiveReason, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return refuse(reason, `${what} is not JSON`);
  }
};

export async function verifyArchive(src: ArchiveSource, options: VerifyOptions): Promise<VerifiedArchive> {
  const entries = (await readDirectory(src)).filter((e) => !e.directory);
  const zipped = new Map(entries.map((e) => [e.name, e]));
  const manifestEntry = zipped.get(MANIFEST_PATH) ?? refuse(ArchiveReason.missingEntry, `no ${MANIFEST_PATH}`);

  const manifestBytes: Uint8Array[] = [];
  await inflateEntry(src, manifestEntry, ArchiveCaps.manifestBytes, (c) => void manifestBytes.push(c.slice()));
  const parsed = Manifest.safeParse(json(new TextDecoder().decode(concat(manifestBytes)), ArchiveReason.manifestInvalid, 'the manifest'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    refuse(ArchiveReason.manifestInvalid, `manifest: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  const manifest = parsed.data;

  const declared = new Map(manifest.entries.map((e) => [e.path, e]));
  for (const entry of entries) {
    if (entry.name !== MANIFEST_PATH && !declared.has(entry.name)) refuse(ArchiveReason.unknownEntry, `entry ${entry.name} is not in the manifest`);
  }
  for (const entry of manifest.entries) if (!zipped.has(entry.path)) refuse(ArchiveReason.missingEntry, `the manifest lists ${entry.path}, which the archive lacks`);
  const total = manifest.entries.reduce((sum, e) => sum + e.size, 0);
  if (total > ArchiveCaps.totalInflatedBytes) refuse(ArchiveReason.tooLarge, `the entries add up to ${total} bytes`);

  const small = new Map<string, string>();
  // In the archive's own order, so a file source is read front to back.
  const ordered = manifest.entries.map((e) => ({ declared: e, zip: zipped.get(e.path)! })).sort((a, b) => a.zip.localOffset - b.zip.localOffset);
  for (const { declared: entry, zip } of ordered) {
    const hash = options.hasher();
    const kept: Uint8Array[] = [];
    const sink = entry.kind === 'fcs' ? await options.openFcs(entry) : null;
    // Figure images are for people: hashed like the rest, never read back, so never held.
    const keep = entry.kind !== 'figure-svg';
    const size = await inflateEntry(src, zip, entry.size, async (chunk) => {
      hash.update(chunk);
      if (sink) await sink.write(chunk);
      else if (keep) kept.push(chunk.slice());
    });
    await sink?.close();
    if (size !== entry.size) refuse(ArchiveReason.hashMismatch, `entry ${entry.path} is ${size} bytes; the manifest says ${entry.size}`);
    if (hash.digestHex() !== entry.sha256) refuse(ArchiveReason.hashMismatch, `entry ${entry.path} does not match its SHA-256 in the manifest`);
    if (!sink && keep) small.set(entry.path, new TextDecoder('utf-8').decode(concat(kept)));
  }

  const textOf = (kind: ManifestEntry['kind']) => {
    const entry = manifest.entries.find((e) => e.kind === kind);
    return entry ? (small.get(entry.path) ?? '') : null;
  };
  const tags = readTagsCsv(textOf('tags') ?? '');
  const { gates, ids: gateIds } = readGatingMlWithIds(textOf('gates') ?? '');
  const sharing = SharingRecord.safeParse(json(textOf('sharing') ?? '', ArchiveReason.manifestInvalid, 'sharing.json'));
  if (!sharing.success) refuse(ArchiveReason.manifestInvalid, 'sharing.json does not have the expected shape');
  const figuresText = textOf('figures');

  const missingFiles = unknownTagFiles(tags, new Set(manifest.files.map((f) => f.name)));
  if (missingFiles.length > 0) refuse(ArchiveReason.tagsInvalid, `tags name files the archive lacks: ${missingFiles.slice(0, 5).join(', ')}`);
  const missingChannels = unknownGateChannels(gates, new Set(manifest.files.flatMap((f) => f.channels)));
  if (missingChannels.length > 0) refuse(ArchiveReason.unknownChannel, `gates use channels no file has: ${missingChannels.slice(0, 5).join(', ')}`);
  const figures = figuresText === null ? [] : readFiguresEntry(json(figuresText, ArchiveReason.figuresInvalid, 'figures.json'), manifest, gateIds);
  return { manifest, tags, gates, gateIds, sharing: sharing.data, figures };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}
