import WebSocket from 'ws';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { CytoshareCore } from '../../extension/core/core.ts';
import { MemoryStore } from '../../extension/core/memory-store.ts';
import { docName, ExperimentRoot, tagKey } from '../../shared/doc-layout.ts';
import { PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { MuxTestClient } from '../support/mux-test-client.ts';
import { startHarness, type Harness, type HarnessStore, type TestUser } from './support/harness.ts';

/**
 * Catching up many experiments over one multiplexed socket (`/mux`): a client that holds a
 * dozen experiments, each edited by someone else while it was away, gets them all over one
 * socket and ends up with what the server stores; a document it may not read is refused on its
 * own; a revocation stops that document only.
 */
const PASSWORD = 'correct horse battery';
const HELD = 12;

/** Every socket a client core opens, by URL path. */
const opened: string[] = [];
class CountingWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    opened.push(new URL(String(args[0])).pathname);
  }
}

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What the server stores of a document, as a client would build it. */
async function storedContent(h: Harness, name: string): Promise<unknown> {
  const doc = new Y.Doc();
  for (const update of (await h.server.store.loadUpdates(name)).updates) Y.applyUpdate(doc, update);
  return contentOf(doc);
}

function contentOf(doc: Y.Doc): unknown {
  return Object.fromEntries(Object.values(ExperimentRoot).map((root) => [root, doc.getMap(root).toJSON()]));
}

/** The owner edits an experiment over its own socket and waits for the server's ack. */
async function edit(user: TestUser, id: string, purpose: string): Promise<void> {
  const live = await user.open(docName.experiment(id));
  await live.waitFor(() => live.provider.synced, 'the owner synced');
  live.doc.transact(() => {
    live.doc.getMap('meta').set('purpose', purpose);
    live.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), purpose);
  });
  await live.waitForControl('ack');
  live.destroy();
}

async function clientCore(h: Harness, username: string): Promise<CytoshareCore> {
  const core = await CytoshareCore.open({ store: new MemoryStore(), server: h.server.url, WebSocketPolyfill: CountingWebSocket });
  await core.login(username, PASSWORD);
  return core;
}

function catchesUpOverOneSocket(backend: HarnessStore) {
  return async () => {
    // Rooms unload soon after their last use: the catch-up then reads stored state, as after a day away.
    const h = await startHarness({ backend, unloadDelayMs: 50 });
    harnesses.push(h);
    const alice = await h.user('alice');
    await h.user('bob');
    const ids: string[] = [];
    for (let i = 0; i < HELD; i++) {
      const id = await alice.createExperiment(`panel ${i}`);
      expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
      ids.push(id);
    }
    const bob = await clientCore(h, 'bob');
    await bob.refresh(ids, true);
    for (const id of ids) expect((await bob.store.openDoc(docName.experiment(id))).getMap('meta').get('name')).toBe(`panel ${ids.indexOf(id)}`);

    // Bob is away; Alice edits every experiment he holds.
    for (const [i, id] of ids.entries()) await edit(alice, id, `edited while bob was away ${i}`);

    for (const id of ids) await until(async () => (await h.server.rooms.ifLoaded(docName.experiment(id))) === null, 'the rooms unloaded');

    opened.length = 0;
    await bob.catchUp();
    for (const [i, id] of ids.entries()) {
      const name = docName.experiment(id);
      const mine = await bob.store.openDoc(name);
      expect(mine.getMap('meta').get('purpose')).toBe(`edited while bob was away ${i}`);
      expect(contentOf(mine)).toEqual(await storedContent(h, name));
    }
    // One socket for every experiment; the lists' few documents come over it too.
    expect(opened).toEqual(['/mux']);
  };
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
});

