import { describe, expect, it } from 'vitest';
import { docName, readSharing, tagKey } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import { PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { type HarnessStore } from './support/harness.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

/**
 * The viewer role through the real server: a viewer reads everything live but the server refuses
 * their edits (never relayed to anyone), their download tickets and their clones, and sharing
 * again with another role changes the stored grant in place.
 */
const fcs = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array([1, 2, 3, 4]) });
const backends: HarnessStore[] = TEST_PG === null ? ['sqlite'] : ['sqlite', 'postgres'];

const h = useHarnessPerTest();

describe('a viewer through the real server', () => {
  it('sees the experiment live, and the server refuses a tag edit without relaying it', async () => {
    await h.start();
    const alice = await h.user('alice');
    const vera = await h.user('vera');
    const id = await alice.createExperiment('Viewer panel');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'vera', role: 'viewer' })).toMatchObject({ ok: true, affected: [id] });
    const a = await alice.open(docName.experiment(id));
    const v = await vera.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced && v.provider.synced, 'both synced');
    expect(readSharing(v.doc, id)?.grants.vera).toMatchObject({ role: 'viewer' });
    a.doc.getMap('tags').set(tagKey('s1.fcs', 'Stim'), 'PMA');
    await v.waitFor(() => v.doc.getMap('tags').get(tagKey('s1.fcs', 'Stim')) === 'PMA', 'viewer sees the tag');
    const seen: unknown[] = [];
    a.doc.getMap('tags').observe(() => seen.push(a.doc.getMap('tags').get(tagKey('s1.fcs', 'Stim'))));

    v.doc.getMap('tags').set(tagKey('s1.fcs', 'Stim'), 'VIEWER-EDIT');
    expect(await v.waitForControl('refused')).toMatchObject({ code: 'READ_ONLY' });
    await v.waitFor(() => v.doc.getMap('tags').get(tagKey('s1.fcs', 'Stim')) === 'PMA', 'the viewer converges back');
    a.doc.getMap('meta').set('purpose', 'after');
    await v.waitFor(() => v.doc.getMap('meta').get('purpose') === 'after', 'still live');
    expect(seen).not.toContain('VIEWER-EDIT');
    expect(a.doc.getMap('tags').get(tagKey('s1.fcs', 'Stim'))).toBe('PMA');

    const index = await vera.open(docName.index('vera'));
    await index.waitFor(() => index.doc.getMap('experiments').has(id), 'listed for the viewer');
    expect(index.doc.getMap('experiments').get(id)).toMatchObject({ access: 'viewer' });
  });

  it('refuses a viewer a download ticket, a clone and a share', async () => {
    await h.start();
    const alice = await h.user('alice');
    const vera = await h.user('vera');
    await h.user('sam');
    const id = await alice.createExperiment('No downloads');
    const uploaded = await fetch(`${h.server.url}/api/experiments/${id}/files?name=a.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: fcs as Uint8Array<ArrayBuffer> });
    const { fileId } = (await uploaded.json()) as { fileId: string };
    await alice.intent({ type: 'share', experimentId: id, user: 'vera', role: 'viewer' });
    expect(await vera.post(`/api/experiments/${id}/files/${fileId}/download-ticket`, {})).toMatchObject({ status: 403, body: { code: 'DOWNLOAD_NOT_ALLOWED' } });
    expect(await vera.intent({ type: 'clone', experimentId: id, newId: 'vera-clone-0001', linked: false })).toMatchObject({ ok: false, code: 'CLONE_NOT_ALLOWED' });
    expect(await vera.intent({ type: 'clone', experimentId: id, newId: 'vera-clone-0002', linked: false, filesOnly: true })).toMatchObject({ ok: false, code: 'CLONE_NOT_ALLOWED' });
    expect(await vera.intent({ type: 'share', experimentId: id, user: 'sam' })).toMatchObject({ ok: false, code: 'NOT_A_SHARING_MANAGER' });
    expect(await h.server.store.getExperiment('vera-clone-0001')).toBeNull();
    // Given full access, the same person may download.
    await alice.intent({ type: 'share', experimentId: id, user: 'vera', role: 'full' });
    expect(await vera.post(`/api/experiments/${id}/files/${fileId}/download-ticket`, {})).toMatchObject({ status: 200 });
  });

  it.each(backends)('sharing again with another role changes the stored grant in place (%s)', async (backend) => {
    await h.start({ backend });
    const alice = await h.user('alice');
    await h.user('vera');
    const id = await alice.createExperiment('Role change');
    await alice.intent({ type: 'share', experimentId: id, user: 'vera', role: 'viewer' });
    expect((await h.server.store.grantsOf(id)).vera).toMatchObject({ role: 'viewer' });
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'vera', role: 'viewer' })).toMatchObject({ ok: true, affected: [] });
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'vera' })).toMatchObject({ ok: true, affected: [id] });
    expect((await h.server.store.grantsOf(id)).vera).not.toHaveProperty('role');
    await h.restart();
    expect((await h.server.store.getExperiment(id))?.grants.vera).not.toHaveProperty('role');
  });
});
