import { describe, expect, it } from 'vitest';
import { docName, readSharing } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import { PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { nextId } from './support/harness.ts';
import { sharedExperiment, useHarness } from './support/use-harness.ts';

/**
 * The key paths of the server on PostgreSQL (the harness's `backend: 'postgres'`): sharing and
 * cutting access, intents and their resends, live edits that survive a restart, uploads,
 * downloads and plots of files stored in the database.
 */
describe.skipIf(TEST_PG === null)(`the server on PostgreSQL${PG_SKIP_REASON}`, () => {
  const h = useHarness({ backend: 'postgres' });

  it('shares an experiment live, cuts an open socket off on unshare, and answers a resent intent the same', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('CD4 panel');
    expect((await (await bob.open(docName.experiment(id))).closed).code).toBe(4403);

    const draft = nextId('draft');
    expect(await alice.intent({ id: draft, type: 'share', experimentId: id, user: 'bob@lab.test' })).toMatchObject({ ok: true, resent: false });
    expect(await alice.intent({ id: draft, type: 'share', experimentId: id, user: 'bob@lab.test' })).toMatchObject({ ok: true, resent: true });
    const carol = await h.user('carol');
    expect(await carol.intent({ type: 'publish', experimentId: id })).toMatchObject({ ok: false });

    const live = await bob.open(docName.experiment(id));
    await live.waitFor(() => live.doc.getMap('meta').get('name') === 'CD4 panel', 'shared content');
    expect(readSharing(live.doc, id)?.grants).toHaveProperty('bob');
    expect(await alice.intent({ type: 'unshare', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    expect(await live.closed).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    expect(await h.server.store.auditLog(10)).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'unshare', verdict: 'accepted' })]));
  });

  it('passes live edits both ways and keeps them across a restart', async () => {
    const { owner: alice, reader: bob, id } = await sharedExperiment(h, 'Live');
    const a = await alice.open(docName.experiment(id));
    const b = await bob.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced && b.provider.synced, 'both synced');
    a.doc.getMap('meta').set('purpose', 'from alice');
    await b.waitFor(() => b.doc.getMap('meta').get('purpose') === 'from alice', 'alice at bob');
    b.doc.getMap('meta').set('name', 'from bob');
    await a.waitFor(() => a.doc.getMap('meta').get('name') === 'from bob', 'bob at alice');
    await h.restart();
    const again = await (await h.user('carol')).open(docName.catalog);
    await again.waitFor(() => again.provider.synced, 'server back');
    const reread = await bob.open(docName.experiment(id));
    await reread.waitFor(() => reread.doc.getMap('meta').get('purpose') === 'from alice' && reread.doc.getMap('meta').get('name') === 'from bob', 'edits after restart');
  });

  it('stores an uploaded FCS file in the database, downloads and plots it', async () => {
    const alice = await h.user('alice');
    const id = await alice.createExperiment('Files');
    const events = new Float64Array(2_000);
    for (let i = 0; i < events.length; i++) events[i] = (i * 37) % 1024;
    const bytes = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events });
    const auth = { authorization: `Bearer ${alice.token}` };
    const put = await fetch(`${h.server.url}/api/experiments/${id}/files?name=tube.fcs`, { method: 'PUT', headers: auth, body: bytes as Uint8Array<ArrayBuffer> });
    expect(put.status).toBe(201);
    const { fileId, sha256 } = (await put.json()) as { fileId: string; sha256: string };
    const got = await fetch(`${h.server.url}/api/experiments/${id}/files/${fileId}`, { headers: auth });
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    const plot = await fetch(`${h.server.url}/api/experiments/${id}/files/${fileId}/density?x=FSC-A&y=SSC-A&bins=16&scale=lin`, { headers: auth });
    expect(plot.status).toBe(200);
    expect(await plot.json()).toMatchObject({ events: 1_000 });
    expect(await h.server.store.storedDocNames('exp-')).toContain(docName.experiment(id));
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
