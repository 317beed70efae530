import * as Y from 'yjs';
import { contentValueSchema, docName, ExperimentRoot, FileRecord, parseTagKey } from '../../../shared/doc-layout.ts';
import { CloseCode } from '../../../shared/protocol/message-types.ts';
import { GateId } from '../../../shared/schemas/entities.ts';
import { checks, closeOf, count, docKeyOf, LOOSE_TAG, markers, WAIT_MS, withTimeout, type ScenarioState } from './scenario-state.ts';
import { DOCS, USERS, type DocKey } from './sharing-model.ts';

/** The properties, after every step. */
export async function checkAll(run: ScenarioState): Promise<void> {
  await checkSockets(run);
  for (const d of DOCS) await checkDocument(run, d);
  await checkIndexes(run);
  await checkCatalog(run);
  checkReceived(run);
}

/**
 * Readers who lost access are cut off (4403); every remaining reader answers a round trip
 * and holds exactly the server's copy of the document.
 */
async function checkSockets(run: ScenarioState): Promise<void> {
  for (const [k, t] of [...run.open]) {
    const doc = docKeyOf(run.model, t.doc);
    if (run.model.canRead(doc, t.user)) continue;
    const closed = await withTimeout(t.socket.closed, `${t.user} cut off from ${doc}`);
    if (closed.code !== CloseCode.notAReader) throw new Error(`${t.user} on ${doc}: closed ${closed.code} after losing access`);
    run.open.delete(k);
    count('reader cut off');
  }
  for (const [k, t] of [...run.open]) {
    if (await t.socket.roundTrip(WAIT_MS)) continue;
    const closed = await closeOf(t.socket);
    // A reset (4409), or a message too big (1009), ends a socket that sent something hostile.
    if (closed && (closed.code === CloseCode.resetRequired || closed.code === 1009)) {
      run.open.delete(k);
      continue;
    }
    throw new Error(`${t.user}'s socket on ${t.doc} stopped answering: ${JSON.stringify(closed)}`);
  }
  for (const t of run.open.values()) {
    const room = await run.h.server.rooms.ifLoaded(t.doc);
    if (!room) throw new Error(`${t.doc} is open but not loaded`);
    const server = rootsJson(room.doc);
    const replica = rootsJson(t.socket.doc);
    if (server !== replica) throw new Error(`${t.user}'s replica of ${t.doc} differs from the server's:\n server  ${server}\n replica ${replica}`);
  }
}

/** What storage holds: the model's sharing state, only valid content, no refused value. */
async function checkDocument(run: ScenarioState, d: DocKey): Promise<void> {
  const m = run.model;
  const id = m.ids[d];
  const record = await run.h.server.store.getExperiment(id);
  if (!record) throw new Error(`${d} is gone from the store`);
  // Who granted and when is the server's to say; the model knows who holds a grant.
  const grantees = (g: Record<string, unknown>) => Object.keys(g).sort();
  const { name: _n, createdAt: _c, ...gotSharing } = { ...record, grants: grantees(record.grants) };
  const want = { ...m.sharing(d), grants: grantees(m.sharing(d).grants) };
  if (stable(gotSharing) !== stable(want)) throw new Error(`${d}: stored sharing ${stable(gotSharing)} but the model has ${stable(want)}`);

  const { updates } = await run.h.server.store.loadUpdates(docName.experiment(id));
  for (const u of updates) {
    for (const marker of markers(run)) {
      if (Buffer.from(u).includes(marker)) throw new Error(`${d}: a stored update holds a value that must be refused (${marker})`);
    }
  }
  const stored = new Y.Doc();
  for (const u of updates) Y.applyUpdate(stored, u);
  if (checks(run, 'refusedRootNames')) {
    const roots = [...stored.share.keys()].filter((r) => !Object.values(ExperimentRoot).includes(r as ExperimentRoot));
    if (roots.length > 0) throw new Error(`${d}: stored document has root names no client may write: ${roots.join(', ')}`);
  }
  const { name: _name, createdAt: _createdAt, id: _id, ...mirror } = record;
  if (stable(stored.getMap(ExperimentRoot.sharing).toJSON()) !== stable(mirror)) {
    throw new Error(`${d}: stored sharing map ${stable(stored.getMap(ExperimentRoot.sharing).toJSON())} is not the record ${stable(mirror)}`);
  }
  stored.getMap(ExperimentRoot.files).forEach((v, k) => {
    if (!FileRecord.safeParse(v).success) throw new Error(`${d}: stored file ${k} is not a file record`);
    if (k.startsWith('fixture')) return;
    throw new Error(`${d}: a file ${k} appeared though nobody uploaded one`);
  });
  const meta = stored.getMap(ExperimentRoot.meta);
  meta.forEach((v, k) => {
    const schema = contentValueSchema.meta[k];
    if (!schema || !schema.safeParse(v).success) throw new Error(`${d}: stored meta.${k} = ${JSON.stringify(v)} breaks the rules`);
  });
  if (!meta.has('name')) throw new Error(`${d}: stored document lost its name`);
  stored.getMap(ExperimentRoot.tags).forEach((v, k) => {
    if (parseTagKey(k) === null || !contentValueSchema.tags.safeParse(v).success) throw new Error(`${d}: stored tag ${k} = ${JSON.stringify(v)} breaks the rules`);
  });
  stored.getMap(ExperimentRoot.gates).forEach((v, k) => {
    if (!GateId.safeParse(k).success || !contentValueSchema.gates.safeParse(v).success) throw new Error(`${d}: stored gate ${k} breaks the rules`);
  });
  const content = m.content[d];
  const storedContent = {
    meta: meta.toJSON(),
    tags: withoutLoose(stored.getMap(ExperimentRoot.tags).toJSON()),
    gates: stored.getMap(ExperimentRoot.gates).toJSON(),
  };
  const wantContent = { meta: content.meta, tags: withoutLoose(content.tags), gates: content.gates };
  if (stable(storedContent) !== stable(wantContent)) throw new Error(`${d}: stored content ${stable(storedContent)} but the model has ${stable(wantContent)}`);
  const room = await run.h.server.rooms.ifLoaded(docName.experiment(id));
  if (room && rootsJson(room.doc) !== rootsJson(stored)) throw new Error(`${d}: the server's copy differs from what it stored`);
  stored.destroy();
}

