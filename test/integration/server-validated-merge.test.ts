import { beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { type TestUser } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

const h = useHarness();
let alice: TestUser;
let bob: TestUser;
let id: string;
beforeEach(async () => {
  alice = await h.user('alice');
  bob = await h.user('bob');
  id = await alice.createExperiment('Validated');
});

/** Every value a reader's map ever held for `key`, to prove a refused value never showed. */
function history(map: Y.Map<unknown>, key: string): unknown[] {
  const seen: unknown[] = [];
  map.observe(() => seen.push(map.get(key)));
  return seen;
}

async function storedBytesContain(marker: string): Promise<boolean> {
  const { updates } = await h.server.store.loadUpdates(docName.experiment(id));
  const needle = Buffer.from(marker);
  return updates.some((u) => Buffer.from(u).includes(needle));
}

describe('the validated merge', () => {
  it('passes an allowed edit to other readers and acknowledges its clock', async () => {
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    const a = await alice.open(docName.experiment(id));
    const b = await bob.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced && b.provider.synced, 'both synced');
    b.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'D7');
    const ack = await b.waitForControl('ack');
    expect(ack).toMatchObject({ t: 'ack', clients: { [String(b.doc.clientID)]: Y.getState(b.doc.store, b.doc.clientID) } });
    await a.waitFor(() => a.doc.getMap('tags').get(tagKey('s1.fcs', 'Donor')) === 'D7', 'alice sees bob');
  });

  it('never lets a refused edit reach another reader or storage, and converges its author', async () => {
    await alice.intent({ type: 'publish', experimentId: id });
    const a = await alice.open(docName.experiment(id));
    const viewer = await bob.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced && viewer.provider.synced, 'both synced');
    a.doc.getMap('tags').set(tagKey('s1.fcs', 'Stim'), 'PMA');
    await viewer.waitFor(() => viewer.doc.getMap('tags').get(tagKey('s1.fcs', 'Stim')) === 'PMA', 'viewer sees tag');
    const seen = history(a.doc.getMap('tags'), tagKey('s1.fcs', 'Stim'));

    viewer.doc.getMap('tags').set(tagKey('s1.fcs', 'Stim'), 'FORGED-VALUE');
    viewer.doc.getMap('gates').set('gate-evil', { name: 'x', xChannel: 'FSC', yChannel: 'SSC', rect: [0, 0, 1, 1] });
    const refused = await viewer.waitForControl('refused');
    expect(refused).toMatchObject({ code: 'READ_ONLY' });
    await viewer.waitFor(
      () => viewer.doc.getMap('tags').get(tagKey('s1.fcs', 'Stim')) === 'PMA' && !viewer.doc.getMap('gates').has('gate-evil'),
      'author converges to the server state',
    );
    // A later allowed edit arrives after the refused one: alice's copy never showed the forgery.
    a.doc.getMap('meta').set('purpose', 'checkpoint');
    await viewer.waitFor(() => viewer.doc.getMap('meta').get('purpose') === 'checkpoint', 'viewer still live');
    expect(seen).not.toContain('FORGED-VALUE');
    expect(a.doc.getMap('gates').has('gate-evil')).toBe(false);
    expect(await storedBytesContain('FORGED-VALUE')).toBe(false);

    await h.restart();
    const fresh = await alice.open(docName.experiment(id));
    await fresh.waitFor(() => fresh.provider.synced, 'fresh sync');
    expect(fresh.doc.getMap('tags').get(tagKey('s1.fcs', 'Stim'))).toBe('PMA');
    expect(fresh.doc.getMap('gates').size).toBe(0);
  });

  it.each([
    ['a server-owned field', (d: Y.Doc) => d.getMap('sharing').set('public', true), 'SERVER_OWNED_FIELD'],
    ['an unknown field', (d: Y.Doc) => d.getMap('meta').set('color', 'red'), 'UNKNOWN_FIELD'],
    ['a gate of the wrong shape', (d: Y.Doc) => d.getMap('gates').set('gate-1', { name: 'g', rect: 'wide' }), 'INVALID_VALUE'],
    ['a nested type', (d: Y.Doc) => d.getMap('tags').set(tagKey('a', 'b'), new Y.Map()), 'INVALID_VALUE'],
    ['a new root type', (d: Y.Doc) => d.getArray('evil').insert(0, ['x']), 'UNKNOWN_FIELD'],
  ])('refuses %s, even from the owner, and restores the previous state', async (_what, write, code) => {
    const a = await alice.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced, 'synced');
    const before = JSON.stringify(a.doc.getMap('sharing').toJSON());
    write(a.doc);
    expect(await a.waitForControl('refused')).toMatchObject({ code });
    await a.waitFor(() => JSON.stringify(a.doc.getMap('sharing').toJSON()) === before, 'sharing restored');
    await a.waitFor(() => !a.doc.getMap('meta').has('color') && a.doc.getMap('gates').size === 0 && a.doc.getArray('evil').length === 0, 'content restored');
    expect(await h.server.store.getExperiment(id)).toMatchObject({ public: false });
  });

  it('refuses every client write to an index document', async () => {
    const index = await alice.open(docName.index('alice'));
    await index.waitFor(() => index.doc.getMap('experiments').has(id), 'index');
    index.doc.getMap('experiments').delete(id);
    expect(await index.waitForControl('refused')).toMatchObject({ code: 'SERVER_OWNED_FIELD' });
    await index.waitFor(() => index.doc.getMap('experiments').has(id), 'entry restored');
  });

  it('tells a client that writes under another account\'s client id to reset', async () => {
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    const a = await alice.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced, 'alice synced');
    a.doc.getMap('meta').set('purpose', 'mine');
    await a.waitForControl('ack');
    // Bob crafts an update that continues alice's own stream of structs.
    const forger = new Y.Doc();
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(a.doc));
    forger.clientID = a.doc.clientID;
    const b = await bob.open(docName.experiment(id), forger);
    await b.waitFor(() => b.provider.synced, 'bob synced');
    forger.getMap('meta').set('purpose', 'forged by bob');
    expect(await b.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });
    expect(b.controls.some((c) => c.t === 'refused' && c.code === 'FOREIGN_CLIENT_ID')).toBe(true);
    expect(a.doc.getMap('meta').get('purpose')).toBe('mine');
  });
});

