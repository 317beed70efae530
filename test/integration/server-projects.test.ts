import { describe, expect, it } from 'vitest';
import { docName, readProject, readProjectList, tagKey } from '../../shared/doc-layout.ts';
import type { IntentResult } from '../../shared/schemas/intents.ts';
import type { ProjectPolicy } from '../../shared/schemas/project.ts';
import { nextId, type TestDoc, type TestUser } from './support/harness.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

/**
 * Projects against the real server: who reads a project's experiments and its document, how a
 * live socket is cut off when that changes, how the policy reaches the merge and the indexes,
 * and the administration rules (last manager, connections in premium mode).
 */
const h = useHarnessPerTest();

const RESTRICTED: ProjectPolicy = { access: 'restricted', illustrations: 'view-only', cloning: 'files-only' };
const TAG = tagKey('tube1.fcs', 'Donor');

function accepted(result: IntentResult): void {
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
}
function refusedWith(result: IntentResult, code: string, path?: string[]): void {
  expect(result).toMatchObject({ ok: false, code, ...(path ? { path } : {}) });
}

/** Alice manages a new project holding one experiment of hers; Bob is a member of it. */
async function projectWithMember(opts: { policy?: ProjectPolicy } = {}): Promise<{ alice: TestUser; bob: TestUser; projectId: string; expId: string }> {
  await h.start();
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const projectId = nextId('proj');
  accepted(await alice.intent({ type: 'project-create', projectId, name: 'Lymphoma atlas' }));
  const expId = await alice.createExperiment('Spleen panel');
  accepted(await alice.intent({ type: 'move', experimentId: expId, projectId }));
  accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'member' }));
  if (opts.policy) accepted(await alice.intent({ type: 'project-policy', projectId, policy: opts.policy }));
  return { alice, bob, projectId, expId };
}

async function synced(d: TestDoc, what: string): Promise<TestDoc> {
  await d.waitFor(() => d.provider.synced, what);
  return d;
}

