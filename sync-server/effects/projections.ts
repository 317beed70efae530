import type * as Y from 'yjs';
import { docName, ExperimentRoot, IndexRoot, type ProjectListEntry } from '../../shared/doc-layout.ts';
import { accessOf } from '../../shared/rules/access.ts';
import { groupMembersOf, groupsGiving } from '../../shared/rules/group-access.ts';
import { accessEndsAt } from '../../shared/rules/expiry.ts';
import { INDEX_TAG_VALUES_MAX, IndexEntry, type CatalogEntry, type ListFacts } from '../../shared/schemas/index-entry.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { Rooms } from '../sync/rooms.ts';
import type { ExperimentRecord, GrantRecord, Store } from '../store/store.ts';

/**
 * The per-user index documents and the public catalog are projections of the database's
 * sharing state, written only by the server. They let a client list experiments without
 * opening every experiment document.
 */
export function indexEntryFor(
  exp: ExperimentRecord,
  grants: Record<string, GrantRecord>,
  username: string,
  project: ProjectState | null,
  groupViews: Record<string, string[]> = {},
): IndexEntry | null {
  const access = accessOf(exp, username, project);
  const mine = exp.owner === username;
  if (!mine && access !== 'full' && access !== 'restricted' && access !== 'viewer') return null;
  const grant = grants[username] ?? (mine ? undefined : groupShareOf(exp, username, groupViews));
  const until = mine ? undefined : accessEndsAt(exp, username, project);
  return {
    id: exp.id,
    name: exp.name,
    owner: exp.owner,
    access,
    public: exp.public,
    curated: exp.curated,
    projectId: exp.projectId,
    parentId: exp.parentId,
    sharedWithOthers: [...Object.keys(exp.grants), ...groupMembersOf(exp)].some((user) => user !== exp.owner),
    trashed: exp.trashed,
    sharedAt: mine ? null : (grant?.at ?? null),
    // Only a share (direct or with a group) lands in the Inbox; project experiments arrive already "viewed".
    viewed: mine || grant === undefined ? true : grant.viewed,
    ...(until !== undefined ? { until } : {}),
  };
}

/**
 * A group member's share as the Inbox sees it: the first group share reaching them, new until
 * they marked every group share reaching them viewed (so a second group's share is new again).
 */
function groupShareOf(exp: ExperimentRecord, username: string, views: Record<string, string[]>): { at: number; viewed: boolean } | undefined {
  const giving = groupsGiving(exp, username).map((id) => ({ id, at: exp.groups?.[id]?.at ?? 0 }));
  if (giving.length === 0) return undefined;
  return { at: Math.min(...giving.map((g) => g.at)), viewed: giving.every((g) => views[g.id]?.includes(username) ?? false) };
}

export function catalogEntryFor(exp: ExperimentRecord): CatalogEntry | null {
  if (!exp.public || exp.trashed) return null;
  return { id: exp.id, name: exp.name, owner: exp.owner, curated: exp.curated, projectId: exp.projectId, parentId: exp.parentId };
}

function setOrDelete(map: Y.Map<unknown>, id: string, entry: object | null): void {
  if (entry === null) {
    if (map.has(id)) map.delete(id);
  } else if (JSON.stringify(map.get(id)) !== JSON.stringify(entry)) {
    map.set(id, entry);
  }
}

/** The list facts of an experiment document: its distinct tag values, changed at `changedAt`. */
export function listFactsOf(doc: Y.Doc, changedAt: number): ListFacts {
  const values = new Set<string>();
  doc.getMap(ExperimentRoot.tags).forEach((value) => {
    if (typeof value === 'string' && value.trim() !== '') values.add(value);
  });
  return { changedAt, tagValues: [...values].sort().slice(0, INDEX_TAG_VALUES_MAX) };
}

/**
 * The facts last published for an experiment, from its owner's index (the owner always holds
 * it), so a newcomer's entry and a sharing change carry them without loading the document.
 */
