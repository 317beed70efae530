import * as Y from 'yjs';
import { z } from 'zod';
import { CatalogEntry, IndexEntry } from './schemas/index-entry.ts';
import { ConnectionEntry, WaitingShareEntry } from './schemas/connection-entry.ts';
import { ProjectId, ProjectPolicy, ProjectRoleSchema, ProjectState } from './schemas/project.ts';
import { Dimension, ExperimentId, ExperimentName, FileName, Gate, SharingState, TagValue, Username } from './schemas/entities.ts';
import { Figure } from './schemas/figures.ts';

/**
 * The layout of every Yjs document the system syncs.
 *
 * Experiment document `exp-<id>`:
 *   sharing  (server-owned)  owner, grants, public, curated, parentId, clonedFrom, projectId, trashed
 *   files    (server-owned)  fileId → file record (uploads arrive with the FCS issue)
 *   meta     (content)       name, purpose
 *   tags     (content)       tagKey(file, dimension) → value
 *   gates    (content)       gateId → Gate, or null once removed
 *   figures  (illustrations) figureId → Figure, or null once removed (written with the
 *                            `illustrate` capability rather than `edit`)
 * Index document `idx-<username>` (server-owned): experiments: id → IndexEntry
 * Public catalog `catalog` (server-owned): experiments: id → CatalogEntry
 * Connections `conn-<username>` (server-owned): connections: username (or `email:<addr>` for a
 *   request to an address with no account) → ConnectionEntry
 * Project `proj-<id>` (server-owned, read by members): project: id, name, members, policy
 * The index document also holds projects: id → { id, name, role } for the user's projects.
 *
 * Every content value is a plain JSON value in a root map, never a nested Y type: a refused
 * write can then always be undone by writing the previous value back under the same key.
 */
export const DocKind = { experiment: 'experiment', index: 'index', catalog: 'catalog', connections: 'connections', project: 'project' } as const;
export type DocKind = (typeof DocKind)[keyof typeof DocKind];

export type DocRef =
  | { kind: typeof DocKind.experiment; experimentId: string }
  | { kind: typeof DocKind.index; username: string }
  | { kind: typeof DocKind.catalog }
  | { kind: typeof DocKind.connections; username: string }
  | { kind: typeof DocKind.project; projectId: string };

export const docName = {
  experiment: (id: string) => `exp-${id}`,
  index: (username: string) => `idx-${username}`,
  catalog: 'catalog',
  connections: (username: string) => `conn-${username}`,
  project: (id: string) => `proj-${id}`,
} as const;

export function parseDocName(name: string): DocRef | null {
  if (name === docName.catalog) return { kind: DocKind.catalog };
  if (name.startsWith('exp-')) {
    const id = ExperimentId.safeParse(name.slice(4));
    return id.success ? { kind: DocKind.experiment, experimentId: id.data } : null;
  }
  if (name.startsWith('proj-')) {
    const id = ProjectId.safeParse(name.slice(5));
    return id.success ? { kind: DocKind.project, projectId: id.data } : null;
  }
  if (name.startsWith('idx-') || name.startsWith('conn-')) {
    const index = name.startsWith('idx-');
    const user = Username.safeParse(name.slice(index ? 4 : 5));
    if (!user.success) return null;
    return index ? { kind: DocKind.index, username: user.data } : { kind: DocKind.connections, username: user.data };
  }
  return null;
}

export const ExperimentRoot = {
  sharing: 'sharing',
  files: 'files',
  meta: 'meta',
  tags: 'tags',
  gates: 'gates',
  figures: 'figures',
} as const;
export type ExperimentRoot = (typeof ExperimentRoot)[keyof typeof ExperimentRoot];

export const serverOwnedRoots: ReadonlySet<string> = new Set([ExperimentRoot.sharing, ExperimentRoot.files]);

/** Content fields clients write, with the schema each value must satisfy. */
export const contentValueSchema = {
  meta: { name: ExperimentName, purpose: z.string().max(5000) } as Record<string, z.ZodType>,
  tags: TagValue,
  /** A removed gate is written as null rather than deleted, so that every content edit makes
   *  a struct of its author's and can be matched to its draft by clock range. */
  gates: Gate.nullable(),
  /** Removed the same way as a gate. */
  figures: Figure.nullable(),
} as const;

export const IndexRoot = { experiments: 'experiments', projects: 'projects' } as const;
export const ProjectRoot = { project: 'project' } as const;
/** `waitingShares`: the user's own shares waiting for a connection, or refused once it came. */
export const ConnectionsRoot = { connections: 'connections', waitingShares: 'waitingShares' } as const;

/** Sample-tag cells are keyed by file and dimension; JSON keeps the pair unambiguous. */
export function tagKey(file: string, dimension: string): string {
  return JSON.stringify([file, dimension]);
}
const TagKeyParts = z.tuple([FileName, Dimension]);

export type TagCell = Readonly<{ file: string; dimension: string }>;

