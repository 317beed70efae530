import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { docName, readSharing } from '../../shared/doc-layout.ts';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

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
