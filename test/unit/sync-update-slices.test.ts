import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName, ExperimentRoot, parseDocName, tagKey } from '../../shared/doc-layout.ts';
import type { ControlMessage } from '../../shared/protocol/control.ts';
import { MAX_MESSAGE_BYTES } from '../../shared/protocol/message-types.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import { sliceSyncMessage } from '../../extension/core/update-slices.ts';
import { DEFAULT_LIMITS } from '../../sync-server/limits.ts';
import { ClientRegistry } from '../../sync-server/sync/client-registry.ts';
import { DocRoom, type RoomPeer } from '../../sync-server/sync/room.ts';
import { inspectUpdate } from '../../sync-server/sync/update-inspector.ts';
import { mergeClientUpdate } from '../../sync-server/sync/validated-merge.ts';
import { syncStep2Message } from '../../shared/protocol/sync-messages.ts';
import { mergeOnlyStore } from '../support/merge-store.ts';

/**
 * A large experiment document must still sync under the server's bounds on one message (its
 * size, MAX_MESSAGE_BYTES, and its work, updateWorkBudget): 5,000 sample-tag cells and 200
 * gates, edited heavily on two machines (every cell and gate overwritten several times, so most
 * structs are deleted ones), sent whole as a sync step 2 from a fresh replica to a server that
 * has only the experiment's creation (its copy restored from an old backup, say). The client core slices it; every slice must pass the
 * validated merge with the default limits, and the server must end up with the same document.
 */
const EXP = 'bigexp01';
const NAME = docName.experiment(EXP);
const alice: Actor = { username: 'alice', staff: false };
const SHARING: SharingState = { ...newSharing(EXP, 'alice'), grants: { bob: { by: 'alice', at: 1 } } };
const GATE = { name: 'Lymphocytes', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 100, 100] };

type Peer = RoomPeer & { controls: ControlMessage[]; closes: number[] };
function peerOf(actor: Actor): Peer {
  const controls: ControlMessage[] = [];
  const closes: number[] = [];
  return { actor, controls, closes, send: () => undefined, sendFrame: () => undefined, control: (m) => controls.push(m), close: (c) => closes.push(c) };
}

function serverBaseline(): Uint8Array {
  const server = new Y.Doc();
  server.clientID = 1;
  const s = server.getMap(ExperimentRoot.sharing);
  for (const [k, v] of Object.entries(SHARING)) if (k !== 'id') s.set(k, v);
  server.getMap(ExperimentRoot.meta).set('name', 'Spleen panel');
  // The 500 files the tags name, with the channels the gates use (a tag must name a file of the experiment).
  const files = server.getMap(ExperimentRoot.files);
  for (let f = 0; f < 500; f++) {
    files.set(`file${f}`, {
      name: `sample-${String(f).padStart(4, '0')}.fcs`, sha256: '0'.repeat(64), size: 0, events: 0,
      channels: [{ name: 'FSC-A', label: null }, { name: 'SSC-A', label: null }], version: '3.1', uploadedBy: 'alice', uploadedAt: 0,
    });
  }
  return Y.encodeStateAsUpdate(server);
}

/** Alice's replicas on two machines after weeks of work, merged into one (what a fresh replica of hers holds). */
function heavilyEditedReplica(baseline: Uint8Array): Y.Doc {
  const a = new Y.Doc();
  a.clientID = 1001;
  const b = new Y.Doc();
  b.clientID = 2002;
  Y.applyUpdate(a, baseline);
  Y.applyUpdate(b, baseline);
  for (let round = 0; round < 4; round++) {
    const editor = round % 2 === 0 ? a : b;
    for (let f = 0; f < 500; f++) {
      for (let d = 0; d < 10; d++) editor.transact(() => editor.getMap('tags').set(tagKey(`sample-${String(f).padStart(4, '0')}.fcs`, `Dimension ${d}`), `value ${round}.${f}.${d}`));
    }
    for (let g = 0; g < 200; g++) {
      for (let k = 0; k < 3; k++) editor.transact(() => editor.getMap('gates').set(`gate-${g}`, { ...GATE, name: `Gate ${g} (${round}.${k})`, rect: [round, k, 100 + g, 200] }));
    }
    // The other replica catches up, so the next round overwrites what this one wrote.
    Y.applyUpdate(editor === a ? b : a, Y.encodeStateAsUpdate(editor));
  }
  a.getMap('meta').set('name', 'Spleen panel, final');
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  return b;
}

