import type * as Y from 'yjs';
import { docName, IndexRoot } from '../../shared/doc-layout.ts';
import { accessOf } from '../../shared/rules/access.ts';
import type { CatalogEntry, IndexEntry } from '../../shared/schemas/index-entry.ts';
import type { Rooms } from '../sync/rooms.ts';
import type { ExperimentRecord, GrantRecord, Store } from '../store/store.ts';

/**
 * The per-user index documents and the public catalog are projections of the database's
 * sharing state, written only by the server. They let a client list experiments without
 * opening every experiment document.
 */
export function indexEntryFor(exp: ExperimentRecord, grants: Record<string, GrantRecord>, username: string): IndexEntry | null {
  const access = accessOf(exp, username);
  const mine = exp.owner === username;
  if (!mine && access !== 'full') return null;
  const grant = grants[username];
  return {
    id: exp.id,
    name: exp.name,
    owner: exp.owner,
    access,
    public: exp.public,
    curated: exp.curated,
    projectId: exp.projectId,
    parentId: exp.parentId,
    sharedWithOthers: Object.keys(exp.grants).some((user) => user !== exp.owner),
    trashed: exp.trashed,
    sharedAt: mine ? null : (grant?.at ?? null),
    viewed: mine ? true : (grant?.viewed ?? false),
  };
}

export function catalogEntryFor(exp: ExperimentRecord): CatalogEntry | null {
  if (!exp.public || exp.trashed) return null;
  return { id: exp.id, name: exp.name, owner: exp.owner, curated: exp.curated, projectId: exp.projectId, parentId: exp.parentId };
}

function setOrDelete(doc: Y.Doc, id: string, entry: object | null): void {
  const map = doc.getMap(IndexRoot.experiments);
  if (entry === null) {
    if (map.has(id)) map.delete(id);
  } else if (JSON.stringify(map.get(id)) !== JSON.stringify(entry)) {
    map.set(id, entry);
  }
}

/**
 * Rewrites the entries of `experimentIds` in the index of every user who could see them before
 * (`usersBefore`) or can now, and in the public catalog.
 */
export async function refreshProjections(store: Store, rooms: Rooms, experimentIds: string[], usersBefore: Iterable<string>): Promise<void> {
  const perUser = new Map<string, Map<string, IndexEntry | null>>();
  const catalog = new Map<string, CatalogEntry | null>();
  for (const id of experimentIds) {
    const exp = await store.getExperiment(id);
    if (!exp) continue;
    const grants = await store.grantsOf(id);
    const users = new Set([...usersBefore, exp.owner, ...Object.keys(exp.grants)]);
    for (const user of users) {
      const entries = perUser.get(user) ?? new Map<string, IndexEntry | null>();
      entries.set(id, indexEntryFor(exp, grants, user));
      perUser.set(user, entries);
    }
    catalog.set(id, catalogEntryFor(exp));
  }
  for (const [user, entries] of perUser) {
    await rooms.with(docName.index(user), (room) =>
      room.serverWrite((doc) => {
        for (const [id, entry] of entries) setOrDelete(doc, id, entry);
      }),
    );
  }
  await rooms.with(docName.catalog, (room) =>
    room.serverWrite((doc) => {
      for (const [id, entry] of catalog) setOrDelete(doc, id, entry);
    }),
  );
}

/** Everyone who holds the experiment in their index: the owner and direct grantees. */
export function holdersOf(exp: ExperimentRecord | null): string[] {
  return exp ? [exp.owner, ...Object.keys(exp.grants)] : [];
}
