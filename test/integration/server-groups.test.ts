import { describe, expect, it } from 'vitest';
import { docName, readSharing } from '../../shared/doc-layout.ts';
import { type TestUser } from './support/harness.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

/**
 * Groups through the real server (issue 14 item 2): a group share reaches each member live, a
 * member added later gets access, a member removed is cut off at once; limits; a group is
 * invisible to anyone outside it.
 */
const h = useHarnessPerTest();

async function call(user: TestUser, method: 'GET' | 'DELETE', path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${h.server.url}${path}`, { method, headers: { authorization: `Bearer ${user.token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

async function createGroup(owner: TestUser, name: string, members: string[]): Promise<string> {
  const made = await owner.post('/api/groups', { name });
  expect(made.status).toBe(200);
  const id = (made.body as { id: string }).id;
  for (const user of members) expect((await owner.post(`/api/groups/${id}/members`, { user })).status).toBe(200);
  return id;
}

const backends = [
  ['SQLite', 'sqlite'],
  ['PostgreSQL', 'postgres'],
] as const;

describe.each(backends)('a group share on %s', (_name, backend) => {
  it.skipIf(backend === 'postgres' && !process.env['CYTOSHARE_TEST_PG'])(
    'reaches members live, a member added later, and cuts off a removed member at once',
    async () => {
      await h.start({ backend });
      const alice = await h.user('alice');
      const mia = await h.user('mia');
      const max = await h.user('max');
      const sam = await h.user('sam');
      const lab = await createGroup(alice, 'lab', ['mia']);
      const id = await alice.createExperiment('CD8 panel');

      const shared = await alice.post('/api/groups/share', { experimentId: id, group: 'lab' });
      expect(shared).toEqual({ status: 200, body: { group: lab, affected: [id], skipped: [] } });

      // A member reads it live and lists it; the mirrored sharing state names the group.
      const miaIndex = await mia.open(docName.index('mia'));
      await miaIndex.waitFor(() => miaIndex.doc.getMap('experiments').has(id), 'mia index entry');
      expect(miaIndex.doc.getMap('experiments').get(id)).toMatchObject({ access: 'full', owner: 'alice' });
      const live = await mia.open(docName.experiment(id));
      await live.waitFor(() => live.doc.getMap('meta').get('name') === 'CD8 panel', 'mia reads');
      expect(readSharing(live.doc, id)?.groups?.[lab]).toMatchObject({ name: 'lab', members: ['alice', 'mia'] });
      const aliceDoc = await alice.open(docName.experiment(id));
      await aliceDoc.waitFor(() => aliceDoc.provider.synced, 'alice synced');
      aliceDoc.doc.getMap('meta').set('name', 'CD8 panel v2');
      await live.waitFor(() => live.doc.getMap('meta').get('name') === 'CD8 panel v2', 'mia gets the edit live');

      // Not a member: no access.
      const stranger = await sam.open(docName.experiment(id));
      expect((await stranger.closed).code).toBe(4403);

      // Added later: access at once, with no new share.
      expect((await alice.post(`/api/groups/${lab}/members`, { user: 'max' })).status).toBe(200);
      const maxIndex = await max.open(docName.index('max'));
      await maxIndex.waitFor(() => maxIndex.doc.getMap('experiments').has(id), 'max index entry');
      const maxDoc = await max.open(docName.experiment(id));
      await maxDoc.waitFor(() => maxDoc.doc.getMap('meta').get('name') === 'CD8 panel v2', 'max reads');

      // Removed: the open socket is closed as an unshare closes it, the entry leaves the index.
      expect((await alice.post(`/api/groups/${lab}/members`, { user: 'mia', remove: true })).status).toBe(200);
      expect(await live.closed).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
      expect(live.controls.at(-1)).toMatchObject({ t: 'closing', code: 'ACCESS_REVOKED' });
      await miaIndex.waitFor(() => !miaIndex.doc.getMap('experiments').has(id), 'mia index entry removed');
      aliceDoc.doc.getMap('meta').set('name', 'CD8 panel v3');
      await maxDoc.waitFor(() => maxDoc.doc.getMap('meta').get('name') === 'CD8 panel v3', 'max still gets edits');
      expect(live.doc.getMap('meta').get('name')).toBe('CD8 panel v2');
      const again = await mia.open(docName.experiment(id));
      expect((await again.closed).code).toBe(4403);

      // Each group decision is in the experiment's hash-chained history, and the chain holds.
      const history = await call(alice, 'GET', `/api/experiments/${id}/audit?verify=1`);
      const entries = (history.body as { entries: Array<{ action: string; actor: string; detail: unknown }> }).entries;
      expect(entries.filter((e) => e.action !== 'create').map((e) => [e.action, e.actor, e.detail])).toEqual([
        ['share-group', 'alice', { group: lab, name: 'lab' }],
        ['group-member-added', 'alice', { group: lab, user: 'max' }],
        ['group-member-removed', 'alice', { group: lab, user: 'mia' }],
      ]);
      expect(history.body).toMatchObject({ verification: { intact: true } });
    },
    30_000,
  );
});

describe('who sees a group', () => {
  it('members see it, only the owner changes it, and to anyone else it does not exist', async () => {
    await h.start();
    const alice = await h.user('alice');
    const mia = await h.user('mia');
    const sam = await h.user('sam');
    const lab = await createGroup(alice, 'lab', ['mia']);
    const unknown = { code: 'UNKNOWN_GROUP' };

    expect(await call(mia, 'GET', `/api/groups/${lab}`)).toMatchObject({ status: 200, body: { id: lab, name: 'lab', owner: 'alice', members: ['alice', 'mia'], mine: false } });
    expect((await call(mia, 'GET', '/api/groups')).body).toMatchObject([{ id: lab }]);
    expect(await mia.post(`/api/groups/${lab}/members`, { user: 'sam' })).toMatchObject({ status: 403, body: { code: 'OWNER_ONLY' } });
    expect(await call(mia, 'DELETE', `/api/groups/${lab}`)).toMatchObject({ status: 403, body: { code: 'OWNER_ONLY' } });

    // An existing group and a made-up id answer alike.
    expect(await call(sam, 'GET', `/api/groups/${lab}`)).toMatchObject({ status: 404, body: unknown });
    expect(await call(sam, 'GET', '/api/groups/g-0123456789abcdef')).toMatchObject({ status: 404, body: unknown });
    expect(await sam.post(`/api/groups/${lab}/members`, { user: 'sam' })).toMatchObject({ status: 404, body: unknown });
    expect((await call(sam, 'GET', '/api/groups')).body).toEqual([]);
    const id = await sam.createExperiment('Mine');
    expect(await sam.post('/api/groups/share', { experimentId: id, group: lab })).toMatchObject({ status: 404, body: unknown });
    expect(await sam.post('/api/groups/share', { experimentId: id, group: 'lab' })).toMatchObject({ status: 404, body: unknown });
  });

  it('a premium owner adds only people they are connected with', async () => {
    await h.start({ connectAll: false });
    const alice = await h.user('alice');
    await h.user('zed');
    const lab = await createGroup(alice, 'lab', []);
    expect(await alice.post(`/api/groups/${lab}/members`, { user: 'zed' })).toMatchObject({ status: 403, body: { code: 'NOT_CONNECTED' } });
  });
});

describe('group limits', () => {
  it('bounds the groups an account owns and the members of a group', async () => {
    await h.start({ limits: { groupsPerAccount: 1, membersPerGroup: 2 } });
    const alice = await h.user('alice');
    await h.user('mia');
    await h.user('max');
    const lab = await createGroup(alice, 'lab', ['mia']);
    expect(await alice.post('/api/groups', { name: 'course' })).toMatchObject({ status: 429, body: { code: 'TOO_MANY_GROUPS' } });
    expect(await alice.post(`/api/groups/${lab}/members`, { user: 'max' })).toMatchObject({ status: 429, body: { code: 'TOO_MANY_GROUP_MEMBERS' } });
    expect((await alice.post(`/api/groups/${lab}/members`, { user: 'mia', remove: true })).status).toBe(200);
    expect((await alice.post(`/api/groups/${lab}/members`, { user: 'max' })).status).toBe(200);
    expect(await call(alice, 'DELETE', `/api/groups/${lab}`)).toMatchObject({ status: 204 });
    expect((await alice.post('/api/groups', { name: 'course' })).status).toBe(200);
  });
});
