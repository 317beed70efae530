import { describe, expect, it } from 'vitest';
import { docName, readSharing, tagKey } from '../../shared/doc-layout.ts';
import { refreshProjections } from '../../sync-server/effects/projections.ts';
import { sharedExperiment, useHarness } from './support/use-harness.ts';


const h = useHarness();

describe('a restart', () => {
  it('keeps accounts, sessions, sharing, acknowledged edits, indexes and the audit log', async () => {
    const { owner: alice, reader: bob, id } = await sharedExperiment(h, 'Durable');
    await bob.intent({ type: 'share', experimentId: id, user: 'alice' });
    const a = await alice.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced, 'synced');
    for (let i = 0; i < 30; i++) a.doc.getMap('tags').set(tagKey(`s${i}.fcs`, 'Donor'), `D${i}`);
    a.doc.getMap('meta').set('name', 'Durable, renamed');
    await a.waitFor(() => a.controls.filter((c) => c.t === 'ack').length >= 31, 'all acknowledged');
    a.destroy();

    await h.restart();
    const b = await bob.open(docName.experiment(id));
    await b.waitFor(() => b.provider.synced, 'bob synced after restart');
    expect(b.doc.getMap('tags').size).toBe(30);
    expect(b.doc.getMap('meta').get('name')).toBe('Durable, renamed');
    expect(Object.keys(readSharing(b.doc, id)?.grants ?? {})).toEqual(['bob']);
    const index = await bob.open(docName.index('bob'));
    await index.waitFor(() => (index.doc.getMap('experiments').get(id) as { name?: string } | undefined)?.name === 'Durable, renamed', 'renamed in index');

    const audit = await h.server.store.auditLog(10);
    expect(audit.map((r) => [r.action, r.verdict, r.code])).toEqual([
      ['share', 'refused', 'CANNOT_SHARE_WITH_OWNER'],
      ['share', 'accepted', null],
      ['create', 'accepted', null],
    ]);
  });

  it('answers a resent intent with the verdict it gave the first time', async () => {
    const alice = await h.user('alice');
    await h.user('bob');
    const id = await alice.createExperiment('Idempotent');
    const first = await alice.intent({ id: 'draft-resend-01', type: 'share', experimentId: id, user: 'bob' });
    await h.restart();
    const again = await alice.intent({ id: 'draft-resend-01', type: 'share', experimentId: id, user: 'bob' });
    expect(first).toMatchObject({ ok: true, resent: false });
    expect(again).toEqual({ ...first, resent: true });
    expect((await h.server.store.auditLog(10)).filter((r) => r.action === 'share')).toHaveLength(1);
  });

  it('mends a rename whose effects a crash cut off, when the experiment is next opened', async () => {
    const { owner: alice, reader: bob, id } = await sharedExperiment(h, 'Old name');
    const a = await alice.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced, 'synced');
    a.doc.getMap('meta').set('name', 'New name');
    await a.waitFor(() => a.controls.some((c) => c.t === 'ack'), 'rename acknowledged');
    a.destroy();
    // What a crash right after the acknowledgement leaves: the document renamed, the rest not.
    await a.waitFor(() => h.server.rooms.loadedCount === 0, 'experiment unloaded');
    await h.server.store.setName(id, 'Old name');
    await refreshProjections(h.server.store, h.server.rooms, [id], ['alice', 'bob']);

    await h.restart();
    const index = await bob.open(docName.index('bob'));
    const listed = () => (index.doc.getMap('experiments').get(id) as { name?: string } | undefined)?.name;
    await index.waitFor(() => listed() === 'Old name', 'the stale name listed');
    const b = await bob.open(docName.experiment(id));
    await b.waitFor(() => b.provider.synced, 'bob opened it');
    expect(b.doc.getMap('meta').get('name')).toBe('New name');
    await index.waitFor(() => listed() === 'New name', 'the index mended');
    expect((await h.server.store.getExperiment(id))?.name).toBe('New name');
  });

  it('unloads documents nobody has open', async () => {
    const alice = await h.user('alice');
    const ids = await Promise.all([1, 2, 3].map((n) => alice.createExperiment(`Doc ${n}`)));
    const docs = await Promise.all(ids.map((i) => alice.open(docName.experiment(i))));
    await Promise.all(docs.map((d) => d.waitFor(() => d.provider.synced, 'synced')));
    expect(h.server.rooms.loadedCount).toBeGreaterThanOrEqual(3);
    docs.forEach((d) => d.destroy());
    await docs[0]!.waitFor(() => h.server.rooms.loadedCount === 0, 'all unloaded', 5_000);
  });

  it('does not bring back a deleted experiment that was open, when its document unloads', async () => {
    const alice = await h.user('alice');
    const id = await alice.createExperiment('Deleted while open');
    const a = await alice.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced, 'synced');
    a.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'D1');
    await a.waitFor(() => a.controls.some((c) => c.t === 'ack'), 'edit acknowledged');
    await alice.intent({ type: 'trash', experimentId: id });
    expect(await alice.intent({ type: 'delete', experimentId: id })).toMatchObject({ ok: true });
    await a.closed;
    // The room unloads (and used to compact the deleted document back into storage).
    await a.waitFor(() => h.server.rooms.loadedCount === 0, 'all unloaded', 5_000);

    await h.restart();
    expect(await h.server.store.storedDocNames(docName.experiment(id))).toEqual([]);
    expect(await h.server.store.getExperiment(id)).toBeNull();
  });
});
