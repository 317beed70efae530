import type * as Y from 'yjs';
import { ExperimentRoot, parseTagKey } from '../../shared/doc-layout.ts';
import { readCatalogEntries, readContent, readFiles, readIndexEntries, readProjectPeople, readSharing } from '../../shared/doc-layout.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { CatalogEntry } from '../../shared/schemas/index-entry.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import { accessList, capabilitiesOf } from '../../shared/rules/access.ts';
import { inForce, withEnds } from '../../shared/rules/expiry.ts';
import { familyOf } from '../../shared/rules/family.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import { compareRows } from './list-order.ts';
import { matchesSearch } from '../../shared/list-search.ts';
import { ListFilter, type Draft, type ExperimentRow, type ExperimentView, type PendingFields } from './contract.ts';

/**
 * Pure list and show logic over the replicas: the user's index document, the public catalog,
 * and the marks of experiments whose access was withdrawn.
 */
export function listRows(
  index: Y.Doc | null,
  catalog: Y.Doc | null,
  me: string,
  filter: ListFilter,
  search: string | undefined,
  removed: ReadonlyMap<string, number>,
  pending: readonly ExperimentRow[] = [],
  renamed: ReadonlyMap<string, string> = new Map(),
  /** This device's clock: a share that has ended is not listed, even before the server says so. */
  now?: number,
): ExperimentRow[] {
  const rows = new Map<string, ExperimentRow & { trashed: boolean }>();
  const hidden = (id: string, since: number | null) => (removed.get(id) ?? -1) > (since ?? 0);
  for (const e of index ? readIndexEntries(index) : []) {
    if (hidden(e.id, e.sharedAt) || (now !== undefined && e.until !== undefined && e.until <= now)) continue;
    rows.set(e.id, {
      id: e.id, name: e.name, owner: e.owner, access: e.access, public: e.public, curated: e.curated,
      projectId: e.projectId, parentId: e.parentId, sharedWithOthers: e.sharedWithOthers,
      isNew: (e.access === 'full' || e.access === 'viewer') && e.sharedAt !== null && !e.viewed, trashed: e.trashed,
      changedAt: e.changedAt ?? e.sharedAt, tagValues: e.tagValues ?? [],
    });
  }
  for (const c of catalog ? readCatalogEntries(catalog) : []) {
    if (rows.has(c.id) || hidden(c.id, null)) continue;
    rows.set(c.id, { ...catalogRow(c, me), trashed: false });
  }
  // Experiments made offline are the user's own until the server has decided; the index wins once it lists them.
  for (const p of pending) if (!rows.has(p.id)) rows.set(p.id, { ...p, trashed: false });
  // A rename made here shows at once, marked, before the server writes it into the index.
  for (const [id, name] of renamed) {
    const row = rows.get(id);
    if (row && row.name !== name) rows.set(id, { ...row, name, pendingName: true });
  }
  const keep = (r: ExperimentRow & { trashed: boolean }): boolean => {
    switch (filter) {
      case ListFilter.all: return !r.trashed;
      case ListFilter.mine: return r.owner === me && !r.trashed;
      case ListFilter.shared: return (r.access === 'full' || r.access === 'restricted' || r.access === 'viewer') && !r.trashed;
      case ListFilter.public: return r.public && !r.trashed;
      case ListFilter.curated: return r.public && r.curated && !r.trashed;
      case ListFilter.trash: return r.owner === me && r.trashed;
      default: {
        const exhaustive: never = filter;
        return exhaustive;
      }
    }
  };
  return [...rows.values()]
    .filter((r) => keep(r) && matchesSearch(r, search))
    .sort(compareRows('name'))
    .map(({ trashed: _trashed, ...row }) => row);
}

/** A public catalog entry as a list row, for someone who holds no index entry of it. */
export function catalogRow(c: CatalogEntry, me: string): ExperimentRow {
  return {
    id: c.id, name: c.name, owner: c.owner, access: c.owner === me ? 'owner' : 'public', public: true,
    curated: c.curated, projectId: c.projectId, parentId: c.parentId, sharedWithOthers: false, isNew: false,
    changedAt: c.changedAt ?? null, tagValues: c.tagValues ?? [],
  };
}

/**
 * A page of the catalog as list rows: an experiment the user's index also lists (their own, one
 * shared with them) keeps the index's row, which knows their access; one withdrawn is left out.
 */
export function catalogPageRows(entries: readonly CatalogEntry[], index: Y.Doc | null, me: string, removed: ReadonlyMap<string, number>): ExperimentRow[] {
  const indexed = new Map(listRows(index, null, me, ListFilter.all, undefined, removed).map((r) => [r.id, r]));
  return entries.filter((c) => !((removed.get(c.id) ?? -1) > 0) || indexed.has(c.id)).map((c) => indexed.get(c.id) ?? catalogRow(c, me));
}

