import { describe, expect, it } from 'vitest';
import { docName, readSharing } from '../../shared/doc-layout.ts';
import { sharedExperiment, useHarness } from './support/use-harness.ts';


const h = useHarness();

describe('privacy and live sharing', () => {
  it('keeps a new experiment private, then streams it to a user once shared', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('CD4 panel');

    const refused = await bob.open(docName.experiment(id));
    expect((await refused.closed).code).toBe(4403);
    expect(refused.doc.getMap('meta').size).toBe(0);
    expect(refused.controls.map((c) => c.t)).toEqual(['closing']);

    const bobIndex = await bob.open(docName.index('bob'));
    await bobIndex.waitFor(() => bobIndex.provider.synced, 'index sync');
    expect(bobIndex.doc.getMap('experiments').size).toBe(0);

    const result = await alice.intent({ type: 'share', experimentId: id, user: 'bob@lab.test' });
    expect(result).toMatchObject({ ok: true, affected: [id], skipped: [] });
    await bobIndex.waitFor(() => bobIndex.doc.getMap('experiments').has(id), 'index entry');
    expect(bobIndex.doc.getMap('experiments').get(id)).toMatchObject({ name: 'CD4 panel', owner: 'alice', access: 'full', viewed: false });

    const granted = await bob.open(docName.experiment(id));
    await granted.waitFor(() => granted.doc.getMap('meta').get('name') === 'CD4 panel', 'experiment content');
    expect(readSharing(granted.doc, id)?.grants).toHaveProperty('bob');
  });
});

describe('removing access', () => {
  it('cuts an open socket off at once and drops the experiment from the index', async () => {
    const { owner: alice, reader: bob, id } = await sharedExperiment(h, 'Tregs');
    const live = await bob.open(docName.experiment(id));
    const index = await bob.open(docName.index('bob'));
    await live.waitFor(() => live.provider.synced, 'bob synced');
    await index.waitFor(() => index.doc.getMap('experiments').has(id), 'bob index');

    expect(await alice.intent({ type: 'unshare', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    expect(await live.closed).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    expect(live.controls.at(-1)).toMatchObject({ t: 'closing', code: 'ACCESS_REVOKED' });
    await index.waitFor(() => !index.doc.getMap('experiments').has(id), 'index entry removed');

    await alice.open(docName.experiment(id)).then((d) => d.waitFor(() => d.provider.synced, 'alice'));
    const again = await bob.open(docName.experiment(id));
    expect((await again.closed).code).toBe(4403);
  });
});

describe('linked experiments', () => {
  it('cascades a share over the family the actor manages and lists what it skipped', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const parent = await alice.createExperiment('Parent');
    const child = await alice.createExperiment('Analysis');
    expect(await alice.intent({ type: 'link', experimentId: child, parentId: parent })).toMatchObject({ ok: true });
    // Carol's experiment joins the family through a linked clone of a shared parent.
    await alice.intent({ type: 'share', experimentId: parent, user: 'carol' });
    const cloned = await carol.intent({ type: 'clone', experimentId: parent, newId: 'carol-clone-0001', linked: true });
    expect(cloned).toMatchObject({ ok: true, affected: ['carol-clone-0001'] });

    const result = await alice.intent({ type: 'share', experimentId: parent, user: 'bob' });
    expect(result).toMatchObject({ ok: true, affected: [parent, child], skipped: [{ experimentId: 'carol-clone-0001', code: 'NOT_A_READER' }] });
    const index = await bob.open(docName.index('bob'));
    await index.waitFor(() => index.doc.getMap('experiments').size === 2, 'two entries for bob');
    expect([...index.doc.getMap('experiments').keys()].sort()).toEqual([child, parent].sort());

    const removed = await alice.intent({ type: 'unshare', experimentId: child, user: 'bob' });
    expect(removed).toMatchObject({ ok: true, affected: [child, parent] });
    await index.waitFor(() => index.doc.getMap('experiments').size === 0, 'entries removed');
  });
});

describe('public experiments', () => {
  it('are readable by every account, listed in the catalog, and read-only through it', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('Published dataset');
    expect(await alice.intent({ type: 'publish', experimentId: id })).toMatchObject({ ok: true });
    const catalog = await bob.open(docName.catalog);
    await catalog.waitFor(() => catalog.doc.getMap('experiments').has(id), 'catalog entry');
    expect(catalog.doc.getMap('experiments').get(id)).toMatchObject({ name: 'Published dataset', owner: 'alice', curated: false });

    const view = await bob.open(docName.experiment(id));
    await view.waitFor(() => view.doc.getMap('meta').get('name') === 'Published dataset', 'public content');
    expect(view.controls[0]).toMatchObject({ t: 'welcome', access: 'public' });
    expect(await bob.intent({ type: 'share', experimentId: id, user: 'alice' })).toMatchObject({ ok: false, code: 'NOT_A_SHARING_MANAGER' });
    expect(await bob.intent({ type: 'unpublish', experimentId: id })).toMatchObject({ ok: false, code: 'NOT_A_SHARING_MANAGER' });

    view.doc.getMap('meta').set('name', 'Hijacked');
    const refused = await view.waitForControl('refused');
    expect(refused).toMatchObject({ code: 'READ_ONLY', path: ['meta', 'name'] });
    await view.waitFor(() => view.doc.getMap('meta').get('name') === 'Published dataset', 'viewer converges');

    expect(await bob.intent({ type: 'curate', experimentId: id, curated: true })).toMatchObject({ ok: false, code: 'STAFF_ONLY' });
    const staff = await h.user('sam', { staff: true });
    expect(await staff.intent({ type: 'curate', experimentId: id, curated: true })).toMatchObject({ ok: true });
    await catalog.waitFor(() => (catalog.doc.getMap('experiments').get(id) as { curated: boolean }).curated, 'curated mark');

    expect(await alice.intent({ type: 'unpublish', experimentId: id })).toMatchObject({ ok: true });
    expect(await view.closed).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    await catalog.waitFor(() => !catalog.doc.getMap('experiments').has(id), 'catalog entry removed');
  });
});