/**
 * Keys already read: the server checks the key of every tag write before relaying it, and a
 * JSON parse plus a schema check cost several µs on a cold CPU where a lookup costs well under
 * one. People edit the same few cells again and again, so a small table holds them.
 */
const tagKeysRead = new Map<string, TagCell | null>();
const TAG_KEYS_KEPT = 4_096;
/** Longer keys are read every time, so anyone's oversize keys cannot fill the table (at most ~4 MB). */
const TAG_KEY_KEPT_LENGTH = 512;

export function parseTagKey(key: string): TagCell | null {
  const known = tagKeysRead.get(key);
  if (known !== undefined) return known;
  const cell = readTagKey(key);
  if (key.length > TAG_KEY_KEPT_LENGTH) return cell;
  if (tagKeysRead.size >= TAG_KEYS_KEPT) tagKeysRead.clear();
  tagKeysRead.set(key, cell);
  return cell;
}

function readTagKey(key: string): TagCell | null {
  try {
    const parsed = TagKeyParts.safeParse(JSON.parse(key));
    // Only the canonical spelling is a key, so one cell can never be stored under two keys.
    if (!parsed.success || tagKey(parsed.data[0], parsed.data[1]) !== key) return null;
    return Object.freeze({ file: parsed.data[0], dimension: parsed.data[1] });
  } catch {
    return null;
  }
}

export function sharingMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ExperimentRoot.sharing);
}

/**
 * The people of the experiment's project, mirrored beside the sharing state (key
 * `projectPeople` of the sharing map): every reader then lists the same people, including a
 * collaborator who is not in the project and so never receives its document.
 */
const PROJECT_PEOPLE = 'projectPeople';
/** `policy` (mirrored since the Sharing dialog shows each person's levels) is absent in older documents. */
export const ProjectPeople = z.strictObject({ id: ProjectId, members: z.record(Username, ProjectRoleSchema), policy: ProjectPolicy.optional() });
export type ProjectPeople = z.infer<typeof ProjectPeople>;

/** Reads the sharing state mirrored into an experiment document; null until the server wrote it. */
export function readSharing(doc: Y.Doc, experimentId: string): SharingState | null {
  const map = sharingMap(doc);
  if (!map.has('owner')) return null;
  const { [PROJECT_PEOPLE]: _people, ...fields } = map.toJSON();
  const parsed = SharingState.safeParse({ id: experimentId, ...fields });
  return parsed.success ? parsed.data : null;
}

/** The project people mirrored into an experiment document, if it is in a project. */
export function readProjectPeople(doc: Y.Doc): ProjectPeople | null {
  const parsed = ProjectPeople.safeParse(sharingMap(doc).get(PROJECT_PEOPLE));
  return parsed.success ? parsed.data : null;
}

/**
 * Writes a sharing state into the document; only the server calls this. `project` is the
 * experiment's project (its people are mirrored too); undefined leaves the mirror as it is.
 */
export function writeSharing(doc: Y.Doc, state: SharingState, project?: ProjectState | null): void {
  const map = sharingMap(doc);
  doc.transact(() => {
    for (const [key, value] of Object.entries(state)) {
      if (key === 'id') continue;
      if (JSON.stringify(map.get(key)) !== JSON.stringify(value)) map.set(key, value);
    }
    if (project === undefined) return;
    const people = project && project.id === state.projectId ? { id: project.id, members: project.members, policy: project.policy } : null;
    if (people === null) {
      if (map.has(PROJECT_PEOPLE)) map.delete(PROJECT_PEOPLE);
    } else if (JSON.stringify(map.get(PROJECT_PEOPLE)) !== JSON.stringify(people)) {
      map.set(PROJECT_PEOPLE, people);
    }
  });
}

export type ExperimentContent = {
  name: string;
  purpose: string;
  tags: Array<{ file: string; dimension: string; value: string }>;
  gates: Array<{ id: string } & Gate>;
  figures: Array<{ id: string } & Figure>;
};

export function readContent(doc: Y.Doc): ExperimentContent {
  const meta = doc.getMap(ExperimentRoot.meta);
  const tags: ExperimentContent['tags'] = [];
  doc.getMap(ExperimentRoot.tags).forEach((value, key) => {
    const cell = parseTagKey(key);
    if (cell && typeof value === 'string') tags.push({ ...cell, value });
  });
  const gates: ExperimentContent['gates'] = [];
  doc.getMap(ExperimentRoot.gates).forEach((value, id) => {
    const gate = Gate.safeParse(value);
    if (gate.success) gates.push({ id, ...gate.data });
  });
  const figures: ExperimentContent['figures'] = [];
  doc.getMap(ExperimentRoot.figures).forEach((value, id) => {
    const figure = Figure.safeParse(value);
    if (figure.success) figures.push({ id, ...figure.data });
  });
  tags.sort((a, b) => a.file.localeCompare(b.file) || a.dimension.localeCompare(b.dimension));
  gates.sort((a, b) => a.name.localeCompare(b.name));
  figures.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return {
    name: String(meta.get('name') ?? ''),
    purpose: String(meta.get('purpose') ?? ''),
    tags,
    gates,
    figures,
  };
}

