import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { Gate } from '../schemas/entities.ts';
import type { Figure } from '../schemas/figures.ts';
import { writeGatingMl } from './gating-ml.ts';
import {
  ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, ArchiveCaps, FIGURES_PATH, figureSvgPath, GATES_PATH, Manifest, MANIFEST_PATH, SHARING_PATH, TAGS_PATH,
  type ManifestEntry, type ManifestFile, type SharingRecord,
} from './manifest.ts';
import { fcsEntryPath, foldPath } from './paths.ts';
import type { HasherFactory } from './sha256.ts';
import { writeTagsCsv, type TagRow } from './tags-csv.ts';

/**
 * Writes an experiment archive as a stream of ZIP bytes, with fflate's streaming Zip: the FCS
 * files one after the other as they arrive, then tags.csv, gates.xml, sharing.json (and
 * figures.json and each figure as SVG when there are figures), then manifest.json with every
 * entry's SHA-256.
 *
 * FCS entries are *stored*, not deflated: list-mode data is mostly float or integer noise
 * that deflate shrinks by a few percent, while deflating in JavaScript would hold export to
 * one core's tens of MB/s; stored, export runs at network and disk speed, and an importer's
 * size bound is exact (inflated bytes equal the stored ones). The small text entries are
 * deflated. `write` is awaited after every piece, so a slow disk slows the download instead
 * of filling memory.
 */
export type ExportFile = {
  name: string;
  events: number;
  channels: string[];
  size: number;
  /** The server's SHA-256 of the file, checked against the bytes that arrive. */
  sha256?: string;
  open(): Promise<AsyncIterable<Uint8Array>>;
};

export type ExportInput = {
  appVersion: string;
  server: string;
  exportedBy: string;
  experimentId: string;
  name: string;
  purpose: string;
  files: ExportFile[];
  tags: TagRow[];
  gates: Gate[];
  sharing: SharingRecord;
  /** The saved figures as figures-entry.ts's `figuresForArchive` makes them. */
  figures?: Figure[];
  /** The i-th figure drawn as SVG, or null when it cannot be drawn (it then travels without). */
  figureSvg?: (i: number) => Promise<string | null>;
  now?: Date;
};

export class ExportFailure extends Error {}

/** Bytes an experiment's archive needs beyond its files: headers, metadata, directory. */
export const ARCHIVE_OVERHEAD_BYTES = 64 * 1024 * 1024;

export async function writeArchive(input: ExportInput, write: (chunk: Uint8Array) => Promise<void>, hasher: HasherFactory): Promise<Manifest> {
  const payload = input.files.reduce((n, f) => n + f.size, 0);
  if (payload + ARCHIVE_OVERHEAD_BYTES > ArchiveCaps.archiveBytes) throw new ExportFailure(`the files add up to ${payload} bytes; an archive holds at most ${ArchiveCaps.archiveBytes - ARCHIVE_OVERHEAD_BYTES}`);
  const pending: Uint8Array[] = [];
  let zipError: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) zipError = error;
    else pending.push(chunk);
  });
  const flush = async () => {
    if (zipError) throw zipError;
    for (const chunk of pending.splice(0)) await write(chunk);
  };
  const entries: ManifestEntry[] = [];
  const files: ManifestFile[] = [];
  const mtime = input.now ?? new Date();

  const taken = new Set<string>();
  for (const file of input.files) {
    const path = fcsEntryPath(file.name, taken);
    taken.add(foldPath(path));
    const entry = new ZipPassThrough(path);
    entry.mtime = mtime;
    zip.add(entry);
    const hash = hasher();
    let size = 0;
    for await (const chunk of await file.open()) {
      hash.update(chunk);
      size += chunk.length;
      entry.push(chunk);
      await flush();
    }
    entry.push(new Uint8Array(0), true);
    await flush();
    const sha256 = hash.digestHex();
    if (size !== file.size || (file.sha256 !== undefined && file.sha256 !== sha256)) throw new ExportFailure(`${file.name} arrived with other bytes than the server recorded`);
    entries.push({ path, kind: 'fcs', size, sha256 });
    files.push({ path, name: file.name, events: file.events, channels: file.channels });
  }

  const text = async (path: string, kind: ManifestEntry['kind'], body: string) => {
    const bytes = new TextEncoder().encode(body);
    // An image too large to be metadata is left out rather than failing the whole export.
    if (kind === 'figure-svg' && bytes.length > ArchiveCaps.metadataEntryBytes) return;
    const entry = new ZipDeflate(path, { level: 6 });
    entry.mtime = mtime;
    zip.add(entry);
    entry.push(bytes, true);
    await flush();
    const hash = hasher();
    hash.update(bytes);
    if (kind !== null) entries.push({ path, kind, size: bytes.length, sha256: hash.digestHex() });
  };
  await text(TAGS_PATH, 'tags', writeTagsCsv(input.tags));
  await text(GATES_PATH, 'gates', writeGatingMl(input.gates));
  await text(SHARING_PATH, 'sharing', `${JSON.stringify(input.sharing, null, 2)}\n`);
  const figures = input.figures && input.figures.length > 0 ? input.figures : null;
  if (figures) {
    await text(FIGURES_PATH, 'figures', `${JSON.stringify(figures, null, 2)}\n`);
    for (let i = 0; i < figures.length && input.figureSvg; i++) {
      const svg = await input.figureSvg(i);
      if (svg !== null) await text(figureSvgPath(i), 'figure-svg', svg);
    }
  }

  const checked = Manifest.safeParse({
    format: ARCHIVE_FORMAT,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    appVersion: input.appVersion,
    exportedAt: mtime.toISOString(),
    source: { server: input.server, experimentId: input.experimentId, exportedBy: input.exportedBy },
    experiment: { name: input.name, purpose: input.purpose },
    entries,
    files,
    ...(figures ? { figures: { path: FIGURES_PATH, count: figures.length } } : {}),
  });
  if (!checked.success) throw new ExportFailure(`the experiment does not fit the archive format: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  const manifest = checked.data;
  const entry = new ZipDeflate(MANIFEST_PATH, { level: 6 });
  entry.mtime = mtime;
  zip.add(entry);
  entry.push(new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`), true);
  zip.end();
  await flush();
  return manifest;
}

/** A web ReadableStream's chunks as an async iterable (not every typing of it has one). */
export async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    // Abandoned early (a failed export): stop the download rather than leave it running.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
