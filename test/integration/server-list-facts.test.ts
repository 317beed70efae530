import { describe, expect, it } from 'vitest';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { useHarness } from './support/use-harness.ts';


/**
 * Lists sort by last change and search sample-tag values without opening every experiment:
 * the server copies each experiment's change time and distinct tag values into the index entry
 * of everyone who holds it, a newcomer included. (Experiments made by the harness hold
 * s0.fcs…s39.fcs.)
 */
const h = useHarness();

type Entry = { changedAt?: number; tagValues?: string[] };

describe('list facts in the index', () => {
  it('a tag edit reaches the index of the owner and of a reader; a later newcomer gets them too', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const id = await alice.createExperiment('Spleen panel');
    expect((await alice.intent({ type: 'share', experimentId: id, user: 'bob@lab.test' })).ok).toBe(true);

    const hers = await alice.open(docName.index('alice'));
    const his = await bob.open(docName.index('bob'));
    await his.waitFor(() => his.doc.getMap('experiments').has(id), "bob's entry");
    const created = (hers.doc.getMap('experiments').get(id) as Entry).changedAt as number;
    expect(created).toBeGreaterThan(0);
    expect((his.doc.getMap('experiments').get(id) as Entry).tagValues).toEqual([]);

    const exp = await alice.open(docName.experiment(id));
    await exp.waitFor(() => exp.provider.synced, 'synced');
    exp.doc.transact(() => {
      exp.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'D-042');
      exp.doc.getMap('tags').set(tagKey('s2.fcs', 'Donor'), 'D-042');
      exp.doc.getMap('tags').set(tagKey('s1.fcs', 'Organ'), 'Spleen');
    });
    const tagged = (e: unknown) => JSON.stringify((e as Entry).tagValues) === '["D-042","Spleen"]';
    await his.waitFor(() => tagged(his.doc.getMap('experiments').get(id)), "the tag values in bob's index");
    await hers.waitFor(() => tagged(hers.doc.getMap('experiments').get(id)), "the tag values in alice's index");
    expect((his.doc.getMap('experiments').get(id) as Entry).changedAt).toBeGreaterThanOrEqual(created);

    // A sharing change keeps the published facts, and the newcomer's entry carries them.
    expect((await alice.intent({ type: 'share', experimentId: id, user: 'carol@lab.test' })).ok).toBe(true);
    const theirs = await carol.open(docName.index('carol'));
    await theirs.waitFor(() => theirs.doc.getMap('experiments').has(id), "carol's entry");
    expect(tagged(theirs.doc.getMap('experiments').get(id))).toBe(true);
  });
});
