import * as Y from 'yjs';
import { contentValueSchema, docName, ExperimentRoot, FileRecord, parseTagKey, tagKey } from '../../../shared/doc-layout.ts';
import { GateId } from '../../../shared/schemas/entities.ts';
import { CloseCode } from '../../../shared/protocol/message-types.ts';
import { FIXTURE_FILES, recordFiles, type Harness, type TestUser } from '../../integration/support/harness.ts';
import { awarenessGarbage, deleteFlood, forkedWrite, HIDDEN, HOSTILE, multiValueWrite, placeholderStruct, serverClientId } from './hostile-updates.ts';
import { ReplicaSocket } from './replica-socket.ts';
import { DOCS, SharingModel, USERS, type DocKey, type ModelIntent, type User } from './sharing-model.ts';

/**
 * Holes other engineers are closing on their branches (see the report of h/property), one flag
 * each. While a flag is false its generator stays out of the random runs and its check is off
 * there; its pinned regression test below runs with every check on and is expected to fail
 * (`it.fails`). The lead sets a flag to true when the fix is merged: the generator joins the
 * random runs and the regression test must then pass.
 */
export const KNOWN_HOLES = {
  /** A map write whose ContentAny holds several values: only the last is checked, all are stored and relayed. */
  multiValue: true,
  /** A GC placeholder struct (no content, no parent) is accepted into server-owned documents such as the catalog. */
  gcPlaceholder: true,
  /** A client may write under the server's own client id of a document. */
  serverClientId: true,
  /** Awareness messages are relayed to every reader as they came, garbage included. */
  awarenessGarbage: true,
  /** A refused write leaves its root name (as a tombstone's parent) in the stored document. */
  refusedRootNames: true,
};
export type Hole = keyof typeof KNOWN_HOLES;
/** `PROPERTY_KNOWN_HOLES=on` turns every hole's generator and check on for one run, to see where a branch stands. */
const ALL_HOLES_ON = process.env.PROPERTY_KNOWN_HOLES === 'on';
export function holeFixed(hole: Hole): boolean {
  return ALL_HOLES_ON || KNOWN_HOLES[hole];
}
export const KNOWN_HOLES_FIXED = (Object.keys(KNOWN_HOLES) as Hole[]).every(holeFixed);

export const HOSTILE_KINDS = [
  'sharing-write',
  'files-write',
  'unknown-root',
  'unknown-key',
  'bad-value',
  'nested',
  'oversize',
  'forged-id',
  'random-bytes',
  'random-sync',
  'delete-flood',
  'skip-into-catalog',
] as const;
/** Generators of the known holes, each with its flag. */
export const GATED_HOSTILE_KINDS = { 'multi-value': 'multiValue', 'forged-server-id': 'serverClientId', 'gc-into-catalog': 'gcPlaceholder', 'awareness-garbage': 'awarenessGarbage' } as const satisfies Record<string, Hole>;
export function hostileKinds(): HostileKind[] {
  const gated = Object.entries(GATED_HOSTILE_KINDS).filter(([, hole]) => holeFixed(hole)).map(([kind]) => kind as keyof typeof GATED_HOSTILE_KINDS);
  return [...HOSTILE_KINDS, ...gated];
}
export type HostileKind = (typeof HOSTILE_KINDS)[number] | keyof typeof GATED_HOSTILE_KINDS;
export const EDIT_FIELDS = ['name', 'purpose', 'tag', 'gate', 'ungate'] as const;

/** One step of a property run: plain data, so a shrunk counterexample replays as a literal. */
export type Command =
  | { t: 'join'; user: User; doc: DocKey }
  | { t: 'leave'; user: User; doc: DocKey }
  | { t: 'edit'; user: User; doc: DocKey; field: (typeof EDIT_FIELDS)[number]; n: number }
  | { t: 'hostile'; user: User; doc: DocKey; kind: HostileKind; n: number; bytes: number[] }
  | { t: 'intent'; intent: ModelIntent }
  /** Alice removes the access of the n-th open reader socket's account (unshare, project removal, unpublish or trash, whichever gave it access). */
  | { t: 'revoke'; n: number };

/** The key multi-value writes use: left out of the content comparison (a fix may refuse or trim them). */
const LOOSE_TAG = tagKey('s39.fcs', 'Donor');
const WAIT_MS = 5_000;

