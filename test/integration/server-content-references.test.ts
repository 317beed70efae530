import { beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import { type TestUser } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

/**
 * The server is the authority on what content edits may refer to and on file names, whatever
 * a client checked: raw Yjs writes through the stock provider and raw uploads over HTTP.
 * Experiments made by the harness hold s0.fcs…s39.fcs and tube1.fcs (channels FSC-A, SSC-A).
 */
const h = useHarness();
let alice: TestUser;
let id: string;
beforeEach(async () => {
  alice = await h.user('alice');
  id = await alice.createExperiment('References');
});

const gate = (x: string, y: string) => ({ name: 'Live', xChannel: x, yChannel: y, rect: [0, 0, 1, 1] });

describe('content edits that refer to what the experiment lacks', () => {
  it.each([
    ['a tag of a file it lacks', (d: Y.Doc) => d.getMap('tags').set(tagKey('missing.fcs', 'Donor'), 'D1'), 'UNKNOWN_FILE'],
    ['a gate on a channel no file has', (d: Y.Doc) => d.getMap('gates').set('gate-new1', gate('FSC-A', 'CD3')), 'UNKNOWN_CHANNEL'],
    ['the removal of a gate it lacks', (d: Y.Doc) => d.getMap('gates').set('gate-none', null), 'UNKNOWN_GATE'],
    ['a name of two lines', (d: Y.Doc) => d.getMap('meta').set('name', 'two\nlines'), 'INVALID_VALUE'],
  ])('refuses %s and restores the previous state', async (_what, write, code) => {
    const a = await alice.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced, 'synced');
    write(a.doc);
    expect(await a.waitForControl('refused')).toMatchObject({ code });
    await a.waitFor(
      () => a.doc.getMap('tags').size === 0 && a.doc.getMap('gates').size === 0 && a.doc.getMap('meta').get('name') === 'References',
      'content restored',
    );
  });

  it('accepts a tag of a file it has, a gate on its channels, and that gate’s removal', async () => {
    const a = await alice.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced, 'synced');
    a.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'D1');
    a.doc.getMap('gates').set('gate-live', gate('FSC-A', 'SSC-A'));
    await a.waitForControl('ack');
    a.doc.getMap('gates').set('gate-live', null);
    const mine = a.doc.clientID;
    const clock = Y.getState(a.doc.store, mine);
    await a.waitFor(() => a.controls.some((c) => c.t === 'ack' && c.clients[String(mine)] === clock), 'both edits acknowledged');
    expect(a.controls.filter((c) => c.t === 'refused')).toEqual([]);
  });
});

describe('file names', () => {
  it('refuses a second upload of the same name into one experiment, before taking its bytes', async () => {
    const fcs = writeFcs({ channels: [{ name: 'FSC-A' }], events: new Float64Array([1, 2]), dataType: 'F' });
    const put = (name: string) =>
      fetch(`${h.server.url}/api/experiments/${id}/files?name=${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${alice.token}` },
        body: new Blob([fcs as Uint8Array<ArrayBuffer>]),
      });
    expect((await put('fresh.fcs')).status).toBe(201);
    const again = await put('fresh.fcs');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'FILE_NAME_TAKEN' });
    expect((await put('s1.fcs')).status).toBe(409);
    const names = await h.server.rooms.with(docName.experiment(id), async (room) =>
      [...room.doc.getMap('files').values()].map((f) => (f as { name: string }).name).filter((n) => n === 'fresh.fcs' || n === 's1.fcs'),
    );
    expect(names.sort()).toEqual(['fresh.fcs', 's1.fcs']);
  });
});