describe('a large, heavily edited experiment syncs under the bounds on one message', () => {
  it('a full sync step 2 from a fresh replica is sent in slices the server accepts, and the server ends with the same document', async () => {
    const baseline = serverBaseline();
    const replica = heavilyEditedReplica(baseline);
    const step2 = syncStep2Message(replica, Y.encodeStateVector(new Y.Doc()));
    // Whole, it is over the bound: the server would refuse it.
    expect(step2.byteLength).toBeGreaterThan(MAX_MESSAGE_BYTES);
    const slices = sliceSyncMessage(step2);
    expect(slices.length).toBeGreaterThan(1);
    for (const m of slices) expect(m.byteLength).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);

    const store = mergeOnlyStore();
    const registry = new ClientRegistry(store);
    await registry.claim([1001, 2002], 'alice', { socketAllowance: 10, perAccountPerDay: 10 });
        const room = new DocRoom(NAME, parseDocName(NAME)!, store, { updates: [baseline], lastSeq: 1 });
    room.sharing = SHARING;
    const peer = peerOf(alice);
    const deps = { registry, limits: DEFAULT_LIMITS };
    let mostWork = 0;
    for (const message of slices) {
      const payload = payloadOf(message);
      const probe = inspectUpdate(room.doc, payload, { budget: DEFAULT_LIMITS.updateWorkBudget });
      expect(probe.ok ? "ok" : `${probe.reason} at slice ${slices.indexOf(message)} of ${slices.length}`).toBe("ok");
      if (probe.ok) mostWork = Math.max(mostWork, probe.work);
      await room.run(() => mergeClientUpdate(room, peer, payload, deps));
    }
    expect(peer.closes).toEqual([]);
    expect(peer.controls.filter((c) => c.t !== 'ack')).toEqual([]);
    const server = room.doc;
    expect(server.getMap('tags').size).toBe(5_000);
    expect(server.getMap('gates').size).toBe(200);
    expect(server.getMap('meta').toJSON()).toEqual(replica.getMap('meta').toJSON());
    expect(server.getMap('tags').toJSON()).toEqual(replica.getMap('tags').toJSON());
    expect(server.getMap('gates').toJSON()).toEqual(replica.getMap('gates').toJSON());
    expect(Y.encodeStateVector(server)).toEqual(Y.encodeStateVector(replica));
    // Well within the budget per message, so a larger document also fits.
    expect(mostWork).toBeLessThan(DEFAULT_LIMITS.updateWorkBudget / 4);

    // Reconnecting once the server has it all: the step 2 is the whole delete set, walked once.
    const again = Y.encodeStateAsUpdate(replica, Y.encodeStateVector(server));
    const walk = inspectUpdate(server, again, { budget: DEFAULT_LIMITS.updateWorkBudget });
    expect(walk.ok).toBe(true);
    if (walk.ok) expect(walk.work).toBeLessThan(DEFAULT_LIMITS.updateWorkBudget / 4);
    room.destroy();
    // Builds and checks a document of thousands of edits: seconds on a shared, loaded machine.
  }, 60_000);

  it('a message under the bound is sent as it is', () => {
    const doc = new Y.Doc();
    doc.getMap('tags').set(tagKey('a.fcs', 'Donor'), 'D1');
    const message = syncStep2Message(doc, Y.encodeStateVector(new Y.Doc()));
    expect(sliceSyncMessage(message)).toEqual([message]);
  });
});

/** The update a sync message (type, step, update) carries. */
function payloadOf(message: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(message);
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
  return decoding.readVarUint8Array(decoder);
}