/** Rows for experiments a pending create or clone draft makes, marked pending. */
export function pendingRows(drafts: readonly Draft[], me: string): ExperimentRow[] {
  const out: ExperimentRow[] = [];
  for (const draft of drafts) {
    if (draft.kind !== 'intent' || draft.state !== 'pending') continue;
    const intent = draft.intent;
    const base = { owner: me, access: 'owner' as const, public: false, curated: false, projectId: null, sharedWithOthers: false, isNew: false, pending: true as const, changedAt: draft.createdAt };
    if (intent.type === IntentType.create) out.push({ ...base, id: intent.experimentId, name: intent.name, parentId: null });
    if (intent.type === IntentType.clone) out.push({ ...base, id: intent.newId, name: `clone of ${intent.experimentId}`, parentId: intent.linked ? intent.experimentId : null });
  }
  return out;
}

/** Experiments with a rename the server has not decided yet (their replica holds the new name). */
export function pendingRenames(drafts: readonly Draft[]): string[] {
  const ids = new Set<string>();
  for (const d of drafts) {
    if (d.kind === 'edit' && d.state === 'pending' && d.fields?.some((f) => f.root === ExperimentRoot.meta && f.key === 'name')) ids.add(d.experimentId);
  }
  return [...ids];
}

/** The fields of one experiment written by edits still waiting for the server (for pending marks). */
export function pendingFieldsOf(drafts: readonly Draft[], experimentId: string): PendingFields {
  const out: PendingFields = { name: false, purpose: false, tags: [], gates: [] };
  for (const d of drafts) {
    if (d.kind !== 'edit' || d.state !== 'pending' || d.experimentId !== experimentId) continue;
    for (const { root, key } of d.fields ?? []) {
      if (root === ExperimentRoot.meta && key === 'name') out.name = true;
      else if (root === ExperimentRoot.meta && key === 'purpose') out.purpose = true;
      else if (root === ExperimentRoot.gates && !out.gates.includes(key)) out.gates.push(key);
      else if (root === ExperimentRoot.tags) {
        const cell = parseTagKey(key);
        if (cell && !out.tags.some((t) => t.file === cell.file && t.dimension === cell.dimension)) out.tags.push({ file: cell.file, dimension: cell.dimension });
      }
    }
  }
  return out;
}

/**
 * What of the outbox the list shows (offline creations and clones, pending renames), as one
 * string: the worker's list cache is dropped when it changes, and only then.
 */
export function listedDraftsKey(drafts: readonly Draft[]): string {
  const pendingRows = drafts.filter((d) => d.state === 'pending' && d.kind === 'intent' && (d.intent.type === IntentType.create || d.intent.type === IntentType.clone));
  return [...pendingRows.map((d) => d.id), ...pendingRenames(drafts)].join(' ');
}

/** The experiment as a replica (or a provisional state while its create is pending) shows it. */
export function experimentView(
  doc: Y.Doc | null,
  sharing: SharingState,
  actor: Actor,
  known: ReadonlyMap<string, SharingState>,
  fallbackName: string | null,
  projects: ReadonlyMap<string, ProjectState> = new Map(),
): ExperimentView {
  const content = doc ? readContent(doc) : { name: '', purpose: '', tags: [], gates: [], figures: [] };
  // As it stands by this device's clock: an ended share or a due embargo shows so even offline.
  const state = inForce(doc ? (readSharing(doc, sharing.id) ?? sharing) : sharing, Date.now());
  const project = state.projectId ? (projects.get(state.projectId) ?? null) : null;
  const caps = capabilitiesOf(state, actor, project);
  const { grants: _grants, ...rest } = state;
  return {
    ...content,
    name: content.name || fallbackName || '',
    ...rest,
    // The project's people as the server mirrors them into the document, so a collaborator
    // outside the project lists the same people as the owner.
    access: withEnds(accessList(state, project ?? (doc ? readProjectPeople(doc) : null)), state),
    files: doc ? readFiles(doc).map((f) => ({ id: f.id, name: f.name, events: f.events, size: f.size, channels: f.channels })) : [],
    can: {
      edit: caps.edit,
      manageSharing: caps['manage-sharing'],
      clone: caps.clone,
      cloneFiles: caps['clone-files'],
      download: caps.download,
      illustrate: caps.illustrate,
      trash: caps.trash,
    },
    family: familyOf(state.id, known).filter((id) => id !== state.id),
  };
}
