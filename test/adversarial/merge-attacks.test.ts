import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { readControl, type ControlMessage } from '../../shared/protocol/control.ts';
import type { ServerLimits } from '../../sync-server/limits.ts';
import { SERVER_ACCOUNT } from '../../sync-server/sync/client-registry.ts';
import { encodeUpdate } from '../../sync-server/sync/update-encoding.ts';
import { nextId, waitUntil, type TestDoc, type TestUser } from '../integration/support/harness.ts';
import { useHarnessPerTest } from '../integration/support/use-harness.ts';
import { updateOf } from '../support/yjs-updates.ts';

/**
 * The attacks on the validated merge, each through the real server: sent over a bare socket
 * where the stock provider cannot produce the message. Each asserts the refusal (stable code,
 * close code) and that nobody else noticed anything: another user's replica and a fresh
 * reader's replica are what they were, and an honest edit still round-trips.
 */

const h = useHarnessPerTest();

type Raw = {
  ws: WebSocket;
  controls: ControlMessage[];
  /** Payload sizes of the sync updates (step 2 and update) the server sent this socket. */
  received: number[];
  closed: Promise<{ code: number; reason: string }>;
  send(step: number, payload: Uint8Array): void;
  waitForControl(t: ControlMessage['t'], from?: number): Promise<ControlMessage>;
};

