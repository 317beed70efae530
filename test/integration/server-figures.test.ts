import { beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Figure } from '../../shared/schemas/figures.ts';
import type { IntentResult } from '../../shared/schemas/intents.ts';
import type { IllustrationsLevel } from '../../shared/schemas/project.ts';
import { docName, nextId, type TestDoc, type TestUser } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

/**
 * The server enforces the illustrations level whatever a client checked: raw Yjs writes to
 * `figures` through the stock provider (no client rules at all). Alice owns the experiment in
 * project Atlas; Bob is a member; Dave is any account (the experiment is public).
 */
const h = useHarness();
let alice: TestUser;
let bob: TestUser;
let dave: TestUser;
let exp: string;
let projectId: string;
const accepted = (r: IntentResult) => expect(r).toMatchObject({ ok: true });

beforeEach(async () => {
  alice = await h.user('alice');
  bob = await h.user('bob');
  dave = await h.user('dave');
  exp = await alice.createExperiment('Figures');
  projectId = nextId('proj');
  accepted(await alice.intent({ type: 'project-create', projectId, name: 'Atlas' }));
  accepted(await alice.intent({ type: 'move', experimentId: exp, projectId }));
  accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'member' }));
});

const policy = (illustrations: IllustrationsLevel) =>
  alice.intent({ type: 'project-policy', projectId, policy: { access: 'restricted', illustrations, cloning: 'disabled' } }).then(accepted);
const figure = (name: string): Figure => ({ name, columns: 1, panels: [{ file: 'tube1.fcs', x: 'FSC-A', y: 'SSC-A', gates: 'all', scale: 'asinh', cofactor: 150 }] });

async function opened(user: TestUser): Promise<TestDoc> {
  const d = await user.open(docName.experiment(exp));
  await d.waitFor(() => d.provider.synced, `${user.username} synced`);
  return d;
}
const acked = (d: TestDoc) => {
  const mine = d.doc.clientID;
  const clock = Y.getState(d.doc.store, mine);
  return d.waitFor(() => d.controls.some((c) => c.t === 'ack' && c.clients[String(mine)] === clock), 'the write acknowledged');
};
const stored = () => h.server.rooms.with(docName.experiment(exp), async (room) => room.doc.getMap('figures').toJSON());

describe('illustrations through the validated merge', () => {
  it('refuses a view-only member’s figure sent raw: nothing stored, nobody else sees it, the author converges back', async () => {
    await policy('view-only');
    const a = await opened(alice);
    const b = await opened(bob);
    b.doc.getMap('figures').set('fig-bob1', figure('Bob’s'));
    expect(await b.waitForControl('refused')).toMatchObject({ code: 'READ_ONLY' });
    await b.waitFor(() => b.doc.getMap('figures').size === 0, 'bob’s replica restored');
    // Alice's own write after it arrives: had Bob's been relayed, it would be here by now.
    a.doc.getMap('figures').set('fig-alice', figure('Alice’s'));
    await acked(a);
    await b.waitFor(() => b.doc.getMap('figures').has('fig-alice'), 'alice’s figure reaches bob');
    expect(a.doc.getMap('figures').has('fig-bob1')).toBe(false);
    expect(Object.keys(await stored())).toEqual(['fig-alice']);
  });

  it('refuses a view-only member’s removal of a figure, and restores it', async () => {
    await policy('view-only');
    const a = await opened(alice);
    a.doc.getMap('figures').set('fig-alice', figure('Alice’s'));
    await acked(a);
    const b = await opened(bob);
    await b.waitFor(() => b.doc.getMap('figures').has('fig-alice'), 'bob sees the figure');
    b.doc.getMap('figures').set('fig-alice', null);
    expect(await b.waitForControl('refused')).toMatchObject({ code: 'READ_ONLY' });
    await b.waitFor(() => (b.doc.getMap('figures').get('fig-alice') as Figure | null)?.name === 'Alice’s', 'bob’s replica restored');
    expect((await stored())['fig-alice']).toMatchObject({ name: 'Alice’s' });
  });

  it('accepts a create member’s figure and relays it to the others, but still refuses that member’s gates', async () => {
    await policy('create');
    const a = await opened(alice);
    const b = await opened(bob);
    b.doc.getMap('figures').set('fig-bob1', figure('Bob’s'));
    await acked(b);
    await a.waitFor(() => (a.doc.getMap('figures').get('fig-bob1') as Figure | undefined)?.name === 'Bob’s', 'bob’s figure reaches alice');
    b.doc.getMap('gates').set('gate-bob1', { name: 'G', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 1, 1] });
    expect(await b.waitForControl('refused')).toMatchObject({ code: 'READ_ONLY' });
    expect(b.controls.filter((c) => c.t === 'refused')).toHaveLength(1);
    expect(Object.keys(await stored())).toEqual(['fig-bob1']);
  });

  it('refuses a public reader’s figure, and a create member’s figure of a file the experiment lacks', async () => {
    await policy('create');
    accepted(await alice.intent({ type: 'publish', experimentId: exp }));
    const d = await opened(dave);
    d.doc.getMap('figures').set('fig-dave', figure('Dave’s'));
    expect(await d.waitForControl('refused')).toMatchObject({ code: 'READ_ONLY' });
    const b = await opened(bob);
    b.doc.getMap('figures').set('fig-bob2', { ...figure('Bob’s'), panels: [{ ...figure('x').panels[0]!, file: 'missing.fcs' }] });
    expect(await b.waitForControl('refused')).toMatchObject({ code: 'UNKNOWN_FILE' });
    expect(await stored()).toEqual({});
  });
});