describe('catching up many experiments over one socket', () => {
  it('brings every held experiment to what the server stores, over one socket', catchesUpOverOneSocket('sqlite'), 60_000);

  it.skipIf(TEST_PG === null)(`does the same on PostgreSQL${PG_SKIP_REASON}`, catchesUpOverOneSocket('postgres'), 60_000);

  it('refuses a document the account may not read on its own, the same whether it exists or not, and answers the others', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const alice = await h.user('alice');
    const carol = await h.user('carol');
    const mine = [await alice.createExperiment('mine 1'), await alice.createExperiment('mine 2')];
    const private_ = await carol.createExperiment('carol only');
    const mux = await MuxTestClient.open(h.server.url, alice.token);
    const names = [docName.experiment(mine[0]!), docName.experiment(private_), docName.experiment('exp-never-made-0000'), docName.experiment(mine[1]!), docName.index('carol')];
    for (const name of names) mux.catchUp(name);
    await mux.waitFor(() => names.every((n) => mux.answers.has(n) || mux.controlsFor(n).length > 0), 'an answer for every document');

    expect(mux.doc(docName.experiment(mine[0]!)).getMap('meta').get('name')).toBe('mine 1');
    expect(mux.doc(docName.experiment(mine[1]!)).getMap('meta').get('name')).toBe('mine 2');
    const refusal = { t: 'closing', code: 'NOT_A_READER', message: 'no access to this document' };
    expect(mux.controlsFor(docName.experiment(private_))).toEqual([refusal]);
    expect(mux.controlsFor(docName.experiment('exp-never-made-0000'))).toEqual([refusal]);
    expect(mux.controlsFor(docName.index('carol'))).toEqual([refusal]);
    // Nothing of Carol's experiment reached Alice.
    expect(mux.doc(docName.experiment(private_)).getMap('meta').size).toBe(0);
    expect(mux.ws.readyState).toBe(WebSocket.OPEN);
    mux.close();
  });

  it('marks a held experiment that was unshared meanwhile as removed, and brings the others up to date', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const alice = await h.user('alice');
    await h.user('bob');
    const ids = [await alice.createExperiment('kept 1'), await alice.createExperiment('withdrawn'), await alice.createExperiment('kept 2')];
    for (const id of ids) expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    const bob = await clientCore(h, 'bob');
    await bob.refresh(ids, true);
    const removed: string[] = [];
    bob.subscribe((change) => {
      if (change.type === 'removed') removed.push(change.experimentId);
    });
    expect(await alice.intent({ type: 'unshare', experimentId: ids[1]!, user: 'bob' })).toMatchObject({ ok: true });
    await edit(alice, ids[0]!, 'new purpose 1');
    await edit(alice, ids[2]!, 'new purpose 2');
    opened.length = 0;
    await bob.catchUp();
    expect(opened).toEqual(['/mux']);
    expect(removed).toEqual([ids[1]]);
    expect((await bob.store.openDoc(docName.experiment(ids[0]!))).getMap('meta').get('purpose')).toBe('new purpose 1');
    expect((await bob.store.openDoc(docName.experiment(ids[2]!))).getMap('meta').get('purpose')).toBe('new purpose 2');
  });

  it('stops a followed document on revocation and keeps relaying the others on the same socket', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const [kept, revoked] = [await alice.createExperiment('kept'), await alice.createExperiment('revoked')];
    for (const id of [kept, revoked]) expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    const mux = await MuxTestClient.open(h.server.url, bob.token);
    const [keptName, revokedName] = [docName.experiment(kept), docName.experiment(revoked)];
    mux.follow(keptName);
    mux.follow(revokedName);
    await mux.waitFor(() => mux.answers.has(keptName) && mux.answers.has(revokedName), 'both followed');
    await edit(alice, kept, 'first');
    await edit(alice, revoked, 'first');
    await mux.waitFor(() => mux.doc(keptName).getMap('meta').get('purpose') === 'first' && mux.doc(revokedName).getMap('meta').get('purpose') === 'first', 'live edits on both');

    expect(await alice.intent({ type: 'unshare', experimentId: revoked, user: 'bob' })).toMatchObject({ ok: true });
    await mux.waitFor(() => mux.controlsFor(revokedName).some((c) => c.t === 'closing'), 'the revocation');
    expect(mux.controlsFor(revokedName)).toEqual([expect.objectContaining({ t: 'closing', code: 'ACCESS_REVOKED' })]);
    const framesAfterRevocation = mux.received.get(revokedName);
    await edit(alice, revoked, 'secret');
    await edit(alice, kept, 'second');
    await mux.waitFor(() => mux.doc(keptName).getMap('meta').get('purpose') === 'second', 'the kept document still live');
    expect(mux.doc(revokedName).getMap('meta').get('purpose')).toBe('first');
    expect(mux.received.get(revokedName)).toBe(framesAfterRevocation);
    // Asking again is refused like any non-reader.
    mux.catchUp(revokedName);
    await mux.waitFor(() => mux.controlsFor(revokedName).length === 2, 'the refusal');
    expect(mux.controlsFor(revokedName)[1]).toMatchObject({ t: 'closing', code: 'NOT_A_READER' });
    expect(mux.ws.readyState).toBe(WebSocket.OPEN);
    mux.close();
  });
});