async function rawSocket(user: TestUser, doc: string): Promise<Raw> {
  const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/sync/${doc}?token=${user.token}&v=1`);
  const controls: ControlMessage[] = [];
  const received: number[] = [];
  ws.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(decoder);
    if (type === 10) {
      const c = readControl(decoder);
      if (c) controls.push(c);
    } else if (type === 0 && decoding.readVarUint(decoder) !== 0) {
      received.push(decoding.readVarUint8Array(decoder).length);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await waitUntil(() => controls.some((c) => c.t === 'welcome'), 'welcome');
  return {
    ws,
    controls,
    received,
    closed,
    send(step, payload) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, step);
      encoding.writeVarUint8Array(e, payload);
      ws.send(encoding.toUint8Array(e));
    },
    async waitForControl(t, from = controls.length) {
      await waitUntil(() => controls.slice(from).some((c) => c.t === t), `control ${t}`, 20_000);
      return controls.slice(from).find((c) => c.t === t)!;
    },
  };
}

const UPDATE = 2;

/** Everything a replica shows, root by root (an empty root shows nothing). */
function snapshot(doc: Y.Doc): string {
  const out: Record<string, unknown> = {};
  for (const name of [...doc.share.keys()].sort()) if (doc.getMap(name).size > 0) out[name] = doc.getMap(name).toJSON();
  return JSON.stringify(out);
}

async function synced(d: TestDoc, what: string): Promise<TestDoc> {
  await d.waitFor(() => d.provider.synced, what, 10_000);
  return d;
}

async function stored(name: string): Promise<{ rows: number; bytes: Buffer }> {
  const { updates } = await h.server.store.loadUpdates(name);
  return { rows: updates.length, bytes: Buffer.concat(updates.map((u) => Buffer.from(u))) };
}

/** alice owns an experiment shared with bob, who has it open; both sides synced. */
async function sharedExperiment(limits: Partial<ServerLimits> = {}) {
  await h.start({ limits: { ...limits } as ServerLimits });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const id = await alice.createExperiment('Target');
  await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
  const name = docName.experiment(id);
  const bobView = await synced(await bob.open(name), 'bob synced');
  await bobView.waitFor(() => bobView.doc.getMap('sharing').get('owner') === 'alice', 'sharing state');
  return { alice, bob, id, name, bobView };
}

/** bob's honest edit reaches a fresh reader: the server still serves everyone. */
async function honestEditRoundTrips(bob: TestUser, bobView: TestDoc, name: string, value: string): Promise<void> {
  bobView.doc.getMap('tags').set(tagKey('s2.fcs', 'Donor'), value);
  await bobView.waitForControl('ack', 10_000);
  const fresh = await synced(await bob.open(name), 'fresh reader');
  await fresh.waitFor(() => fresh.doc.getMap('tags').get(tagKey('s2.fcs', 'Donor')) === value, 'honest edit round trip', 10_000);
  fresh.destroy();
}

async function freshSnapshot(user: TestUser, name: string): Promise<string> {
  const fresh = await synced(await user.open(name), 'fresh reader');
  const s = snapshot(fresh.doc);
  fresh.destroy();
  return s;
}

describe('attacks on the validated merge', () => {
  it('a delete-set flood is walked once, relayed merged, and refused past the work budget', async () => {
    // 4,000 of the attacker's own structs, deleted. Old code walked them once per range: the
    // 12,000-range flood below cost 48 million struct visits and was relayed as sent, 12,000
    // ranges that every reader's Yjs walked again; the 40,000-range one 160 million.
    const N = 4_000;
    const { alice, bob, name, bobView } = await sharedExperiment({ updateWorkBudget: 30_000 });
    const raw = await rawSocket(alice, name);
    const writer = new Y.Doc();
    const cells = Array.from({ length: N }, (_, i) => tagKey(`f${i}.fcs`, 'Donor'));
    // In parts: all the cells in one message would be over MAX_MESSAGE_BYTES, and deleting
    // many live cells in one over this test's small work budget.
    const part = (n: number) => Array.from({ length: n }, (_, i) => cells.slice((i * N) / n, ((i + 1) * N) / n));
    const sets = part(2).map((cs) => updateOf(writer, () => cs.forEach((c) => writer.getMap('tags').set(c, 'D'))));
    const removals = part(10).map((cs) => updateOf(writer, () => cs.forEach((c) => writer.getMap('tags').delete(c))));
    let from = raw.controls.length;
    for (const update of [...sets, ...removals]) {
      from = raw.controls.length;
      raw.send(UPDATE, update);
      await raw.waitForControl('ack', from);
    }
    await bobView.waitFor(() => bobView.doc.getMap('tags').size === 0, 'bob sees the removal');
    const before = snapshot(bobView.doc);
    const bobRaw = await rawSocket(bob, name);
    const relayedBefore = bobRaw.received.length;

    const flood = (repeats: number) => encodeUpdate([], new Map([[writer.clientID, Array.from({ length: repeats }, (_, i) => ({ clock: i % 2, len: N - 1 }))]]));
    const storedBefore = (await stored(name)).bytes.length;
    const small = flood(12_000);
    expect(small.length).toBeGreaterThan(30_000);
    from = raw.controls.length;
    raw.send(UPDATE, small);
    expect(await raw.waitForControl('ack', from)).toMatchObject({ t: 'ack' });
    // What was relayed and stored is the merged form: one range, a few bytes.
    await waitUntil(() => bobRaw.received.length > relayedBefore, 'relay to bob');
    expect(Math.max(...bobRaw.received.slice(relayedBefore))).toBeLessThan(100);
    expect((await stored(name)).bytes.length - storedBefore).toBeLessThan(100);

    const big = flood(40_000);
    from = raw.controls.length;
    raw.send(UPDATE, big);
    expect(await raw.waitForControl('refused', from)).toMatchObject({ code: 'UPDATE_TOO_COSTLY' });
    expect(await raw.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });

    expect(snapshot(bobView.doc)).toBe(before);
    expect(await freshSnapshot(bob, name)).toBe(before);
    await honestEditRoundTrips(bob, bobView, name, 'after the flood');
  });

  it.each([
    ['catalog', (_id: string, _project: string) => docName.catalog],
    ['index', (_id: string, _project: string) => docName.index('alice')],
    ['connections', (_id: string, _project: string) => docName.connections('alice')],
    ['project', (_id: string, project: string) => docName.project(project)],
  ])('a placeholder flood into the %s document is refused before any id is claimed', async (_kind, target) => {
    const { alice, bob, id, name, bobView } = await sharedExperiment();
    await alice.intent({ type: 'publish', experimentId: id });
    const projectId = `proj-${Date.now().toString(36)}`;
    await alice.intent({ type: 'project-create', projectId, name: 'Atlas' });
    const doc = target(id, projectId);
    const reader = await synced(await alice.open(doc), 'reader of the target');
    await new Promise((r) => setTimeout(r, 300));
    const before = snapshot(reader.doc);
    const rowsBefore = await stored(doc);

    // 15,000 placeholders under fresh ids (as many as MAX_MESSAGE_BYTES holds): old code stored every one and gave alice the ids.
    const ids = Array.from({ length: 15_000 }, (_, i) => 1_000_000 + i);
    const flood = encodeUpdate(ids.map((client) => ({ client, structs: [new Y.GC(Y.createID(client, 0), 1)] })), new Map());
    const raw = await rawSocket(alice, doc);
    raw.send(UPDATE, flood);
    expect(await raw.waitForControl('refused')).toMatchObject({ code: 'SERVER_OWNED_FIELD' });
    expect(await raw.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });
    // An item (not a placeholder) is refused the same way.
    const writer = new Y.Doc();
    const raw2 = await rawSocket(alice, doc);
    raw2.send(UPDATE, updateOf(writer, () => writer.getMap('experiments').set('evil', { id: 'evil' })));
    expect(await raw2.waitForControl('refused')).toMatchObject({ code: 'SERVER_OWNED_FIELD' });

    expect((await h.server.store.clientOwners([...ids.slice(0, 50), writer.clientID])).size).toBe(0);
    expect((await stored(doc)).bytes.equals(rowsBefore.bytes)).toBe(true);
    expect(snapshot(reader.doc)).toBe(before);
    expect(await freshSnapshot(alice, doc)).toBe(before);

    // In an experiment document a new placeholder is refused too: no client writes one.
    const raw3 = await rawSocket(alice, name);
    raw3.send(UPDATE, encodeUpdate([{ client: 7_777_777, structs: [new Y.GC(Y.createID(7_777_777, 0), 100)] }], new Map()));
    expect(await raw3.waitForControl('refused')).toMatchObject({ code: 'UPDATE_MALFORMED' });
    expect(await raw3.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });
    await honestEditRoundTrips(bob, bobView, name, 'after the placeholders');
  });

  it("a write under the server's own client id is refused as foreign", async () => {
    const { alice, bob, name, bobView } = await sharedExperiment();
    const a = await synced(await alice.open(name), 'alice synced');
    await a.waitFor(() => a.doc.getMap('sharing').get('owner') === 'alice', 'sharing');
    const ownerItem = (a.doc.getMap('sharing') as unknown as { _map: Map<string, Y.Item> })._map.get('owner')!;
    const serverId = ownerItem.id.client;
    expect((await h.server.store.clientOwners([serverId])).get(serverId)).toBe(SERVER_ACCOUNT);
    const before = snapshot(bobView.doc);

    // Old code: the id was registered to nobody, so alice claimed it and was acknowledged.
    const forger = new Y.Doc();
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(a.doc));
    forger.clientID = serverId;
    const forged = updateOf(forger, () => forger.getMap('meta').set('purpose', 'FORGED-BY-SERVER-ID'));
    const raw = await rawSocket(alice, name);
    raw.send(UPDATE, forged);
    expect(await raw.waitForControl('refused')).toMatchObject({ code: 'FOREIGN_CLIENT_ID' });
    expect(await raw.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });

    expect((await stored(name)).bytes.includes(Buffer.from('FORGED-BY-SERVER-ID'))).toBe(false);
    expect(snapshot(bobView.doc)).toBe(before);
    expect(await freshSnapshot(bob, name)).toBe(before);
    await honestEditRoundTrips(bob, bobView, name, 'after the forgery');
  });

  it('a hidden value before a harmless one in a tag cell is refused and never stored', async () => {
    const { alice, bob, name, bobView } = await sharedExperiment();
    const before = snapshot(bobView.doc);
    const hidden = { blob: 'HIDDEN-PAYLOAD'.repeat(8_000) }; // ~112 kB (most of what a message may hold), then a valid string
    const client = 4_242_424;
    const cell = tagKey('s1.fcs', 'Donor');
    const item = new Y.Item(Y.createID(client, 0), null, null, null, null, 'tags' as never, cell, new Y.ContentAny([hidden, 'D1']));
    const raw = await rawSocket(alice, name);
    const from = raw.controls.length;
    raw.send(UPDATE, encodeUpdate([{ client, structs: [item] }], new Map()));
    // Old code checked only the last value ('D1') and stored the payload before it.
    expect(await raw.waitForControl('refused', from)).toMatchObject({ code: 'INVALID_VALUE', ranges: [{ client, clock: 0, length: 2 }] });
    await raw.waitForControl('ack', from);

    expect((await stored(name)).bytes.includes(Buffer.from('HIDDEN-PAYLOAD'))).toBe(false);
    expect(snapshot(bobView.doc)).toBe(before);
    expect(await freshSnapshot(bob, name)).toBe(before);
    await honestEditRoundTrips(bob, bobView, name, 'after the hidden value');
  });

  it('a refused write to a new root leaves no root name anywhere', async () => {
    const { alice, bob, name, bobView } = await sharedExperiment();
    const before = snapshot(bobView.doc);
    const a = await synced(await alice.open(name), 'alice synced');
    a.doc.getArray('evil123').insert(0, ['x']);
    expect(await a.waitForControl('refused')).toMatchObject({ code: 'UNKNOWN_FIELD' });
    a.doc.getMap('evil456').set('k', 'v');
    expect(await a.waitForControl('refused')).toMatchObject({ code: 'UNKNOWN_FIELD' });
    // The author converges: its refused structs are deleted.
    await a.waitFor(() => a.doc.getArray('evil123').length === 0 && a.doc.getMap('evil456').size === 0, 'author converges');

    // Old code kept both names in storage, in the server's copy, and in every fresh replica.
    const { bytes } = await stored(name);
    expect(bytes.includes(Buffer.from('evil123')) || bytes.includes(Buffer.from('evil456'))).toBe(false);
    const fresh = await synced(await bob.open(name), 'fresh reader');
    expect([...fresh.doc.share.keys()].filter((k) => k.startsWith('evil'))).toEqual([]);
    expect(snapshot(bobView.doc)).toBe(before);
    expect([...bobView.doc.share.keys()].filter((k) => k.startsWith('evil'))).toEqual([]);
    fresh.destroy();
    await honestEditRoundTrips(bob, bobView, name, 'after the root names');
  });

  describe('a refused write leaves nothing of its content behind', () => {
    /** What a new reader downloads: the encoded state of a fresh replica. */
    async function downloadSize(user: TestUser, name: string): Promise<number> {
      const fresh = await synced(await user.open(name), 'fresh reader');
      const n = Y.encodeStateAsUpdate(fresh.doc).length;
      fresh.destroy();
      return n;
    }

    /** The author's next control message of kind `t` after `from`. */
    async function nextControl(d: TestDoc, t: ControlMessage['t'], from: number): Promise<ControlMessage> {
      await waitUntil(() => d.controls.slice(from).some((c) => c.t === t), `control ${t}`, 30_000);
      return d.controls.slice(from).find((c) => c.t === t)!;
    }

    /** alice's published experiment with one tag, which bob reads; `writer` is eve (a stranger) or bob (read-only). */
    async function publicExperiment(writer: 'stranger' | 'member') {
      await h.start({ limits: {} as ServerLimits });
      const alice = await h.user('alice');
      const bob = await h.user('bob');
      const eve = await h.user('eve');
      const id = await alice.createExperiment('Published');
      await alice.intent({ type: 'publish', experimentId: id });
      if (writer === 'member') {
        // eve is a member of the experiment's project, whose policy lets members only read.
        const projectId = nextId('proj');
        for (const intent of [
          { type: 'project-create', projectId, name: 'Atlas' },
          { type: 'move', experimentId: id, projectId },
          { type: 'project-member', projectId, user: 'eve', role: 'member' },
          { type: 'project-policy', projectId, policy: { access: 'restricted', illustrations: 'view-only', cloning: 'files-only' } },
        ] as const) expect(await alice.intent(intent)).toMatchObject({ ok: true });
      }
      const name = docName.experiment(id);
      const a = await synced(await alice.open(name), 'alice synced');
      a.doc.getMap('tags').set(tagKey('s1.fcs', 'Stim'), 'PMA');
      await a.waitForControl('ack', 10_000);
      const reader = await synced(await bob.open(name), 'reader synced');
      await reader.waitFor(() => reader.doc.getMap('tags').get(tagKey('s1.fcs', 'Stim')) === 'PMA', 'reader has the tag');
      return { alice, bob, name, a, reader, author: eve };
    }

    it.each([['a stranger', 'stranger'], ['a read-only member', 'member']] as const)(
      'a megabyte of refused tag values from %s grows the stored document by a few bytes, 20 times over',
      async (_who, writer) => {
        const { alice, bob, name, a, reader, author } = await publicExperiment(writer);
        const before = snapshot(a.doc);
        const sizeBefore = await downloadSize(bob, name);
        const w = await synced(await author.open(name), 'author synced');
        const rounds = 20;
        for (let round = 0; round < rounds; round++) {
          // The reviewer's megabyte, in messages under MAX_MESSAGE_BYTES: 1,000 new keys (about
          // 70 kB) a round, 20,000 keys over the 20 rounds.
          const count = 1_000;
          const from = w.controls.length;
          w.doc.transact(() => {
            const tags = w.doc.getMap('tags');
            for (let i = 0; i < count; i++) tags.set(tagKey('s1.fcs', `${'K'.repeat(30)}${round}-${i}`), 'x'.repeat(20));
          });
          expect(await nextControl(w, 'refused', from)).toMatchObject({ code: 'READ_ONLY' });
          await nextControl(w, 'ack', from);
          // The author converges: none of its refused keys is left in its replica.
          await w.waitFor(() => w.doc.getMap('tags').size === 1, 'author converges', 30_000);
          if (round === 0) {
            // Old code stored every key (about 70 kB for this round alone).
            expect(await downloadSize(bob, name)).toBeLessThan(sizeBefore + 300);
          }
        }
        expect(w.doc.getMap('tags').toJSON()).toEqual({ [tagKey('s1.fcs', 'Stim')]: 'PMA' });
        // 20 rounds, 20,000 refused structs (1.4 MB sent): still a few hundred bytes.
        expect(await downloadSize(bob, name)).toBeLessThan(sizeBefore + 600);
        const { bytes } = await stored(name);
        expect(bytes.includes(Buffer.from('K'.repeat(30)))).toBe(false);
        expect(snapshot(a.doc)).toBe(before);
        expect(snapshot(reader.doc)).toBe(before);
        expect(await freshSnapshot(alice, name)).toBe(before);
        // The author is still live: the owner's later edit reaches it.
        a.doc.getMap('meta').set('purpose', 'after the flood');
        await w.waitFor(() => w.doc.getMap('meta').get('purpose') === 'after the flood', 'author still live', 10_000);
      },
    );

    it('a refused overwrite of an existing tag keeps its value for everyone and costs a few bytes', async () => {
      const { alice, bob, name, a, reader, author } = await publicExperiment('member');
      const cell = tagKey('s1.fcs', 'Stim');
      const before = snapshot(a.doc);
      const sizeBefore = await downloadSize(bob, name);
      const w = await synced(await author.open(name), 'author synced');
      for (let round = 0; round < 20; round++) {
        const from = w.controls.length;
        w.doc.getMap('tags').set(cell, `FORGED-${round}-${'z'.repeat(50_000)}`);
        expect(await nextControl(w, 'refused', from)).toMatchObject({ code: 'READ_ONLY' });
        await nextControl(w, 'ack', from);
        await w.waitFor(() => w.doc.getMap('tags').get(cell) === 'PMA', 'author converges to the previous value', 10_000);
        expect(w.controls.slice(from).some((c) => c.t === 'closing')).toBe(false);
      }
      // Each round: the author's emptied struct and the server's restore, about 30 bytes. (A guard
      // of the restore's interplay with the placeholders, rather than a failing case of old code.)
      expect(await downloadSize(bob, name)).toBeLessThan(sizeBefore + 1_000);
      expect((await stored(name)).bytes.includes(Buffer.from('FORGED-'))).toBe(false);
      expect(snapshot(a.doc)).toBe(before);
      expect(snapshot(reader.doc)).toBe(before);
      expect(await freshSnapshot(alice, name)).toBe(before);
    });
  });

  it('new client ids are bounded per socket and per account', async () => {
    const { alice, bob, name, bobView } = await sharedExperiment({ clientIdsPerSocket: 16, clientIdsPerAccountPerDay: 40 });
    const before = snapshot(bobView.doc);
    let next = 0;
    /** One update writing one (valid) tag cell under each of `n` fresh client ids. */
    const underFreshIds = (n: number) => {
      const docs = Array.from({ length: n }, () => new Y.Doc());
      const updates = docs.map((d) => updateOf(d, () => d.getMap('tags').set(tagKey('s0.fcs', `ids${next++}`), 'D')));
      return { update: Y.mergeUpdates(updates), ids: docs.map((d) => d.clientID) };
    };
    // Old code: 200 fresh ids in one message, all claimed for alice.
    const flood = underFreshIds(200);
    const raw = await rawSocket(alice, name);
    raw.send(UPDATE, flood.update);
    expect(await raw.waitForControl('refused')).toMatchObject({ code: 'TOO_MANY_CLIENT_IDS' });
    expect(await raw.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });
    expect((await h.server.store.clientOwners(flood.ids)).size).toBe(0);

    // Up to the socket's bound it works; the account's daily bound stops the third socket.
    for (let socket = 0; socket < 2; socket++) {
      const ok = await rawSocket(alice, name);
      const batch = underFreshIds(16);
      ok.send(UPDATE, batch.update);
      await ok.waitForControl('ack');
      expect((await h.server.store.clientOwners(batch.ids)).size).toBe(16);
      ok.ws.close();
    }
    const third = await rawSocket(alice, name);
    const over = underFreshIds(16);
    third.send(UPDATE, over.update);
    expect(await third.waitForControl('refused')).toMatchObject({ code: 'TOO_MANY_CLIENT_IDS' });
    expect(await third.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });
    expect((await h.server.store.clientOwners(over.ids)).size).toBe(0);

    // bob's replica got the 32 accepted cells and nothing of the refused ones.
    await bobView.waitFor(() => bobView.doc.getMap('tags').size === 32, 'accepted cells relayed');
    const tags = bobView.doc.getMap('tags').toJSON() as Record<string, string>;
    expect(Object.keys(tags).every((k) => Number(/ids(\d+)/.exec(k)![1]) >= 200 && Number(/ids(\d+)/.exec(k)![1]) < 232)).toBe(true);
    expect(JSON.parse(snapshot(bobView.doc)).meta).toEqual(JSON.parse(before).meta);
    await honestEditRoundTrips(bob, bobView, name, 'after the id flood');
  });
});

describe('client ids announced in presence', () => {
  it("a reader cannot squat a collaborator's announced client id: the collaborator's offline edits still land", async () => {
    await h.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const mallory = await h.user('mallory');
    const id = await alice.createExperiment('Target');
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    // Public: mallory reads it without being shared anything.
    await alice.intent({ type: 'publish', experimentId: id });
    const name = docName.experiment(id);
    const aliceView = await synced(await alice.open(name), 'alice synced');
    const bobView = await synced(await bob.open(name), 'bob synced');
    const victim = bobView.doc.clientID;
    // bob announces himself before writing anything; alice seeing it means the server took it.
    bobView.provider.awareness.setLocalStateField('user', 'bob');
    await aliceView.waitFor(() => aliceView.provider.awareness.getStates().get(victim)?.user === 'bob', 'alice sees bob’s presence', 10_000);
    const raw = await rawSocket(mallory, name);

    // bob goes offline and edits.
    bobView.provider.disconnect();
    bobView.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'BOB-OFFLINE');

    // mallory writes first under bob's id (the id she saw in presence): refused as foreign.
    const forger = new Y.Doc();
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(aliceView.doc));
    forger.clientID = victim;
    const forged = updateOf(forger, () => forger.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'MALLORY'));
    const from = raw.controls.length;
    raw.send(UPDATE, forged);
    const refusal = await raw.waitForControl('refused', from);
    expect(refusal).toMatchObject({ t: 'refused', code: 'FOREIGN_CLIENT_ID' });

    // bob reconnects: his offline edit is accepted, not reset away.
    const before = bobView.controls.length;
    bobView.provider.connect();
    await bobView.waitFor(() => bobView.controls.slice(before).some((c) => c.t === 'ack' || c.t === 'closing' || c.t === 'refused'), 'bob’s answer', 10_000);
    expect(bobView.controls.slice(before).filter((c) => c.t !== 'welcome' && c.t !== 'ack')).toEqual([]);
    await aliceView.waitFor(() => aliceView.doc.getMap('tags').get(tagKey('s1.fcs', 'Donor')) === 'BOB-OFFLINE', 'bob’s offline edit reaches alice', 10_000);
    expect(JSON.parse(await freshSnapshot(alice, name)).tags[tagKey('s1.fcs', 'Donor')]).toBe('BOB-OFFLINE');
    raw.ws.close();
    aliceView.destroy();
    bobView.destroy();
  });
});