type Tracked = { user: User; doc: string; socket: ReplicaSocket; checkedUpTo: number };

let runCounter = 0;

/** What the runs so far did, printed by the property test so a run that exercised nothing shows. */
export const exercised: Record<string, number> = {};
function count(what: string): void {
  exercised[what] = (exercised[what] ?? 0) + 1;
}

/** The accounts every run uses, made once per server. */
export type Accounts = Record<User, TestUser>;

export async function makeAccounts(h: Harness): Promise<Accounts> {
  const out: Partial<Accounts> = {};
  for (const u of USERS) out[u] = await h.user(u);
  return out as Accounts;
}

/**
 * One property run against a live server: fresh experiments and project, the commands in
 * order, and after every command the checks of `checkAll`. Throws on the first violation with
 * the step and the command list.
 */
export class Scenario {
  readonly model: SharingModel;
  private readonly open = new Map<string, Tracked>();
  private readonly everyone: Tracked[] = [];
  private readonly claimed = new Map<number, User>();

  private constructor(
    private readonly h: Harness,
    private readonly accounts: Accounts,
    ids: Record<DocKey, string>,
    projectId: string,
    /** Every check on, the known holes' too (the pinned regression tests of those holes). */
    private readonly strict: boolean,
  ) {
    this.model = new SharingModel(ids, projectId);
  }

  private checks(hole: Hole): boolean {
    return this.strict || holeFixed(hole);
  }

  /** Values that must never be stored nor reach a socket. */
  private markers(): string[] {
    return [HOSTILE, ...(this.checks('multiValue') ? [HIDDEN] : []), ...(this.checks('awarenessGarbage') ? ['GARBAGE'] : [])];
  }

  static async start(h: Harness, accounts: Accounts, { strict = false } = {}): Promise<Scenario> {
    const run = `${Date.now().toString(36)}-${(++runCounter).toString(36)}`;
    const s = new Scenario(h, accounts, { E: `prop-e-${run}`, P: `prop-p-${run}` }, `prop-proj-${run}`, strict);
    const alice = accounts.alice;
    for (const d of DOCS) {
      const r = await alice.intent({ type: 'create', experimentId: s.model.ids[d], name: `Property ${d}` });
      if (!r.ok) throw new Error(`setup: create ${d} refused ${r.code}`);
      // Tags must name a file of the experiment and gates its channels: the harness's fixture files.
      await recordFiles(h.server, s.model.ids[d], FIXTURE_FILES);
    }
    const setup = [
      { type: 'project-create', projectId: s.model.projectId, name: 'Property project' },
      { type: 'project-policy', projectId: s.model.projectId, policy: { access: 'restricted', illustrations: 'view-only', cloning: 'disabled' } },
      { type: 'project-member', projectId: s.model.projectId, user: 'pat', role: 'member' },
    ] as const;
    for (const intent of setup) {
      const r = await alice.intent(intent);
      if (!r.ok) throw new Error(`setup: ${intent.type} refused ${r.code}`);
    }
    // A useful start: bob collaborates on E, which is public (so carol reads it).
    await s.step({ t: 'intent', intent: { type: 'share', actor: 'alice', doc: 'E', user: 'bob' } });
    await s.step({ t: 'intent', intent: { type: 'publish', actor: 'alice', doc: 'E' } });
    return s;
  }

  async run(commands: Command[]): Promise<void> {
    try {
      for (let i = 0; i < commands.length; i++) {
        try {
          await this.step(commands[i]!);
        } catch (error) {
          throw new Error(`step ${i} ${JSON.stringify(commands[i])}: ${(error as Error).message}`, { cause: error });
        }
      }
    } finally {
      this.stop();
    }
  }

  stop(): void {
    for (const t of this.open.values()) t.socket.close();
    this.open.clear();
  }

  async step(command: Command): Promise<void> {
    switch (command.t) {
      case 'join':
        await this.join(command.user, command.doc);
        break;
      case 'leave': {
        const t = this.open.get(key(command.user, command.doc));
        if (t) {
          t.socket.close();
          this.open.delete(key(command.user, command.doc));
        }
        break;
      }
      case 'edit':
        await this.edit(command);
        break;
      case 'hostile':
        await this.hostile(command);
        break;
      case 'intent':
        await this.intent(command.intent);
        break;
      case 'revoke':
        await this.revoke(command.n);
        break;
    }
    await this.checkAll();
  }