export function readIndexEntries(doc: Y.Doc): IndexEntry[] {
  const out: IndexEntry[] = [];
  doc.getMap(IndexRoot.experiments).forEach((value) => {
    const entry = IndexEntry.safeParse(value);
    if (entry.success) out.push(entry.data);
  });
  return out;
}

export function readCatalogEntries(doc: Y.Doc): CatalogEntry[] {
  const out: CatalogEntry[] = [];
  doc.getMap(IndexRoot.experiments).forEach((value) => {
    const entry = CatalogEntry.safeParse(value);
    if (entry.success) out.push(entry.data);
  });
  return out;
}

export function readConnectionEntries(doc: Y.Doc): ConnectionEntry[] {
  const out: ConnectionEntry[] = [];
  doc.getMap(ConnectionsRoot.connections).forEach((value) => {
    const entry = ConnectionEntry.safeParse(value);
    if (entry.success) out.push(entry.data);
  });
  return out.sort((a, b) => (a.user ?? a.email).localeCompare(b.user ?? b.email));
}

/** The user's shares that wait for a connection, or were refused when it came. */
export function readWaitingShares(doc: Y.Doc): WaitingShareEntry[] {
  const out: WaitingShareEntry[] = [];
  doc.getMap(ConnectionsRoot.waitingShares).forEach((value) => {
    const entry = WaitingShareEntry.safeParse(value);
    if (entry.success) out.push(entry.data);
  });
  return out.sort((a, b) => a.since - b.since);
}

/** The user's projects as listed in their index document. */
export const ProjectListEntry = z.strictObject({ id: ProjectId, name: z.string(), role: ProjectRoleSchema });
export type ProjectListEntry = z.infer<typeof ProjectListEntry>;

export function readProjectList(index: Y.Doc): ProjectListEntry[] {
  const out: ProjectListEntry[] = [];
  index.getMap(IndexRoot.projects).forEach((value) => {
    const entry = ProjectListEntry.safeParse(value);
    if (entry.success) out.push(entry.data);
  });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function readProject(doc: Y.Doc): ProjectState | null {
  const parsed = ProjectState.safeParse(doc.getMap(ProjectRoot.project).toJSON());
  return parsed.success ? parsed.data : null;
}

export function writeProject(doc: Y.Doc, project: ProjectState): void {
  const map = doc.getMap(ProjectRoot.project);
  for (const [key, value] of Object.entries(project)) {
    if (JSON.stringify(map.get(key)) !== JSON.stringify(value)) map.set(key, value);
  }
}

/** One FCS file of an experiment, as the server records it after checking the upload. */
export const FileRecord = z.strictObject({
  name: z.string().min(1).max(255),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
  channels: z.array(z.strictObject({ name: z.string(), label: z.string().nullable() })),
  version: z.string(),
  uploadedBy: z.string(),
  uploadedAt: z.number(),
});
export type FileRecord = z.infer<typeof FileRecord>;

/**
 * The facts content rules check references against, read from the document on first use: a
 * write of a name or purpose reads nothing. Only names are read, not whole file records.
 */
export function contentFacts(doc: Y.Doc): { hasFile(name: string): boolean; hasChannel(channel: string): boolean; hasGate(gateId: string): boolean; hasFigure(figureId: string): boolean } {
  let names: Set<string> | null = null;
  let channels: Set<string> | null = null;
  const read = () => {
    names = new Set();
    channels = new Set();
    for (const value of doc.getMap(ExperimentRoot.files).values()) {
      if (typeof value !== 'object' || value === null) continue;
      const record = value as { name?: unknown; channels?: unknown };
      if (typeof record.name === 'string') names.add(record.name);
      if (Array.isArray(record.channels)) {
        for (const c of record.channels) if (typeof c === 'object' && c !== null && typeof (c as { name?: unknown }).name === 'string') channels.add((c as { name: string }).name);
      }
    }
    return { names, channels };
  };
  return {
    hasFile: (name) => (names ?? read().names).has(name),
    hasChannel: (channel) => (channels ?? read().channels).has(channel),
    hasGate: (gateId) => {
      const gates = doc.getMap(ExperimentRoot.gates);
      return gates.has(gateId) && gates.get(gateId) !== null;
    },
    hasFigure: (figureId) => {
      const figures = doc.getMap(ExperimentRoot.figures);
      return figures.has(figureId) && figures.get(figureId) !== null;
    },
  };
}

/** The names of the experiment's files, for the one-name-per-file rule. */
export function fileNames(doc: Y.Doc): string[] {
  const names: string[] = [];
  for (const value of doc.getMap(ExperimentRoot.files).values()) {
    if (typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string') names.push((value as { name: string }).name);
  }
  return names;
}

export function readFiles(doc: Y.Doc): Array<{ id: string } & FileRecord> {
  const out: Array<{ id: string } & FileRecord> = [];
  doc.getMap(ExperimentRoot.files).forEach((value, id) => {
    const file = FileRecord.safeParse(value);
    if (file.success) out.push({ id, ...file.data });
  });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
