import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestUser } from '../integration/support/harness.ts';

/**
 * `transfer --family` moves every linked experiment the giver owns, and acceptance rewrites them
 * all in one unit of work and one turn of the intent queue. Anyone can link as many experiments
 * as they like, so `experimentsPerTransfer` bounds what one offer moves: the largest allowed
 * family moves in one acceptance, one more is refused whole with a stable code and nothing is
 * offered, moved or half-moved; and a family grown after the offer moves only what was offered.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const BOUND = 4;
type Answer = { status: number; body: any };
const offer = (giver: TestUser, body: Record<string, unknown>) => giver.post('/api/transfers', body) as Promise<Answer>;

/** A root and `size - 1` children linked under it, all `owner`'s. */
async function family(owner: TestUser, name: string, size: number): Promise<string[]> {
  const root = await owner.createExperiment(`${name} root`);
  const ids = [root];
  for (let i = 1; i < size; i++) {
    const child = await owner.createExperiment(`${name} ${i}`);
    expect((await owner.intent({ type: 'link', experimentId: child, parentId: root })).ok).toBe(true);
    ids.push(child);
  }
  return ids;
}

describe('what one transfer moves is bounded', () => {
  it('moves the largest allowed family in one step; one more is refused whole; a family grown later moves only what was offered', async () => {
    h = await startHarness({ limits: { experimentsPerTransfer: BOUND } });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const store = h.server.store;
    const owners = async (ids: string[]) => Promise.all(ids.map(async (id) => (await store.getExperiment(id))?.owner));

    // At the bound, with someone else's experiment in the family: only what moves counts.
    const largest = await family(alice, 'Largest', BOUND);
    expect((await alice.intent({ type: 'share', experimentId: largest[0] as string, user: 'carol' })).ok).toBe(true);
    const carols = await carol.createExperiment('Carol’s own');
    expect((await carol.intent({ type: 'link', experimentId: carols, parentId: largest[0] as string })).ok).toBe(true);
    const offered = await offer(alice, { experimentId: largest[0], user: 'bob', family: true });
    expect(offered.status).toBe(200);
    expect(offered.body.transfer.experiments).toHaveLength(BOUND);
    expect(offered.body.staying).toEqual([{ experimentId: carols, owner: 'carol', reason: 'not-yours' }]);
    // Grown after the offer: the newcomer was not offered, so it does not move.
    const late = await alice.createExperiment('Late child');
    expect((await alice.intent({ type: 'link', experimentId: late, parentId: largest[0] as string })).ok).toBe(true);
    const accepted = await bob.post(`/api/transfers/${offered.body.transfer.id}/accept`, {});
    expect(accepted).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(await owners(largest)).toEqual(largest.map(() => 'bob'));
    expect(await owners([late, carols])).toEqual(['alice', 'carol']);

    // One past the bound: refused whole, with the stable code, from any member of the family.
    const tooBig = await family(alice, 'Too big', BOUND + 1);
    for (const named of [tooBig[0], tooBig[BOUND]]) {
      expect(await offer(alice, { experimentId: named, user: 'bob', family: true })).toMatchObject({ status: 429, body: { code: 'TOO_MANY_TRANSFER_EXPERIMENTS' } });
    }
    expect(await store.pendingTransfers({ giver: 'alice' })).toEqual([]);
    expect(await store.pendingTransfers({ receiver: 'bob' })).toEqual([]);
    expect(await owners(tooBig)).toEqual(tooBig.map(() => 'alice'));
    // The way out the refusal names: one at a time.
    const single = await offer(alice, { experimentId: tooBig[0], user: 'bob' });
    expect(single.status).toBe(200);
    expect(single.body.transfer.experiments).toHaveLength(1);
  });
});