  // ---- commands -------------------------------------------------------------------------

  private async join(user: User, doc: DocKey): Promise<void> {
    if (this.open.has(key(user, doc))) return;
    const name = docName.experiment(this.model.ids[doc]);
    const socket = new ReplicaSocket(this.h.server.url, name, this.accounts[user].token);
    const tracked: Tracked = { user, doc: name, socket, checkedUpTo: 0 };
    this.everyone.push(tracked);
    await socket.ready();
    if (this.model.canRead(doc, user)) {
      if (!(await socket.roundTrip(WAIT_MS))) throw new Error(`${user} could not sync ${doc}: ${JSON.stringify(socket.closeEvent)}`);
      if (socket.controls[0]?.t !== 'welcome') throw new Error(`${user} on ${doc}: no welcome first`);
      this.open.set(key(user, doc), tracked);
      count('join as reader');
      return;
    }
    // A non-reader writes at once, before the server has decided; it must get nothing back.
    socket.sendUpdate(forkedWrite(new Y.Doc(), (d) => d.getMap('tags').set(tagKey('s0.fcs', 'Donor'), `${HOSTILE} early`)));
    const closed = await withTimeout(socket.closed, `${user} refused on ${doc}`);
    if (closed.code !== CloseCode.notAReader) throw new Error(`${user} on ${doc}: closed ${closed.code}, expected ${CloseCode.notAReader}`);
    const got = socket.received.map((r) => r.control?.t ?? r.kind);
    if (got.length !== 1 || got[0] !== 'closing') throw new Error(`non-reader ${user} on ${doc} received ${JSON.stringify(got)}`);
    count('join refused');
  }

  /**
   * The user's open socket on the document, joining first if need be; null for a non-reader.
   * A socket the server reset (a hostile write may earn one) is gone: the client starts over
   * with a fresh replica, as the client core does after RESET_REQUIRED.
   */
  private async socketOf(user: User, doc: DocKey): Promise<Tracked | null> {
    const existing = this.open.get(key(user, doc));
    if (existing && existing.socket.closeEvent !== null) this.open.delete(key(user, doc));
    if (!this.open.has(key(user, doc))) await this.join(user, doc);
    return this.open.get(key(user, doc)) ?? null;
  }

