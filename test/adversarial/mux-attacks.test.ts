import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { docName } from '../../shared/doc-layout.ts';
import { MessageType } from '../../shared/protocol/message-types.ts';
import type { ServerLimits } from '../../sync-server/limits.ts';
import { MuxTestClient } from '../support/mux-test-client.ts';
import { startHarness, type Harness } from '../integration/support/harness.ts';

/**
 * The multiplexed socket (`/mux`) under a client that does not play by its rules: more
 * documents than a socket may name, catch-ups faster than the bucket refills, frames that do
 * not parse, writes without following, follows past the account's socket budget. Every refusal
 * is per document, with a stable code, and leaves the socket and its other documents working.
 */
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
});

async function setUp(limits: Partial<ServerLimits> = {}) {
  const h = await startHarness({ limits });
  harnesses.push(h);
  const alice = await h.user('alice');
  const mallory = await h.user('mallory');
  return { h, alice, mallory };
}

const answeredOrRefused = (mux: MuxTestClient, name: string) => mux.answers.has(name) || mux.controlsFor(name).length > 0;

describe('bounds of the multiplexed socket', () => {
  it('refuses documents past docsPerMuxSocket one by one (TOO_MANY_DOCUMENTS) and still answers the ones it named', async () => {
    const { h, alice } = await setUp({ docsPerMuxSocket: 3 });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await alice.createExperiment(`e${i}`));
    const names = ids.map(docName.experiment);
    const mux = await MuxTestClient.open(h.server.url, alice.token);
    for (const name of names) mux.catchUp(name);
    await mux.waitFor(() => names.every((n) => answeredOrRefused(mux, n)), 'every document answered or refused');
    expect(names.slice(0, 3).every((n) => mux.answers.get(n) === 1)).toBe(true);
    for (const name of names.slice(3)) expect(mux.controlsFor(name)).toEqual([expect.objectContaining({ t: 'closing', code: 'TOO_MANY_DOCUMENTS' })]);
    expect(mux.doc(names[4]!).getMap('meta').size).toBe(0);
    // A document already named is answered again.
    mux.catchUp(names[0]!);
    await mux.waitFor(() => mux.answers.get(names[0]!) === 2, 'a second answer');
    mux.close();
  });

  it('refuses catch-ups past the bucket (TOO_MANY_ATTEMPTS) without reading them, and the socket goes on', async () => {
    const { h, alice } = await setUp({ muxCatchUpBurst: 2, muxCatchUpsPerSecond: 1 });
    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push(docName.experiment(await alice.createExperiment(`e${i}`)));
    const mux = await MuxTestClient.open(h.server.url, alice.token);
    for (const name of names) mux.catchUp(name);
    await mux.waitFor(() => names.every((n) => answeredOrRefused(mux, n)), 'every document answered or refused');
    const refused = names.filter((n) => mux.controlsFor(n).some((c) => c.t === 'closing' && c.code === 'TOO_MANY_ATTEMPTS'));
    expect(names.filter((n) => mux.answers.has(n))).toHaveLength(2);
    expect(refused).toHaveLength(3);
    for (const name of refused) expect(mux.doc(name).getMap('meta').size).toBe(0);
    expect(mux.ws.readyState).toBe(WebSocket.OPEN);
    mux.close();
  });

  it('answers frames that do not parse with BAD_REQUEST and keeps the socket', async () => {
    const { h, alice } = await setUp();
    const id = docName.experiment(await alice.createExperiment('fine'));
    const mux = await MuxTestClient.open(h.server.url, alice.token);
    // A name claimed 2^30 characters long, in a short frame.
    const huge = encoding.createEncoder();
    encoding.writeVarUint(huge, 2 ** 30);
    encoding.writeUint8Array(huge, new Uint8Array(16));
    mux.ws.send(encoding.toUint8Array(huge));
    mux.send('x'.repeat(200), Uint8Array.of(MessageType.sync, 0, 0));
    mux.send('../../etc/passwd', Uint8Array.of(MessageType.sync, 0, 0));
    mux.send(id, Uint8Array.of(MessageType.sync, 0, 200)); // truncated state vector
    mux.send(id, Uint8Array.of(MessageType.sync, 0, 3, 5, 255, 255)); // a state vector that does not decode
    mux.send(id, Uint8Array.of(MessageType.awareness, 0));
    await mux.waitFor(() => mux.controlsFor('').length === 3 && mux.controlsFor('../../etc/passwd').length === 1 && mux.controlsFor(id).length === 3, 'every refusal');
    expect(mux.controlsFor('').every((c) => c.t === 'welcome' || (c.t === 'refused' && c.code === 'BAD_REQUEST'))).toBe(true);
    expect(mux.controlsFor('../../etc/passwd')).toEqual([expect.objectContaining({ code: 'BAD_REQUEST' })]);
    expect(mux.controlsFor(id).every((c) => c.t === 'refused' && c.code === 'BAD_REQUEST')).toBe(true);
    mux.catchUp(id);
    await mux.waitFor(() => mux.doc(id).getMap('meta').get('name') === 'fine', 'a good catch-up after the bad frames');
    mux.close();
  });

  it('takes no write on a document it does not follow, nor from a follower who may not write', async () => {
    const { h, alice, mallory } = await setUp();
    const ids = [await alice.createExperiment('guarded 1'), await alice.createExperiment('guarded 2')];
    for (const id of ids) expect(await alice.intent({ type: 'share', experimentId: id, user: 'mallory', role: 'viewer' })).toMatchObject({ ok: true });
    const [caughtUp, followed] = ids.map(docName.experiment) as [string, string];
    const mux = await MuxTestClient.open(h.server.url, mallory.token);
    mux.catchUp(caughtUp);
    await mux.waitFor(() => mux.answers.has(caughtUp), 'the viewer catches up');
    mux.write(caughtUp, (doc) => doc.getMap('meta').set('name', 'taken over'));
    await mux.waitFor(() => mux.controlsFor(caughtUp).some((c) => c.t === 'refused'), 'the write refused');
    expect(mux.controlsFor(caughtUp)).toEqual([expect.objectContaining({ t: 'refused', code: 'BAD_REQUEST' })]);
    mux.follow(followed);
    await mux.waitFor(() => mux.answers.has(followed), 'followed');
    mux.write(followed, (doc) => doc.getMap('meta').set('name', 'taken over too'));
    await mux.waitFor(() => mux.controlsFor(followed).some((c) => c.t === 'refused'), 'the viewer refused');
    expect(mux.controlsFor(followed)).toEqual([expect.objectContaining({ t: 'refused', code: 'READ_ONLY' }), expect.objectContaining({ t: 'ack' })]);
    for (const [i, name] of [caughtUp, followed].entries()) {
      const stored = new Y.Doc();
      for (const update of (await h.server.store.loadUpdates(name)).updates) Y.applyUpdate(stored, update);
      expect(stored.getMap('meta').get('name')).toBe(`guarded ${i + 1}`);
    }
    mux.close();
  });

  it('counts followed documents against socketsPerAccount, and a logout ends the whole socket (4401)', async () => {
    const { h, alice } = await setUp({ socketsPerAccount: 3 });
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push(docName.experiment(await alice.createExperiment(`e${i}`)));
    const mux = await MuxTestClient.open(h.server.url, alice.token);
    for (const name of names) mux.follow(name);
    await mux.waitFor(() => names.every((n) => answeredOrRefused(mux, n)), 'every follow answered or refused');
    // The socket itself and two followed documents: the third is one too many.
    expect(mux.controlsFor(names[2]!)).toEqual([expect.objectContaining({ t: 'closing', code: 'TOO_MANY_SOCKETS' })]);
    mux.leave(names[0]!);
    mux.follow(names[2]!);
    await mux.waitFor(() => mux.answers.has(names[2]!), 'a follow once another was left');
    expect((await alice.post('/api/logout', {})).status).toBe(204);
    expect((await mux.closed).code).toBe(4401);
    mux.close();
  });
});