export async function publishedFacts(rooms: Rooms, owner: string, id: string): Promise<ListFacts | null> {
  return rooms.with(docName.index(owner), async (room) => {
    const entry = IndexEntry.safeParse(room.doc.getMap(IndexRoot.experiments).get(id));
    if (!entry.success || entry.data.changedAt === undefined) return null;
    return { changedAt: entry.data.changedAt, tagValues: entry.data.tagValues ?? [] };
  });
}

/** Everyone who may hold the experiment in their index: owner, grantees, project members, members of groups shared with. */
export function holdersOf(exp: ExperimentRecord | null, project: ProjectState | null = null): string[] {
  if (!exp) return [];
  const members = project && project.id === exp.projectId ? Object.keys(project.members) : [];
  return [exp.owner, ...Object.keys(exp.grants), ...members, ...groupMembersOf(exp)];
}

/**
 * Rewrites the entries of `experimentIds` in the index of every user who could see them before
 * (`usersBefore`) or can now, and in the public catalog. A deleted experiment is removed.
 * `facts` are new list facts from a content edit; without them the published ones are kept.
 */
export async function refreshProjections(
  store: Store,
  rooms: Rooms,
  experimentIds: string[],
  usersBefore: Iterable<string>,
  facts: ReadonlyMap<string, ListFacts> = new Map(),
): Promise<void> {
  const before = [...usersBefore];
  const perUser = new Map<string, Map<string, IndexEntry | null>>();
  const catalog = new Map<string, CatalogEntry | null>();
  const put = (user: string, id: string, entry: IndexEntry | null) => {
    const entries = perUser.get(user) ?? new Map<string, IndexEntry | null>();
    entries.set(id, entry);
    perUser.set(user, entries);
  };
  for (const id of experimentIds) {
    const exp = await store.getExperiment(id);
    if (!exp) {
      before.forEach((user) => put(user, id, null));
      catalog.set(id, null);
      continue;
    }
    const project = exp.projectId ? await store.getProject(exp.projectId) : null;
    const grants = await store.grantsOf(id);
    const groupViews = exp.groups ? await store.groupShareViews(id) : {};
    const known = facts.get(id) ?? (await publishedFacts(rooms, exp.owner, id)) ?? { changedAt: exp.createdAt, tagValues: [] };
    const withFacts = <T extends object>(entry: T | null) => (entry ? { ...entry, ...known } : null);
    for (const user of new Set([...before, ...holdersOf(exp, project)])) put(user, id, withFacts(indexEntryFor(exp, grants, user, project, groupViews)));
    catalog.set(id, withFacts(catalogEntryFor(exp)));
  }
  for (const [user, entries] of perUser) {
    await rooms.with(docName.index(user), (room) =>
      room.serverWrite((doc) => {
        const map = doc.getMap(IndexRoot.experiments);
        for (const [id, entry] of entries) setOrDelete(map, id, entry);
      }),
    );
  }
  await rooms.with(docName.catalog, (room) =>
    room.serverWrite((doc) => {
      const map = doc.getMap(IndexRoot.experiments);
      for (const [id, entry] of catalog) setOrDelete(map, id, entry);
    }),
  );
}

/** Rewrites the project list in the index of each of `users`. */
export async function refreshProjectLists(store: Store, rooms: Rooms, users: Iterable<string>): Promise<void> {
  for (const user of new Set(users)) {
    const projects = await store.projectsOf(user);
    const entries = new Map<string, ProjectListEntry>(
      projects.flatMap((p) => {
        const role = p.members[user];
        return role ? [[p.id, { id: p.id, name: p.name, role }] as const] : [];
      }),
    );
    await rooms.with(docName.index(user), (room) =>
      room.serverWrite((doc) => {
        const map = doc.getMap(IndexRoot.projects);
        for (const key of [...map.keys()]) if (!entries.has(key)) map.delete(key);
        for (const [id, entry] of entries) setOrDelete(map, id, entry);
      }),
    );
  }
}