  private async edit(c: Extract<Command, { t: 'edit' }>): Promise<void> {
    const t = await this.socketOf(c.user, c.doc);
    if (!t) return;
    const content = this.model.content[c.doc];
    // Only a gate that is there can be removed (UNKNOWN_GATE otherwise).
    const gateThere = content.gates[`gate-${c.n % 3}`] != null;
    const allowed = this.model.canEdit(c.doc, c.user) && (c.field !== 'ungate' || gateThere);
    const text = allowed ? `v${c.n}` : `${HOSTILE} ${c.n}`;
    const d = t.socket.doc;
    const controlsBefore = t.socket.controls.length;
    this.claimed.set(d.clientID, c.user);
    switch (c.field) {
      case 'name':
      case 'purpose':
        d.getMap(ExperimentRoot.meta).set(c.field, `${c.field} ${text}`);
        if (allowed) content.meta[c.field] = `${c.field} ${text}`;
        break;
      case 'tag': {
        const k = tagKey(`s${c.n % 4}.fcs`, 'Donor');
        d.getMap(ExperimentRoot.tags).set(k, text);
        if (allowed) content.tags[k] = text;
        break;
      }
      case 'gate':
      case 'ungate': {
        const id = `gate-${c.n % 3}`;
        const gate = c.field === 'gate' ? { name: `gate ${text}`, xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, c.n, c.n + 1] } : null;
        d.getMap(ExperimentRoot.gates).set(id, gate);
        if (allowed) content.gates[id] = gate;
        break;
      }
    }
    if (!(await t.socket.roundTrip(WAIT_MS))) {
      // Too many refused changes in a row end the socket with a reset; that is an answer too.
      if (!allowed && (await closeOf(t.socket))?.code === CloseCode.resetRequired) return;
      throw new Error(`${c.user}'s edit: no answer (${JSON.stringify(t.socket.closeEvent)})`);
    }
    const answers = t.socket.controls.slice(controlsBefore).map((m) => m.t);
    if (allowed && answers.includes('refused')) throw new Error(`${c.user}'s allowed edit was refused: ${JSON.stringify(t.socket.controls.slice(controlsBefore))}`);
    if (!allowed && !answers.includes('refused')) throw new Error(`${c.user}'s edit without the edit right was not refused`);
    count(allowed ? 'edit accepted' : 'edit refused');
  }

  private async hostile(c: Extract<Command, { t: 'hostile' }>): Promise<void> {
    if (c.kind === 'skip-into-catalog' || c.kind === 'gc-into-catalog') return this.intoCatalog(c);
    const t = await this.socketOf(c.user, c.doc);
    if (!t) return;
    const s = t.socket;
    const d = s.doc;
    const mark = `${HOSTILE} ${c.n}`;
    const bytes = Uint8Array.from(c.bytes);
    if (['sharing-write', 'files-write', 'unknown-root', 'unknown-key', 'bad-value', 'nested', 'oversize', 'multi-value'].includes(c.kind)) {
      this.claimed.set(d.clientID, c.user);
    }
    switch (c.kind) {
      case 'sharing-write':
        d.transact(() => {
          d.getMap(ExperimentRoot.sharing).set(['owner', 'public', 'grants', 'trashed'][c.n % 4]!, c.n % 4 === 0 ? c.user : mark);
        });
        break;
      case 'files-write':
        d.getMap(ExperimentRoot.files).set(`file-${c.n}`, { name: mark, sha256: '0'.repeat(64), size: 1, events: 1, channels: [], version: '3.1', uploadedBy: c.user, uploadedAt: 0 });
        break;
      case 'unknown-root':
        d.getMap('annotations').set('x', mark);
        break;
      case 'unknown-key':
        d.getMap(ExperimentRoot.meta).set('owner', mark);
        break;
      case 'bad-value': {
        const which = c.n % 3;
        if (which === 0) d.getMap(ExperimentRoot.meta).set('name', '   ');
        else if (which === 1) d.getMap(ExperimentRoot.gates).set('gate-0', { name: mark, xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, Number.NaN, 1, 1] });
        else d.getMap(ExperimentRoot.tags).set(tagKey('s0.fcs', 'Donor'), 42);
        break;
      }
      case 'nested': {
        const nested = new Y.Map<unknown>();
        d.getMap(ExperimentRoot.meta).set('purpose', nested);
        nested.set('inner', mark);
        break;
      }
      case 'oversize':
        d.getMap(ExperimentRoot.tags).set(tagKey('s1.fcs', 'Donor'), mark + 'x'.repeat(100_000));
        break;
      case 'forged-id': {
        const victim = [...this.claimed].find(([id, owner]) => owner !== c.user && id !== d.clientID && Y.getState(d.store, id) > 0);
        if (!victim) return;
        s.sendUpdate(forkedWrite(d, (f) => f.getMap(ExperimentRoot.tags).set(tagKey('forged.fcs', 'Donor'), mark), victim[0]));
        break;
      }
      case 'forged-server-id': {
        const server = serverClientId(d);
        if (!server) return;
        s.sendUpdate(forkedWrite(d, (f) => f.getMap(ExperimentRoot.tags).set(tagKey('forged.fcs', 'Donor'), mark), server.client));
        break;
      }
      case 'multi-value': {
        this.model.content[c.doc].tags[LOOSE_TAG] = undefined;
        const update = multiValueWrite(d, ExperimentRoot.tags, LOOSE_TAG, `${HIDDEN} ${c.n}`, `ok ${c.n}`);
        s.applyQuietly(update);
        s.sendUpdate(update);
        break;
      }
      case 'random-bytes':
        // Never a sync (0) or awareness (1) message: those have generators of their own.
        s.send(Uint8Array.from([4 + (c.n % 250), ...bytes]));
        break;
      case 'random-sync':
        s.send(Uint8Array.from([0, 2, bytes.length, ...bytes]));
        break;
      case 'delete-flood': {
        const flood = deleteFlood(d, 300);
        if (flood) s.sendUpdate(flood);
        break;
      }
      case 'awareness-garbage':
        s.send(awarenessGarbage(Uint8Array.from([...Buffer.from('GARBAGE'), ...bytes])));
        break;
    }
    // The socket may be reset for it (4409): then it is simply gone.
    await s.roundTrip(WAIT_MS);
    count(`hostile ${c.kind}`);
  }

  private async intoCatalog(c: Extract<Command, { t: 'hostile' }>): Promise<void> {
    const s = new ReplicaSocket(this.h.server.url, docName.catalog, this.accounts[c.user].token);
    this.everyone.push({ user: c.user, doc: docName.catalog, socket: s, checkedUpTo: 0 });
    try {
      await s.ready();
      await s.roundTrip(WAIT_MS);
      const fresh = 0x7000_0000 + ((c.n * 7919 + runCounter * 104_729) % 0x0fff_ffff);
      this.claimed.set(fresh, c.user);
      s.sendUpdate(placeholderStruct(c.kind === 'gc-into-catalog' ? 'gc' : 'skip', fresh, 0, 1 + (c.n % 5)));
      await s.roundTrip(WAIT_MS);
      count(`hostile ${c.kind}`);
    } finally {
      s.close();
    }
  }

  private async revoke(n: number): Promise<void> {
    const readers = [...this.open.values()].filter((t) => t.user !== 'alice');
    const t = readers[n % Math.max(1, readers.length)];
    if (!t) return;
    const doc = docKeyOf(this.model, t.doc);
    const exp = this.model.exps[doc];
    const user = t.user as Exclude<User, 'alice'>;
    const intent: ModelIntent = exp.grants.has(user)
      ? { type: 'unshare', actor: 'alice', doc, user }
      : exp.inProject && this.model.members.has(user)
        ? { type: 'member-remove', actor: 'alice', user }
        : exp.public
          ? { type: 'unpublish', actor: 'alice', doc }
          : { type: 'trash', actor: 'alice', doc };
    await this.intent(intent);
  }

  private async intent(intent: ModelIntent): Promise<void> {
    const m = this.model;
    const actor = this.accounts[intent.actor];
    let answer;
    switch (intent.type) {
      case 'share':
      case 'unshare':
        answer = await actor.intent({ type: intent.type, experimentId: m.ids[intent.doc], user: intent.user });
        break;
      case 'publish':
      case 'unpublish':
      case 'trash':
      case 'restore':
        answer = await actor.intent({ type: intent.type, experimentId: m.ids[intent.doc] });
        break;
      case 'link':
      case 'unlink':
        answer = await actor.intent({ type: 'link', experimentId: m.ids.E, parentId: intent.type === 'link' ? m.ids.P : null });
        break;
      case 'move-in':
      case 'move-out':
        answer = await actor.intent({ type: 'move', experimentId: m.ids[intent.doc], projectId: intent.type === 'move-in' ? m.projectId : null });
        break;
      case 'member-add':
      case 'member-remove':
        answer = await actor.intent({ type: 'project-member', projectId: m.projectId, user: intent.user, role: intent.type === 'member-add' ? 'member' : null });
        break;
    }
    const expected = m.apply(intent);
    count(`intent ${intent.type} ${answer.ok ? 'accepted' : 'refused'}`);
    if (answer.ok !== expected) throw new Error(`intent ${JSON.stringify(intent)}: server ${answer.ok ? 'accepted' : `refused (${answer.code})`}, model ${expected ? 'accepts' : 'refuses'}`);
  }

  // ---- checks ---------------------------------------------------------------------------

  /** The properties, after every step. */
  async checkAll(): Promise<void> {
    await this.checkSockets();
    for (const d of DOCS) await this.checkDocument(d);
    await this.checkIndexes();
    await this.checkCatalog();
    this.checkReceived();
  }

  /**
   * Readers who lost access are cut off (4403); every remaining reader answers a round trip
   * and holds exactly the server's copy of the document.
   */
  private async checkSockets(): Promise<void> {
    for (const [k, t] of [...this.open]) {
      const doc = docKeyOf(this.model, t.doc);
      if (this.model.canRead(doc, t.user)) continue;
      const closed = await withTimeout(t.socket.closed, `${t.user} cut off from ${doc}`);
      if (closed.code !== CloseCode.notAReader) throw new Error(`${t.user} on ${doc}: closed ${closed.code} after losing access`);
      this.open.delete(k);
      count('reader cut off');
    }
    for (const [k, t] of [...this.open]) {
      if (await t.socket.roundTrip(WAIT_MS)) continue;
      const closed = await closeOf(t.socket);
      // A reset (4409), or a message too big (1009), ends a socket that sent something hostile.
      if (closed && (closed.code === CloseCode.resetRequired || closed.code === 1009)) {
        this.open.delete(k);
        continue;
      }
      throw new Error(`${t.user}'s socket on ${t.doc} stopped answering: ${JSON.stringify(closed)}`);
    }
    for (const t of this.open.values()) {
      const room = await this.h.server.rooms.ifLoaded(t.doc);
      if (!room) throw new Error(`${t.doc} is open but not loaded`);
      const server = rootsJson(room.doc);
      const replica = rootsJson(t.socket.doc);
      if (server !== replica) throw new Error(`${t.user}'s replica of ${t.doc} differs from the server's:\n server  ${server}\n replica ${replica}`);
    }
  }

  /** What storage holds: the model's sharing state, only valid content, no refused value. */
  private async checkDocument(d: DocKey): Promise<void> {
    const m = this.model;
    const id = m.ids[d];
    const record = await this.h.server.store.getExperiment(id);
    if (!record) throw new Error(`${d} is gone from the store`);
    // Who granted and when is the server's to say; the model knows who holds a grant.
    const grantees = (g: Record<string, unknown>) => Object.keys(g).sort();
    const { name: _n, createdAt: _c, ...gotSharing } = { ...record, grants: grantees(record.grants) };
    const want = { ...m.sharing(d), grants: grantees(m.sharing(d).grants) };
    if (stable(gotSharing) !== stable(want)) throw new Error(`${d}: stored sharing ${stable(gotSharing)} but the model has ${stable(want)}`);

    const { updates } = await this.h.server.store.loadUpdates(docName.experiment(id));
    for (const u of updates) {
      for (const marker of this.markers()) {
        if (Buffer.from(u).includes(marker)) throw new Error(`${d}: a stored update holds a value that must be refused (${marker})`);
      }
    }
    const stored = new Y.Doc();
    for (const u of updates) Y.applyUpdate(stored, u);
    if (this.checks('refusedRootNames')) {
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
    const room = await this.h.server.rooms.ifLoaded(docName.experiment(id));
    if (room && rootsJson(room.doc) !== rootsJson(stored)) throw new Error(`${d}: the server's copy differs from what it stored`);
    stored.destroy();
  }

  /**
   * Each account's index (its experiment list, a server-written projection) lists E and P
   * exactly when the model says it reaches them as owner, full or restricted, with that access,
   * and the public catalog lists them exactly when public and not trashed.
   */
  private async checkIndexes(): Promise<void> {
    const m = this.model;
    for (const user of USERS) {
      const { updates } = await this.h.server.store.loadUpdates(docName.index(user));
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
    const { updates } = await this.h.server.store.loadUpdates(docName.catalog);
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
  private async checkCatalog(): Promise<void> {
    const { updates } = await this.h.server.store.loadUpdates(docName.catalog);
    if (updates.length === 0) return;
    const stored = new Y.Doc();
    for (const u of updates) Y.applyUpdate(stored, u);
    const users = [...this.claimed.keys()].filter((id) => stored.store.clients.has(id));
    if (users.length > 0) {
      const owners = await this.h.server.store.clientOwners(users);
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
  private checkReceived(): void {
    for (const t of this.everyone) {
      const late = t.socket.after('closing');
      if (late.length > 0) throw new Error(`${t.user} on ${t.doc} received ${late.length} message(s) (${late.map((r) => r.kind).join(', ')}) after being told it was cut off`);
      const fresh = t.socket.received.slice(t.checkedUpTo);
      t.checkedUpTo = t.socket.received.length;
      for (const r of fresh) {
        for (const marker of this.markers()) {
          if (Buffer.from(r.bytes).includes(marker)) throw new Error(`${t.user} on ${t.doc} received a ${r.kind} message carrying a value that must be refused (${marker})`);
        }
      }
    }
  }
}

function key(user: User, doc: DocKey): string {
  return `${user}:${doc}`;
}

function docKeyOf(model: SharingModel, name: string): DocKey {
  return name === docName.experiment(model.ids.E) ? 'E' : 'P';
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

/**
 * How a socket that failed a round trip ended: a socket the server is closing is no longer
 * open before its close event fires, so the event is awaited (bounded); null if it stays open.
 */
async function closeOf(socket: ReplicaSocket): Promise<{ code: number; reason: string } | null> {
  return withTimeout(socket.closed, 'close event').catch(() => null);
}

async function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
