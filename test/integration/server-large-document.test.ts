import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { DocLink } from '../../extension/core/doc-link.ts';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import type { ControlMessage } from '../../shared/protocol/control.ts';
import { MAX_MESSAGE_BYTES } from '../../shared/protocol/message-types.ts';
import { syncStep2Message } from '../../shared/protocol/sync-messages.ts';
import { recordFiles, waitUntil } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

/**
 * A large experiment, heavily edited offline, reaches the server through the client core's
 * link from a fresh replica, although its sync step 2 is over the server's bound on one
 * message: the link sends it in slices, each checked and acknowledged on its own.
 */
const h = useHarness();

const GATE = { name: 'Lymphocytes', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 100, 100] };

describe('a large experiment document', () => {
  it('5,000 cells and 200 gates, each overwritten several times offline, sync from a fresh replica through the client core', async () => {
    const alice = await h.user('alice');
    const id = await alice.createExperiment('Big panel');
    await recordFiles(h.server, id, Array.from({ length: 500 }, (_, f) => `sample-${f}.fcs`));
    const name = docName.experiment(id);
    const first = await alice.open(name);
    await first.waitFor(() => first.provider.synced, 'first sync');
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(first.doc));
    const serverVector = Y.encodeStateVector(first.doc);
    first.destroy();
    for (let round = 0; round < 4; round++) {
      for (let f = 0; f < 500; f++) {
        for (let d = 0; d < 10; d++) offline.transact(() => offline.getMap('tags').set(tagKey(`sample-${f}.fcs`, `Dimension ${d}`), `value ${round}.${f}.${d}`));
      }
      for (let g = 0; g < 200; g++) offline.transact(() => offline.getMap('gates').set(`gate-${g}`, { ...GATE, name: `Gate ${g} (${round})` }));
    }
    // A fresh replica: the same document loaded anew (from the local store, say).
    const replica = new Y.Doc();
    replica.clientID = offline.clientID + 1;
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(offline));
    expect(syncStep2Message(replica, serverVector).byteLength).toBeGreaterThan(MAX_MESSAGE_BYTES);

    const controls: ControlMessage[] = [];
    const closes: number[] = [];
    const link = new DocLink(name, replica, { server: h.server.url, token: alice.token, WebSocketPolyfill: WebSocket }, {
      onControl: (m) => controls.push(m),
      onFinalClose: (code) => closes.push(code),
    });
    try {
      const reader = await alice.open(name);
      const whole = () => reader.doc.getMap('tags').size === 5_000 && reader.doc.getMap('gates').size === 200;
      // Stops early on a refusal: the server closes a socket that sent a message over the bound.
      await waitUntil(() => whole() || closes.length > 0 || controls.some((c) => c.t === 'closing'), 'the whole document at another reader', 15_000);
      expect(controls.filter((c) => c.t === 'refused' || c.t === 'closing')).toEqual([]);
      expect(whole()).toBe(true);
      expect(reader.doc.getMap('tags').toJSON()).toEqual(replica.getMap('tags').toJSON());
      expect(reader.doc.getMap('gates').toJSON()).toEqual(replica.getMap('gates').toJSON());
      expect(controls.filter((c) => c.t === 'refused' || c.t === 'closing')).toEqual([]);
      expect(closes).toEqual([]);
    } finally {
      link.destroy();
    }
  });
});
