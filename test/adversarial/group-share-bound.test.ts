import { describe, expect, it } from 'vitest';
import { type TestUser } from '../integration/support/harness.ts';
import { useHarnessPerTest } from '../integration/support/use-harness.ts';

/**
 * A change of a group's members rewrites every experiment shared with the group, in one turn of
 * the intent queue. Any member may share with the group, so without a bound one member could
 * make every later membership change as costly as they like. `experimentsPerGroup` bounds it,
 * whoever shares, and a share that would pass it leaves no grant behind.
 */
const h = useHarnessPerTest();

async function groupOf(owner: TestUser, name: string, members: string[]): Promise<string> {
  const made = await owner.post('/api/groups', { name });
  const id = (made.body as { id: string }).id;
  for (const user of members) expect((await owner.post(`/api/groups/${id}/members`, { user })).status).toBe(200);
  return id;
}

describe('experiments shared with one group are bounded', () => {
  it('refuses the share past the bound from any member, keeps no partial grant, and frees a slot on unshare', async () => {
    await h.start({ limits: { experimentsPerGroup: 3 } });
    const alice = await h.user('alice');
    const mia = await h.user('mia');
    await h.user('max');
    const lab = await groupOf(alice, 'lab', ['mia']);
    const store = h.server.store;

    const hers: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      const id = await alice.createExperiment(name);
      hers.push(id);
      expect((await alice.post('/api/groups/share', { experimentId: id, group: 'lab' })).status).toBe(200);
    }
    // The owner's next share, and a member's own, are both refused with the stable code.
    const fourth = await alice.createExperiment('four');
    expect(await alice.post('/api/groups/share', { experimentId: fourth, group: 'lab' })).toMatchObject({ status: 429, body: { code: 'TOO_MANY_GROUP_EXPERIMENTS' } });
    const miaOwn = await mia.createExperiment('mia own');
    expect(await mia.post('/api/groups/share', { experimentId: miaOwn, group: lab })).toMatchObject({ status: 429, body: { code: 'TOO_MANY_GROUP_EXPERIMENTS' } });
    expect((await store.groupExperiments(lab)).sort()).toEqual([...hers].sort());
    expect((await store.getExperiment(fourth))?.groups ?? {}).toEqual({});

    // Sharing one already shared again adds nothing, so it is not refused.
    expect((await alice.post('/api/groups/share', { experimentId: hers[0], group: 'lab' })).status).toBe(200);

    // A change of members still works, over the bounded set.
    expect((await alice.post(`/api/groups/${lab}/members`, { user: 'max' })).status).toBe(200);
    expect((await store.groupExperiments(lab)).length).toBe(3);

    // Removing a group share frees its slot.
    expect((await alice.post('/api/groups/share', { experimentId: hers[2], group: 'lab', unshare: true })).status).toBe(200);
    expect((await mia.post('/api/groups/share', { experimentId: miaOwn, group: lab })).status).toBe(200);
    expect((await store.groupExperiments(lab)).length).toBe(3);
  });
});