/**
 * Each account's index (its experiment list, a server-written projection) lists E and P
 * exactly when the model says it reaches them as owner, full or restricted, with that access,
 * and the public catalog lists them exactly when public and not trashed.
 */
async function checkIndexes(run: ScenarioState): Promise<void> {
  const m = run.model;
  for (const user of USERS) {
    const { updates } = await run.h.server.store.loadUpdates(docName.index(user));
    const index = new Y.Doc();
    for (const u of updates) Y.applyUpdate(index, u);
    const listed = index.getMap('experiments');
    for (const d of DOCS) {
      const access = m.access(d, user);
      const want = access === 'owner' || access === 'full' || access === 'restricted' ? access : null;
      const entry = listed.get(m.ids[d]) as { access?: string; public?: boolean; trashed?: boolean } | undefined;
      const got = entry?.access ?? null;
      if (got !== want) throw new Error(`${user}'s index lists ${d} with access ${got}, the model says ${want}`);
      if (entry && (entry.public !== m.exps[d].public || entry.trashed !== m.exps[d].trashed)) {
        throw new Error(`${user}'s index entry of ${d} is stale: ${JSON.stringify(entry)}`);
      }
    }
    index.destroy();
  }
  const { updates } = await run.h.server.store.loadUpdates(docName.catalog);
  const catalog = new Y.Doc();
  for (const u of updates) Y.applyUpdate(catalog, u);
  for (const d of DOCS) {
    const want = m.exps[d].public && !m.exps[d].trashed;
    if (catalog.getMap('experiments').has(m.ids[d]) !== want) throw new Error(`the catalog ${want ? 'lacks' : 'lists'} ${d}`);
  }
  catalog.destroy();
}

/**
 * The catalog is the server's alone: what a client sent to it survives, if at all, as the
 * tombstone of a refused write, never as live content or a placeholder (GC) struct.
 */
async function checkCatalog(run: ScenarioState): Promise<void> {
  const { updates } = await run.h.server.store.loadUpdates(docName.catalog);
  if (updates.length === 0) return;
  const stored = new Y.Doc();
  for (const u of updates) Y.applyUpdate(stored, u);
  const users = [...run.claimed.keys()].filter((id) => stored.store.clients.has(id));
  if (users.length > 0) {
    const owners = await run.h.server.store.clientOwners(users);
    for (const id of users) {
      if (!owners.has(id)) continue;
      for (const s of stored.store.clients.get(id) ?? []) {
        if (!(s instanceof Y.Item) || !s.deleted) throw new Error(`catalog: ${s.constructor.name} of ${owners.get(id)}'s client ${id} is stored`);
      }
    }
  }
  stored.destroy();
}

/** Nothing after `closing` on any socket, and no refused value ever reached anybody. */
function checkReceived(run: ScenarioState): void {
  for (const t of run.everyone) {
    const late = t.socket.after('closing');
    if (late.length > 0) throw new Error(`${t.user} on ${t.doc} received ${late.length} message(s) (${late.map((r) => r.kind).join(', ')}) after being told it was cut off`);
    const fresh = t.socket.received.slice(t.checkedUpTo);
    t.checkedUpTo = t.socket.received.length;
    for (const r of fresh) {
      for (const marker of markers(run)) {
        if (Buffer.from(r.bytes).includes(marker)) throw new Error(`${t.user} on ${t.doc} received a ${r.kind} message carrying a value that must be refused (${marker})`);
      }
    }
  }
}

function withoutLoose(tags: Record<string, unknown>): Record<string, unknown> {
  const { [LOOSE_TAG]: _loose, ...rest } = tags;
  return rest;
}

/** JSON with sorted keys and undefined dropped, to compare states. */
export function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** Every root an experiment document has, as JSON: what a reader may read. */
function rootsJson(doc: Y.Doc): string {
  return stable(Object.fromEntries(Object.values(ExperimentRoot).map((r) => [r, doc.getMap(r).toJSON()])));
}
