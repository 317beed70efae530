/**
 * Experiment archives (`cytoshare export` / `import`, and the manager page's buttons): one
 * ZIP of the FCS files, manifest.json, tags.csv, gates.xml (Gating-ML 2.0), sharing.json and,
 * when there are any, figures.json with each figure as SVG.
 * Pure and platform-neutral: the CLI and the browser give the byte sources, sinks and hasher.
 */
export { ArchiveError, ArchiveReason } from './errors.ts';
export { ArchiveCaps, Manifest, ManifestEntry, SharingRecord, sharingRecordOf, MANIFEST_PATH, FIGURES_PATH, type ManifestFile } from './manifest.ts';
export { canonicalJson, FiguresEntry, figuresForArchive, figuresForImport, readFiguresEntry, storedGateIds } from './figures-entry.ts';
export { readGatingMl, writeGatingMl, unknownGateChannels, GATING_NS, DATATYPE_NS } from './gating-ml.ts';
export { readTagsCsv, writeTagsCsv, type TagRow } from './tags-csv.ts';
export { checkArchivePath, isSafeArchivePath, unsafePathReason } from './paths.ts';
export { sha256Hasher, type Hasher, type HasherFactory } from './sha256.ts';
export { readDirectory, inflateEntry, type ArchiveSource, type ZipEntry } from './zip-read.ts';
export { verifyArchive, type FcsSink, type VerifiedArchive, type VerifyOptions } from './read-archive.ts';
export { writeArchive, streamChunks, ExportFailure, type ExportFile, type ExportInput } from './write-archive.ts';
export { originNote, purposeWithOrigin } from './origin.ts';
