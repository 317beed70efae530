import { z } from 'zod';
import { ExperimentId, ExperimentName, Username } from '../schemas/entities.ts';
import { FileName } from '../schemas/files.ts';
import { isSafeArchivePath } from './paths.ts';

/**
 * `manifest.json`, the table of contents of an experiment archive: every other entry with its
 * SHA-256 and size (the importer checks each before storing anything), and where the
 * experiment came from. The manifest cannot hash itself; everything else is covered.
 */
export const ARCHIVE_FORMAT = 'cytoshare-experiment';
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST_PATH = 'manifest.json';
export const TAGS_PATH = 'tags.csv';
export const GATES_PATH = 'gates.xml';
export const SHARING_PATH = 'sharing.json';
/** Saved figures (plot grids), their gate references rewritten to gates.xml's ids. */
export const FIGURES_PATH = 'figures.json';
/** Each figure drawn as SVG, for people without Cytoshare; checked on import, never read back. */
export const figureSvgPath = (i: number): string => `figures/figure-${i + 1}.svg`;
/** Figures an archive may carry: far above what an experiment keeps in practice. */
export const FIGURES_MAX = 500;

/** Absolute bounds, whatever a manifest declares. */
export const ArchiveCaps = {
  manifestBytes: 1024 * 1024,
  /** tags.csv, gates.xml, sharing.json, figures.json (read into memory) and figure SVGs: bounded small. */
  metadataEntryBytes: 16 * 1024 * 1024,
  /** The server's own upload bound. */
  fcsEntryBytes: 8 * 1024 * 1024 * 1024,
  /** fflate writes no ZIP64, so an archive and every offset in it stays under 4 GiB. */
  archiveBytes: 2 ** 32 - 1,
  totalInflatedBytes: 2 ** 32 - 1,
  entries: 2_000,
  /** Central directory read into memory. */
  directoryBytes: 4 * 1024 * 1024,
} as const;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex');
const EntryPath = z.string().refine(isSafeArchivePath, 'an unsafe entry path');
export const EntryKind = z.enum(['fcs', 'tags', 'gates', 'sharing', 'figures', 'figure-svg']);
export type EntryKind = z.infer<typeof EntryKind>;

export const ManifestEntry = z.strictObject({
  path: EntryPath,
  kind: EntryKind,
  size: z.number().int().nonnegative().max(ArchiveCaps.fcsEntryBytes),
  sha256: Sha256,
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const ManifestFile = z.strictObject({
  path: EntryPath,
  name: FileName,
  events: z.number().int().nonnegative(),
  channels: z.array(z.string().max(1000)).max(10_000),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

export const Manifest = z
  .strictObject({
    format: z.literal(ARCHIVE_FORMAT),
    formatVersion: z.literal(ARCHIVE_FORMAT_VERSION),
    appVersion: z.string().min(1).max(64),
    exportedAt: z.iso.datetime(),
    source: z.strictObject({ server: z.string().max(2048), experimentId: ExperimentId, exportedBy: Username }),
    experiment: z.strictObject({ name: ExperimentName, purpose: z.string().max(5000) }),
    entries: z.array(ManifestEntry).max(ArchiveCaps.entries),
    files: z.array(ManifestFile).max(ArchiveCaps.entries),
    /** The saved figures entry, when the experiment had any (see FIGURES_PATH). */
    figures: z.strictObject({ path: z.literal(FIGURES_PATH), count: z.number().int().nonnegative().max(FIGURES_MAX) }).optional(),
  })
  .superRefine((m, ctx) => {
    const paths = new Set<string>();
    for (const e of m.entries) {
      if (e.path === MANIFEST_PATH || paths.has(e.path)) ctx.addIssue({ code: 'custom', message: `entry ${e.path} listed twice or names the manifest` });
      paths.add(e.path);
    }
    const names = new Set<string>();
    for (const f of m.files) {
      const entry = m.entries.find((e) => e.path === f.path);
      if (!entry || entry.kind !== 'fcs') ctx.addIssue({ code: 'custom', message: `file ${f.name} has no fcs entry` });
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', message: `file name ${f.name} listed twice` });
      names.add(f.name);
    }
    if (m.entries.filter((e) => e.kind === 'fcs').length !== m.files.length) ctx.addIssue({ code: 'custom', message: 'an fcs entry is not a listed file' });
    for (const kind of ['tags', 'gates', 'sharing'] as const) {
      if (m.entries.filter((e) => e.kind === kind).length !== 1) ctx.addIssue({ code: 'custom', message: `exactly one ${kind} entry is required` });
    }
    for (const e of m.entries) {
      if (e.kind !== 'fcs' && e.size > ArchiveCaps.metadataEntryBytes) ctx.addIssue({ code: 'custom', message: `entry ${e.path} is larger than metadata may be` });
    }
    if (m.figures && !m.entries.some((e) => e.kind === 'figures' && e.path === FIGURES_PATH)) ctx.addIssue({ code: 'custom', message: 'figures listed without their entry' });
    if (!m.figures && m.entries.some((e) => e.kind === 'figures')) ctx.addIssue({ code: 'custom', message: 'a figures entry the manifest does not declare' });
    if (m.entries.filter((e) => e.kind === 'figures').length > 1) ctx.addIssue({ code: 'custom', message: 'more than one figures entry' });
    if (m.entries.filter((e) => e.kind === 'figure-svg').length > (m.figures?.count ?? 0)) ctx.addIssue({ code: 'custom', message: 'more figure images than figures' });
  });
export type Manifest = z.infer<typeof Manifest>;

/** Who had the experiment: informational, never applied on import. */
export const SharingRecord = z.strictObject({
  owner: Username,
  access: z
    .array(z.strictObject({ user: Username, via: z.string().max(32), role: z.string().max(32).optional(), until: z.number().int().optional(), group: z.string().max(200).optional() }))
    .max(100_000),
  public: z.boolean(),
  curated: z.boolean(),
  projectId: z.string().max(64).nullable(),
});
export type SharingRecord = z.infer<typeof SharingRecord>;

type AccessShown = { user: string; via: string; role?: string | undefined; until?: number | undefined; group?: string | undefined };

/**
 * The record of who had an experiment, from what a client shows of it: who, how, with which role
 * and until when; nothing a client adds for its own screens (why lines, rights) goes in.
 */
export function sharingRecordOf(view: { owner: string; access: readonly AccessShown[]; public: boolean; curated: boolean; projectId: string | null }): SharingRecord {
  const access = view.access.map(({ user, via, role, until, group }) => ({
    user,
    via,
    ...(role !== undefined ? { role } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(group !== undefined ? { group } : {}),
  }));
  return { owner: view.owner, access, public: view.public, curated: view.curated, projectId: view.projectId };
}