describe('offline edits', () => {
  it('are merged when the author reconnects', async () => {
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    const a = await alice.open(docName.experiment(id));
    const b = await bob.open(docName.experiment(id));
    await b.waitFor(() => a.provider.synced && b.provider.synced, 'synced');
    b.provider.disconnect();
    b.doc.getMap('tags').set(tagKey('s2.fcs', 'Donor'), 'offline value');
    await new Promise((r) => setTimeout(r, 100));
    expect(a.doc.getMap('tags').has(tagKey('s2.fcs', 'Donor'))).toBe(false);
    b.provider.connect();
    await a.waitFor(() => a.doc.getMap('tags').get(tagKey('s2.fcs', 'Donor')) === 'offline value', 'merged on reconnect');
  });

  it('are refused when access was removed meanwhile, and reach nobody', async () => {
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    const a = await alice.open(docName.experiment(id));
    const b = await bob.open(docName.experiment(id));
    await b.waitFor(() => a.provider.synced && b.provider.synced, 'synced');
    b.provider.disconnect();
    b.doc.getMap('tags').set(tagKey('s3.fcs', 'Donor'), 'too late');
    await alice.intent({ type: 'unshare', experimentId: id, user: 'bob' });
    b.provider.connect();
    expect(await b.closed).toEqual({ code: 4403, reason: 'NOT_A_READER' });
    await new Promise((r) => setTimeout(r, 100));
    expect(a.doc.getMap('tags').has(tagKey('s3.fcs', 'Donor'))).toBe(false);
    expect(await storedBytesContain('too late')).toBe(false);
  });
});

describe('a burst of edits from several writers at once', () => {
  it('reaches every reader whole and in order, with a refused edit in the middle never shown', async () => {
    const carol = await h.user('carol');
    const dave = await h.user('dave');
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    await alice.intent({ type: 'share', experimentId: id, user: 'carol' });
    await alice.intent({ type: 'publish', experimentId: id });
    const writers = [await alice.open(docName.experiment(id)), await bob.open(docName.experiment(id)), await carol.open(docName.experiment(id))];
    const viewer = await dave.open(docName.experiment(id));
    const all = [...writers, viewer];
    await viewer.waitFor(() => all.every((d) => d.provider.synced), 'all synced');
    const forgedKey = tagKey('s0.fcs', 'w0');
    const seenByOthers = writers.map((w) => history(w.doc.getMap('tags'), forgedKey));

    // Sent without waiting: the server gets many frames per read and holds relays back to merge them.
    for (let i = 0; i < 30; i++) {
      writers.forEach((w, k) => w.doc.getMap('tags').set(tagKey(`s${i}.fcs`, `w${k}`), `v${i}`));
      if (i === 15) viewer.doc.getMap('tags').set(forgedKey, 'FORGED');
    }
    const expected = (d: (typeof all)[number]) => {
      const tags = d.doc.getMap('tags');
      return tags.size === 90 && writers.every((_, k) => tags.get(tagKey('s29.fcs', `w${k}`)) === 'v29') && tags.get(forgedKey) === 'v0';
    };
    await viewer.waitFor(() => all.every(expected), 'every reader has all 90 tags and no forged one', 10_000);
    for (const seen of seenByOthers) expect(seen).not.toContain('FORGED');
    expect(viewer.controls.some((c) => c.t === 'refused' && c.code === 'READ_ONLY')).toBe(true);
    for (const d of all) expect(d.doc.getMap('tags').toJSON()).toEqual(writers[0]!.doc.getMap('tags').toJSON());

    all.forEach((d) => d.destroy());
    await h.restart();
    const after = await bob.open(docName.experiment(id));
    await after.waitFor(() => after.provider.synced, 'synced after restart');
    expect(after.doc.getMap('tags').toJSON()).toEqual(writers[0]!.doc.getMap('tags').toJSON());
  });
});