/** The close a socket received, or a failure after `ms`: no wait in this file is unbounded. */
async function closeOf(d: TestDoc, ms = 5_000): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`socket not closed within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([d.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const entry = (index: TestDoc, id: string) => index.doc.getMap('experiments').get(id) as { access?: string; projectId?: string | null } | undefined;

describe('a project member’s live access', () => {
  it('is cut off (4403 ACCESS_REVOKED) on the experiment and the project document when removed from the project', async () => {
    const { alice, bob, projectId, expId } = await projectWithMember();
    const live = await synced(await bob.open(docName.experiment(expId)), 'bob on the experiment');
    expect(live.controls[0]).toMatchObject({ t: 'welcome', access: 'full' });
    expect(live.doc.getMap('meta').get('name')).toBe('Spleen panel');
    const projectDoc = await synced(await bob.open(docName.project(projectId)), 'bob on the project');
    const index = await bob.open(docName.index('bob'));
    await index.waitFor(() => entry(index, expId) !== undefined && readProjectList(index.doc).length === 1, 'bob’s index lists the project');

    accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: null }));
    expect(await closeOf(live)).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    expect(live.controls.at(-1)).toMatchObject({ t: 'closing', code: 'ACCESS_REVOKED' });
    expect(await closeOf(projectDoc)).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    await index.waitFor(() => entry(index, expId) === undefined && readProjectList(index.doc).length === 0, 'index emptied');

    const again = await bob.open(docName.experiment(expId));
    expect((await closeOf(again)).code).toBe(4403);
    expect(again.doc.getMap('meta').size).toBe(0);
    // The owner is untouched.
    const own = await synced(await alice.open(docName.experiment(expId)), 'alice');
    expect(own.controls[0]).toMatchObject({ t: 'welcome', access: 'owner' });
  });

  it('is cut off when the experiment moves out of the project, while the project itself stays readable', async () => {
    const { alice, bob, projectId, expId } = await projectWithMember();
    const live = await synced(await bob.open(docName.experiment(expId)), 'bob on the experiment');
    const index = await bob.open(docName.index('bob'));
    await index.waitFor(() => entry(index, expId)?.projectId === projectId, 'bob’s index entry');
    const aliceIndex = await alice.open(docName.index('alice'));
    await aliceIndex.waitFor(() => entry(aliceIndex, expId)?.projectId === projectId, 'alice’s index entry');

    accepted(await alice.intent({ type: 'move', experimentId: expId, projectId: null }));
    expect(await closeOf(live)).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    await index.waitFor(() => entry(index, expId) === undefined, 'entry gone from bob’s index');
    await aliceIndex.waitFor(() => entry(aliceIndex, expId)?.projectId === null, 'alice’s entry out of the project');
    expect(entry(aliceIndex, expId)).toMatchObject({ access: 'owner' });
    expect(readProjectList(index.doc)).toEqual([{ id: projectId, name: 'Lymphoma atlas', role: 'member' }]);
    await synced(await bob.open(docName.project(projectId)), 'bob still reads the project');
  });

  it('is cut off when the owner trashes the experiment, and comes back with the restore', async () => {
    const { alice, bob, expId } = await projectWithMember();
    const live = await synced(await bob.open(docName.experiment(expId)), 'bob on the experiment');
    const index = await bob.open(docName.index('bob'));
    await index.waitFor(() => entry(index, expId)?.access === 'full', 'bob’s index entry');
    refusedWith(await bob.intent({ type: 'trash', experimentId: expId }), 'OWNER_ONLY');

    accepted(await alice.intent({ type: 'trash', experimentId: expId }));
    expect(await closeOf(live)).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    await index.waitFor(() => entry(index, expId) === undefined, 'entry gone while trashed');
    refusedWith(await bob.intent({ type: 'restore', experimentId: expId }), 'NOT_A_READER');

    accepted(await alice.intent({ type: 'restore', experimentId: expId }));
    await index.waitFor(() => entry(index, expId)?.access === 'full', 'entry back');
    await synced(await bob.open(docName.experiment(expId)), 'bob reads it again');
  });

  it('a member cannot move the experiment out, and a manager of the project without a grant can', async () => {
    const { alice, bob, projectId, expId } = await projectWithMember();
    refusedWith(await bob.intent({ type: 'move', experimentId: expId, projectId: null }), 'NOT_A_PROJECT_MANAGER', ['experimentId']);
    const carol = await h.user('carol');
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'carol', role: 'manager' }));
    const live = await synced(await bob.open(docName.experiment(expId)), 'bob on the experiment');
    accepted(await carol.intent({ type: 'move', experimentId: expId, projectId: null }));
    expect(await closeOf(live)).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    // Carol reached it only through the project: she is cut off from it too.
    const carolAgain = await carol.open(docName.experiment(expId));
    expect((await closeOf(carolAgain)).code).toBe(4403);
  });
});

describe('the project policy', () => {
  it('a restricted member’s tag edit is refused READ_ONLY and reverted; once the policy is full again it is accepted', async () => {
    const { alice, bob, projectId, expId } = await projectWithMember({ policy: RESTRICTED });
    const own = await synced(await alice.open(docName.experiment(expId)), 'alice');
    own.doc.getMap('tags').set(TAG, 'D1');
    const seenByAlice: unknown[] = [];
    own.doc.getMap('tags').observe(() => seenByAlice.push(own.doc.getMap('tags').get(TAG)));

    const view = await synced(await bob.open(docName.experiment(expId)), 'bob');
    expect(view.controls[0]).toMatchObject({ t: 'welcome', access: 'restricted' });
    await view.waitFor(() => view.doc.getMap('tags').get(TAG) === 'D1', 'bob sees the tag');

    view.doc.getMap('tags').set(TAG, 'hijacked');
    const refused = await view.waitForControl('refused');
    expect(refused).toMatchObject({ t: 'refused', code: 'READ_ONLY', path: ['tags', TAG] });
    await view.waitFor(() => view.doc.getMap('tags').get(TAG) === 'D1', 'bob converges back');
    // A fresh reader gets the net state; the owner never saw the refused value.
    const fresh = await synced(await alice.open(docName.experiment(expId)), 'fresh alice');
    expect(fresh.doc.getMap('tags').get(TAG)).toBe('D1');
    expect(seenByAlice).not.toContain('hijacked');
    // Metadata is no different.
    view.doc.getMap('meta').set('name', 'Renamed by bob');
    expect(await view.waitForControl('refused')).toMatchObject({ code: 'READ_ONLY', path: ['meta', 'name'] });
    await view.waitFor(() => view.doc.getMap('meta').get('name') === 'Spleen panel', 'name restored');

    accepted(await alice.intent({ type: 'project-policy', projectId, policy: { access: 'full' } }));
    const refusalsBefore = view.controls.filter((c) => c.t === 'refused').length;
    view.doc.getMap('tags').set(TAG, 'D2');
    await own.waitFor(() => own.doc.getMap('tags').get(TAG) === 'D2', 'alice receives bob’s edit');
    expect(view.controls.filter((c) => c.t === 'refused')).toHaveLength(refusalsBefore);
  });

  it('the member’s index lists the project and its experiments with the policy’s access, updated live', async () => {
    const { alice, bob, projectId, expId } = await projectWithMember();
    const second = await alice.createExperiment('Marrow panel');
    accepted(await alice.intent({ type: 'move', experimentId: second, projectId }));
    const index = await bob.open(docName.index('bob'));
    await index.waitFor(() => entry(index, expId)?.access === 'full' && entry(index, second)?.access === 'full', 'full entries');
    expect(readProjectList(index.doc)).toEqual([{ id: projectId, name: 'Lymphoma atlas', role: 'member' }]);
    expect(index.doc.getMap('experiments').get(expId)).toMatchObject({ name: 'Spleen panel', owner: 'alice', projectId, viewed: true, sharedAt: null });
    expect(index.doc.getMap('experiments').size).toBe(2);

    accepted(await alice.intent({ type: 'project-policy', projectId, policy: RESTRICTED }));
    await index.waitFor(() => entry(index, expId)?.access === 'restricted' && entry(index, second)?.access === 'restricted', 'restricted entries');

    accepted(await alice.intent({ type: 'project-rename', projectId, name: 'Lymphoma atlas v2' }));
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'leader' }));
    await index.waitFor(() => readProjectList(index.doc)[0]?.role === 'leader' && readProjectList(index.doc)[0]?.name === 'Lymphoma atlas v2', 'renamed, leader');
    expect(entry(index, expId)?.access).toBe('restricted');

    accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'manager' }));
    await index.waitFor(() => entry(index, expId)?.access === 'full' && entry(index, second)?.access === 'full', 'a manager has full access');

    accepted(await alice.intent({ type: 'project-policy', projectId, policy: { access: 'full' } }));
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'member' }));
    await index.waitFor(() => readProjectList(index.doc)[0]?.role === 'member', 'member again');
    expect(entry(index, expId)?.access).toBe('full');
  });

  it('a member with direct full access keeps it whatever the policy', async () => {
    const { alice, bob, projectId, expId } = await projectWithMember({ policy: RESTRICTED });
    accepted(await alice.intent({ type: 'share', experimentId: expId, user: 'bob' }));
    const view = await synced(await bob.open(docName.experiment(expId)), 'bob');
    expect(view.controls[0]).toMatchObject({ t: 'welcome', access: 'full' });
    const index = await bob.open(docName.index('bob'));
    await index.waitFor(() => entry(index, expId)?.access === 'full', 'full entry');
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: null }));
    // Still a reader through the grant: the socket stays open and edits are accepted.
    const own = await synced(await alice.open(docName.experiment(expId)), 'alice');
    view.doc.getMap('tags').set(TAG, 'D3');
    await own.waitFor(() => own.doc.getMap('tags').get(TAG) === 'D3', 'edit through the grant');
    expect(view.controls.some((c) => c.t === 'closing' || c.t === 'refused')).toBe(false);
  });
});

describe('the project document', () => {
  it('is readable by members only and holds members and policy', async () => {
    const { alice, bob, projectId } = await projectWithMember({ policy: RESTRICTED });
    const carol = await h.user('carol');
    const outsider = await carol.open(docName.project(projectId));
    expect((await closeOf(outsider)).code).toBe(4403);
    expect(outsider.controls.map((c) => c.t)).toEqual(['closing']);
    expect(outsider.controls[0]).toMatchObject({ code: 'NOT_A_READER' });
    expect(outsider.doc.getMap('project').size).toBe(0);

    const member = await synced(await bob.open(docName.project(projectId)), 'bob on the project');
    await member.waitFor(() => readProject(member.doc) !== null, 'project state');
    expect(readProject(member.doc)).toEqual({ id: projectId, name: 'Lymphoma atlas', members: { alice: 'manager', bob: 'member' }, policy: RESTRICTED });

    // Server-owned: a member's write is refused whole (the document takes no client structs at
    // all), the socket told to reset, and a fresh replica still reads the server's policy.
    member.doc.getMap('project').set('policy', { access: 'full' });
    expect(await member.waitForControl('refused')).toMatchObject({ code: 'SERVER_OWNED_FIELD' });
    expect(await closeOf(member)).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });
    member.destroy();
    const again = await synced(await bob.open(docName.project(projectId)), 'bob again');
    await again.waitFor(() => readProject(again.doc) !== null, 'project state again');
    expect(readProject(again.doc)?.policy).toEqual(RESTRICTED);

    // A new member may read it at once; the change is live for the others.
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'carol', role: 'leader' }));
    await again.waitFor(() => readProject(again.doc)?.members.carol === 'leader', 'bob sees carol join');
    const joined = await synced(await carol.open(docName.project(projectId)), 'carol on the project');
    await joined.waitFor(() => readProject(joined.doc)?.members.carol === 'leader', 'carol reads it');
    // Unknown project: nobody reads it.
    const missing = await alice.open(docName.project(nextId('proj')));
    expect((await closeOf(missing)).code).toBe(4403);
  });
});

describe('project administration', () => {
  it('removing or demoting the last manager is refused; with a second manager it is allowed', async () => {
    const { alice, bob, projectId } = await projectWithMember();
    refusedWith(await alice.intent({ type: 'project-member', projectId, user: 'alice', role: null }), 'LAST_MANAGER', ['user']);
    refusedWith(await alice.intent({ type: 'project-member', projectId, user: 'alice', role: 'member' }), 'LAST_MANAGER', ['user']);
    refusedWith(await bob.intent({ type: 'project-member', projectId, user: 'alice', role: null }), 'NOT_A_PROJECT_MANAGER');
    expect(await h.server.store.getProject(projectId)).toMatchObject({ members: { alice: 'manager', bob: 'member' } });

    accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'manager' }));
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'alice', role: null }));
    expect((await h.server.store.getProject(projectId))?.members).toEqual({ bob: 'manager' });
    refusedWith(await bob.intent({ type: 'project-member', projectId, user: 'bob', role: 'leader' }), 'LAST_MANAGER', ['user']);
    refusedWith(await alice.intent({ type: 'project-rename', projectId, name: 'Taken over' }), 'NOT_A_PROJECT_MANAGER');
  });

  it('project-create refuses an id already used; unknown projects and non-managers are refused', async () => {
    const { alice, bob, projectId } = await projectWithMember();
    refusedWith(await bob.intent({ type: 'project-create', projectId, name: 'Mine now' }), 'PROJECT_EXISTS', ['projectId']);
    refusedWith(await bob.intent({ type: 'project-policy', projectId, policy: { access: 'full' } }), 'NOT_A_PROJECT_MANAGER');
    refusedWith(await alice.intent({ type: 'project-rename', projectId: nextId('proj'), name: 'x' }), 'UNKNOWN_PROJECT', ['projectId']);
    refusedWith(await alice.intent({ type: 'project-member', projectId, user: 'nobody', role: 'member' }), 'UNKNOWN_USER', ['user']);
    refusedWith(await alice.intent({ type: 'move', experimentId: await alice.createExperiment('Loose'), projectId: nextId('proj') }), 'UNKNOWN_PROJECT', ['projectId']);
    expect((await h.server.store.getProject(projectId))?.name).toBe('Lymphoma atlas');
  });

  it('premium mode: adding an unconnected account is refused NOT_CONNECTED; a connected one is connected with every member', async () => {
    await h.start({ connectAll: false });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const store = h.server.store;
    const projectId = nextId('proj');
    accepted(await alice.intent({ type: 'project-create', projectId, name: 'Premium project' }));

    refusedWith(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'member' }), 'NOT_CONNECTED', ['user']);
    refusedWith(await alice.intent({ type: 'project-member', projectId, user: 'bob@lab.test', role: 'member' }), 'NOT_CONNECTED', ['user']);
    expect((await store.getProject(projectId))?.members).toEqual({ alice: 'manager' });

    await store.saveConnection('alice', 'bob', 'connected', Date.now());
    await store.saveConnection('alice', 'carol', 'connected', Date.now());
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'member' }));
    expect(await store.getConnection('bob', 'carol')).toBeNull();
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'carol@lab.test', role: 'leader' }));
    expect(await store.getConnection('bob', 'carol')).toMatchObject({ status: 'connected' });
    expect(await store.getConnection('carol', 'alice')).toMatchObject({ status: 'connected' });
    expect((await store.getProject(projectId))?.members).toEqual({ alice: 'manager', bob: 'member', carol: 'leader' });

    // The auto-connection shows in Carol's connections document.
    const conn = await carol.open(docName.connections('carol'));
    await conn.waitFor(() => conn.doc.getMap('connections').has('bob'), 'bob in carol’s connections');
    // Sharing a project keeps the connection in use.
    refusedWith(await bob.intent({ type: 'disconnect', user: 'carol' }), 'CONNECTION_IN_USE', ['user']);
    // A member who is not a manager still cannot add anyone.
    await h.user('dave');
    await store.saveConnection('bob', 'dave', 'connected', Date.now());
    refusedWith(await bob.intent({ type: 'project-member', projectId, user: 'dave', role: 'member' }), 'NOT_A_PROJECT_MANAGER');
  });
});
