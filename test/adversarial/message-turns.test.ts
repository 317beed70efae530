import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { readControl, type ControlMessage } from '../../shared/protocol/control.ts';
import { MAX_MESSAGE_BYTES } from '../../shared/protocol/message-types.ts';
import { waitUntil, type TestUser } from '../integration/support/harness.ts';
import { useHarnessPerTest } from '../integration/support/use-harness.ts';
import { sharedExperiment } from '../integration/support/use-harness.ts';
import { updateMessage } from '../../shared/protocol/sync-messages.ts';

/**
 * A client that pours out large (legal) updates without waiting for answers must not hold the
 * document for everyone else until its whole backlog is handled: after each large message of
 * one socket, messages of other sockets that arrived meanwhile go first. Checked by order, not
 * by time: bob's small edit, sent once alice's first large update is acknowledged, must be
 * acknowledged before alice's last one. (Before, her whole backlog was queued in the document
 * ahead of it.)
 */
const h = useHarnessPerTest();

type Raw = { ws: WebSocket; acks: Array<{ at: number }>; order: string[] };

async function rawSocket(user: TestUser, doc: string, label: string, order: string[]): Promise<Raw> {
  const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/sync/${doc}?token=${user.token}&v=1`);
  const raw: Raw = { ws, acks: [], order };
  let welcomed = false;
  ws.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(decoder) !== 10) return;
    const c: ControlMessage | null = readControl(decoder);
    if (c?.t === 'welcome') welcomed = true;
    if (c?.t === 'ack') {
      raw.acks.push({ at: order.length });
      order.push(label);
    }
  });
  ws.on('error', () => undefined);
  await waitUntil(() => welcomed, 'welcome');
  return raw;
}

describe('turns between one client’s large messages', () => {
  it('another user’s edit is handled between two large updates of a client that does not wait for answers', async () => {
    await h.start();
    const { owner: alice, reader: bob, id } = await sharedExperiment(h, 'Target');
    const name = docName.experiment(id);
    const order: string[] = [];
    const a = await rawSocket(alice, name, 'alice', order);
    const b = await rawSocket(bob, name, 'bob', order);

    // Twelve legal updates of about 100 kB of tag cells each, built before anything is sent.
    const writer = new Y.Doc();
    const frames: Uint8Array[] = [];
    let n = 0;
    for (let m = 0; m < 12; m++) {
      const parts: Uint8Array[] = [];
      const take = (u: Uint8Array): void => void parts.push(u);
      writer.on('update', take);
      writer.transact(() => {
        for (let i = 0; i < 1_500; i++) writer.getMap('tags').set(tagKey(`bulk-${n++}.fcs`, 'Donor'), `value ${n} of a bulk import`);
      });
      writer.off('update', take);
      frames.push(updateMessage(Y.mergeUpdates(parts)));
    }
    for (const f of frames) expect(f.byteLength).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const bobDoc = new Y.Doc();
    const bobUpdate: Uint8Array[] = [];
    bobDoc.on('update', (u: Uint8Array) => bobUpdate.push(u));
    bobDoc.getMap('tags').set(tagKey('bob.fcs', 'Donor'), 'D1');

    for (const f of frames) a.ws.send(f);
    await waitUntil(() => a.acks.length >= 1, 'alice’s first ack', 20_000);
    b.ws.send(updateMessage(bobUpdate[0]!));
    await waitUntil(() => a.acks.length === frames.length && b.acks.length === 1, 'every ack', 30_000);
    // bob's edit did not wait behind alice's whole backlog.
    expect(order.indexOf('bob')).toBeLessThan(order.lastIndexOf('alice'));
    expect(order.slice(order.indexOf('bob') + 1).length).toBeGreaterThan(1);
    a.ws.close();
    b.ws.close();
  });
});
