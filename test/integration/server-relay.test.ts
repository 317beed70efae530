import { beforeEach, describe, expect, it } from 'vitest';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import type { TestDoc, TestUser } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

/**
 * The server writes one WebSocket frame per broadcast and sends it to every reader; these tests
 * check, through the stock y-websocket provider, that what arrives is what was sent, at every
 * size class of the frame header (7-bit, 16-bit and 64-bit payload lengths).
 */
// The large presence state (100,000 characters, for the 64-bit frame length) is over the
// default awarenessStateBytes: these tests are about framing, not that bound.
const h = useHarness({ limits: { awarenessStateBytes: 256 * 1024 } });
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let id: string;
beforeEach(async () => {
  alice = await h.user('alice');
  bob = await h.user('bob');
  carol = await h.user('carol');
  id = await alice.createExperiment('Relay');
  await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
});

async function openAll(): Promise<[TestDoc, TestDoc]> {
  const a = await alice.open(docName.experiment(id));
  const b = await bob.open(docName.experiment(id));
  await a.waitFor(() => a.provider.synced && b.provider.synced, 'both synced');
  return [a, b];
}

describe('relaying to the other readers', () => {
  it.each([
    ['a small', 40],
    ['a medium', 4_000],
    ['a large', 100_000],
  ])('passes %s presence state (%i characters) whole to another reader', async (_size, length) => {
    const [a, b] = await openAll();
    const note = 'x'.repeat(length - 6) + 'ENDED!';
    a.provider.awareness.setLocalStateField('note', note);
    await b.waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.note === note, 'bob sees alice’s presence');
  });

  it('passes a run of edits in order, and none of them to an account that may not read', async () => {
    const [a, b] = await openAll();
    const outsider = await carol.open(docName.experiment(id));
    const closed = await outsider.closed;
    expect(closed.code).toBe(4403);
    for (let i = 0; i < 30; i++) a.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), `D${i}`);
    await b.waitFor(() => b.doc.getMap('tags').get(tagKey('s1.fcs', 'Donor')) === 'D29', 'bob sees the last edit');
    expect(outsider.doc.getMap('tags').size).toBe(0);
  });
});
