import { afterEach, describe, expect, it } from 'vitest';
import { docName } from '../../shared/doc-layout.ts';
import type { RunningServer } from '../../sync-server/server.ts';
import { PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { startNodes, type Nodes } from './support/nodes.ts';

/**
 * Presence (awareness) across server nodes on one database: collaborators connected to
 * different nodes see each other's cursors, and nobody who may not read the document does.
 */
describe.skipIf(TEST_PG === null)(`presence across several nodes${PG_SKIP_REASON}`, () => {
  let cluster: Nodes | null = null;
  afterEach(async () => {
    await cluster?.stop();
    cluster = null;
  });

  it('shows alice on node A and bob on node B each other’s presence, and a non-reader on B none of it', async () => {
    cluster = await startNodes(2);
    const [nodeA, nodeB] = cluster.nodes as [RunningServer, RunningServer];
    const alice = await cluster.user('alice');
    const bob = await cluster.user('bob');
    const carol = await cluster.user('carol');
    const id = await alice.createExperiment(nodeA, 'Seen across nodes');
    const own = await carol.createExperiment(nodeB, 'Carol’s own');
    expect(await alice.intent(nodeA, { type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    const a = alice.open(nodeA, docName.experiment(id));
    const b = bob.open(nodeB, docName.experiment(id));
    const outsider = carol.open(nodeB, docName.experiment(id));
    const elsewhere = carol.open(nodeB, docName.experiment(own));
    await a.waitFor(() => a.provider.synced && b.provider.synced && elsewhere.provider.synced, 'all synced');
    expect((await outsider.closed).code).toBe(4403);

    // A state of nearly the bound a notice carries, and a small one back.
    const note = 'x'.repeat(5_000) + 'ENDED!';
    a.provider.awareness.setLocalStateField('cursor', { sample: 's1.fcs', note });
    b.provider.awareness.setLocalStateField('cursor', { sample: 's2.fcs' });
    await b.waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.['cursor']?.note === note, 'bob sees alice’s cursor');
    await a.waitFor(() => a.provider.awareness.getStates().get(b.doc.clientID)?.['cursor']?.sample === 's2.fcs', 'alice sees bob’s cursor');
    // Alice moves on: bob follows (each change crosses, not just the first).
    a.provider.awareness.setLocalStateField('cursor', { sample: 's3.fcs' });
    await b.waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.['cursor']?.sample === 's3.fcs', 'bob sees alice move');

    // Bob's client echoes what it applied: node B knows those ids as alice's and drops the echo, refusing nothing.
    expect([...a.controls, ...b.controls].filter((c) => c.t === 'refused')).toEqual([]);
    // Carol, on node B with another experiment open, heard nobody's presence.
    expect([...elsewhere.provider.awareness.getStates().keys()]).toEqual([elsewhere.doc.clientID]);
    expect([...outsider.provider.awareness.getStates().keys()]).toEqual([outsider.doc.clientID]);
  });

  it('refuses a presence state too large to cross to the other nodes, on every node alike', async () => {
    cluster = await startNodes(2);
    const [nodeA, nodeB] = cluster.nodes as [RunningServer, RunningServer];
    const alice = await cluster.user('alice');
    const id = await alice.createExperiment(nodeA, 'Large presence');
    const a = alice.open(nodeA, docName.experiment(id));
    const b = alice.open(nodeB, docName.experiment(id));
    await a.waitFor(() => a.provider.synced && b.provider.synced, 'both synced');
    a.provider.awareness.setLocalStateField('note', 'y'.repeat(8_000));
    expect(await a.waitForControl('refused')).toMatchObject({ code: 'AWARENESS_INVALID' });
    b.provider.awareness.setLocalStateField('note', 'small');
    await a.waitFor(() => a.provider.awareness.getStates().get(b.doc.clientID)?.['note'] === 'small', 'a small state still crosses');
    expect(a.provider.awareness.getStates().get(a.doc.clientID)?.['note']).toHaveLength(8_000);
    expect(b.provider.awareness.getStates().get(a.doc.clientID)).toBeUndefined();
  });
});
