import * as Y from 'yjs';
import { docName, ExperimentRoot, tagKey } from '../../../shared/doc-layout.ts';
import { CloseCode } from '../../../shared/protocol/message-types.ts';
import { FIXTURE_FILES, recordFiles, type Harness } from '../../integration/support/harness.ts';
import { forkedWrite, HOSTILE } from './hostile-updates.ts';
import type { Command } from './property-commands.ts';
import { ReplicaSocket } from './replica-socket.ts';
import { checkAll } from './scenario-checks.ts';
import { sendHostile } from './scenario-hostile.ts';
import { closeOf, count, docKeyOf, key, WAIT_MS, withTimeout, type Accounts, type ScenarioState, type Tracked } from './scenario-state.ts';
import { DOCS, SharingModel, USERS, type DocKey, type ModelIntent, type User } from './sharing-model.ts';

let runCounter = 0;

/** The accounts every run uses, made once per server. */
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
export class Scenario implements ScenarioState {
  readonly model: SharingModel;
  readonly open = new Map<string, Tracked>();
  readonly everyone: Tracked[] = [];
  readonly claimed = new Map<number, User>();

  private constructor(
    readonly h: Harness,
    readonly accounts: Accounts,
    readonly runNumber: number,
    readonly strict: boolean,
  ) {
    const run = `${Date.now().toString(36)}-${runNumber.toString(36)}`;
    this.model = new SharingModel({ E: `prop-e-${run}`, P: `prop-p-${run}` }, `prop-proj-${run}`);
  }

  static async start(h: Harness, accounts: Accounts, { strict = false } = {}): Promise<Scenario> {
    const s = new Scenario(h, accounts, ++runCounter, strict);
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
        await sendHostile(this, command);
        break;
      case 'intent':
        await this.intent(command.intent);
        break;
      case 'revoke':
        await this.revoke(command.n);
        break;
    }
    await checkAll(this);
  }

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
  async socketOf(user: User, doc: DocKey): Promise<Tracked | null> {
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
}
