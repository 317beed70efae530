import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { describeCode } from '../../shared/codes.ts';
import { docName, IndexRoot } from '../../shared/doc-layout.ts';
import type { IndexEntry } from '../../shared/schemas/index-entry.ts';
import type { CoreChange, EditDraft, IntentDraft } from '../../extension/core/contract.ts';
import { CytoshareCore } from '../../extension/core/core.ts';
import type { DocLinkEvents } from '../../extension/core/doc-link.ts';
import { LiveSync, type LinkLike } from '../../extension/core/live-sync.ts';
import { MemoryStore } from '../../extension/core/memory-store.ts';

/**
 * Live mode driven by hand: a real core over the memory store, fake links instead of sockets.
 * Each fake records the events live mode gave it, so a test plays the server: sync, control
 * messages, final closes, remote index updates.
 */
const SERVER = 'http://server.test';

class FakeLink implements LinkLike {
  synced = false;
  connected = false;
  connecting = true;
  destroyed = false;
  constructor(
    readonly name: string,
    readonly doc: Y.Doc,
    readonly events: DocLinkEvents,
  ) {}
  sync(vector = new Map<number, number>()): void {
    this.connecting = false;
    this.connected = true;
    this.events.onServerVector?.(vector);
    this.synced = true;
    this.events.onSynced?.();
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const entry = (id: string): IndexEntry => ({
  id, name: id, owner: 'alice', access: 'owner', public: false, curated: false, projectId: null, parentId: null,
  sharedWithOthers: false, trashed: false, sharedAt: null, viewed: true,
});
const edit = (id: string, experimentId: string, client: number, clockStart: number, clockEnd: number): EditDraft => ({
  kind: 'edit', id, experimentId, description: id, state: 'pending', createdAt: clockStart + 1,
  docName: docName.experiment(experimentId), client, clockStart, clockEnd,
});
const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const lives: LiveSync[] = [];
afterEach(() => {
  for (const live of lives.splice(0)) live.stop();
});

async function setup(experiments: string[], opts: { fetch?: (url: string, init: RequestInit) => Promise<Response>; projects?: string[] } = {}) {
  const store = new MemoryStore();
  await store.saveSession({ server: SERVER, token: 'tok', username: 'alice', email: 'alice@lab.test', staff: false, expiresAt: Date.now() + 1e9, mode: 'premium' });
  const index = await store.openDoc(docName.index('alice'));
  for (const id of experiments) index.getMap(IndexRoot.experiments).set(id, entry(id));
  for (const id of opts.projects ?? []) index.getMap(IndexRoot.projects).set(id, { id, name: id, role: 'member' });
  const unreachable = async () => {
    throw new TypeError('fetch failed');
  };
  const core = await CytoshareCore.open({ store, server: SERVER, fetch: opts.fetch ?? unreachable });
  const changes: CoreChange[] = [];
  core.subscribe((c) => changes.push(c));
  const links = new Map<string, FakeLink>();
  const all: FakeLink[] = [];
  const live = new LiveSync(core, {
    idleCloseMs: 0,
    link: (name, doc, _options, events) => {
      const link = new FakeLink(name, doc, events);
      links.set(name, link);
      all.push(link);
      return link;
    },
  });
  lives.push(live);
  await live.start();
  const open = () => all.filter((l) => !l.destroyed).map((l) => l.name).sort();
  const draftState = async (id: string) => (await store.loadDrafts()).find((d) => d.id === id);
  return { store, core, live, links, open, changes, index, draftState };
}

describe('live mode keeps sockets only for what needs them', () => {
  it('many listed experiments open no socket; watch opens one, reference-counted, and the last unwatch closes it', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `exp${String(i).padStart(8, '0')}`);
    const t = await setup(ids, { projects: ['proj0001x'] });
    expect(t.open()).toEqual(['conn-alice', 'idx-alice', 'proj-proj0001x']);
    expect((await t.store.docNames()).filter((n) => n.startsWith('exp-'))).toEqual([]);

    const stopA = t.live.watch(ids[3] as string);
    const stopB = t.live.watch(ids[3] as string);
    await until('socket opened', () => t.open().includes(`exp-${ids[3]}`));
    stopA();
    stopA();
    await t.live.nudge();
    expect(t.open()).toContain(`exp-${ids[3]}`);
    stopB();
    await until('socket closed', () => !t.open().includes(`exp-${ids[3]}`));
    expect(t.open()).toHaveLength(3);
  });

  it('an experiment with a pending edit keeps its socket until the edit is settled', async () => {
    const t = await setup(['exp00000001']);
    t.links.get('idx-alice')?.sync();
    await t.store.putDraft(edit('d1', 'exp00000001', 7, 0, 2));
    t.core.emit({ type: 'drafts' });
    await until('socket for the pending edit', () => t.open().includes('exp-exp00000001'));
    const link = t.links.get('exp-exp00000001') as FakeLink;
    link.sync();
    link.events.onControl?.({ t: 'ack', clients: { '7': 2 } });
    await until('accepted', async () => (await t.draftState('d1'))?.state === 'accepted');
    await until('idle socket closed', () => link.destroyed);
  });

  it('an edit counts as being sent while a synced socket awaits its answer, not while offline', async () => {
    const t = await setup(['exp00000001']);
    t.links.get('idx-alice')?.sync();
    await t.store.putDraft(edit('d1', 'exp00000001', 7, 0, 2));
    t.core.emit({ type: 'drafts' });
    await until('socket for the pending edit', () => t.open().includes('exp-exp00000001'));
    await t.live.nudge();
    expect(t.core.sending()).toEqual([]);
    const link = t.links.get('exp-exp00000001') as FakeLink;
    link.sync();
    await until('sending', () => t.core.sending().includes('d1'));
    expect(t.changes.some((c) => c.type === 'sending')).toBe(true);
    link.events.onControl?.({ t: 'ack', clients: { '7': 2 } });
    await until('no longer sending', () => t.core.sending().length === 0);
  });

  it('a listed project opens its document; a project the index drops loses its local copy', async () => {
    const t = await setup([], { projects: ['proj0001x'] });
    t.links.get('idx-alice')?.sync();
    await t.live.nudge();
    t.index.getMap(IndexRoot.projects).delete('proj0001x');
    await until('project closed', () => !t.open().includes('proj-proj0001x'));
    expect(await t.store.docNames()).not.toContain('proj-proj0001x');
  });
});

describe('live mode settles every edit draft', () => {
  it('an ack that arrives before the draft is recorded settles it when recorded', async () => {
    const t = await setup(['exp00000001']);
    t.live.watch('exp00000001');
    await until('socket', () => t.links.has('exp-exp00000001'));
    const link = t.links.get('exp-exp00000001') as FakeLink;
    link.sync();
    link.events.onControl?.({ t: 'ack', clients: { '9': 4 } });
    await tick();
    await t.store.putDraft(edit('d1', 'exp00000001', 9, 0, 4));
    t.core.emit({ type: 'drafts' });
    await until('accepted', async () => (await t.draftState('d1'))?.state === 'accepted');
  });

  it('a drafts signal during a busy run is not dropped', async () => {
    const t = await setup(['exp00000001']);
    t.live.watch('exp00000001');
    await until('socket', () => t.links.has('exp-exp00000001'));
    const link = t.links.get('exp-exp00000001') as FakeLink;
    link.sync();
    link.events.onControl?.({ t: 'ack', clients: { '9': 10 } });
    await t.store.putDraft(edit('d1', 'exp00000001', 9, 0, 4));
    const first = t.live.nudge();
    // Recorded while the first run is still going: the old code returned early here.
    await t.store.putDraft(edit('d2', 'exp00000001', 9, 4, 10));
    t.core.emit({ type: 'drafts' });
    await first;
    await until('both accepted', async () => (await t.draftState('d1'))?.state === 'accepted' && (await t.draftState('d2'))?.state === 'accepted');
  });
});

describe('live mode and withdrawn access', () => {
  it('the index dropping an experiment rejects its pending edits ACCESS_REVOKED, deletes the copy and tells the UI once', async () => {
    const t = await setup(['exp00000001', 'exp00000002']);
    t.links.get('idx-alice')?.sync();
    await t.store.putDraft(edit('d1', 'exp00000002', 7, 0, 2));
    t.core.emit({ type: 'drafts' });
    await until('socket', () => t.links.has('exp-exp00000002'));
    const expLink = t.links.get('exp-exp00000002') as FakeLink;
    expLink.sync();
    t.index.getMap(IndexRoot.experiments).delete('exp00000002');
    await until('rejected', async () => (await t.draftState('d1'))?.state === 'rejected');
    expect(await t.draftState('d1')).toMatchObject({ code: 'ACCESS_REVOKED', message: describeCode('ACCESS_REVOKED') });
    expect(t.changes).toContainEqual({ type: 'removed', experimentId: 'exp00000002', code: 'ACCESS_REVOKED' });
    expect(expLink.destroyed).toBe(true);
    expect(await t.store.docNames()).not.toContain('exp-exp00000002');
    expect((await t.core.list('all')).map((r) => r.id)).toEqual(['exp00000001']);
    // The server's own close of the socket afterwards changes nothing and says nothing twice.
    expLink.events.onControl?.({ t: 'closing', code: 'ACCESS_REVOKED', message: 'gone' });
    expLink.events.onFinalClose?.(4403);
    await t.live.nudge();
    expect(t.changes.filter((c) => c.type === 'removed')).toHaveLength(1);
  });

  it('an experiment withdrawn while away (stored index lists it, the synced one does not) rejects edits made offline', async () => {
    const t = await setup(['exp00000001']);
    await t.store.putDraft(edit('d1', 'exp00000001', 7, 0, 2));
    t.core.emit({ type: 'drafts' });
    await t.live.nudge();
    // No socket for the edit before the index has spoken: its answer decides first.
    expect(t.links.has('exp-exp00000001')).toBe(false);
    // The server's copy of the index arrives without the experiment.
    t.index.getMap(IndexRoot.experiments).delete('exp00000001');
    t.links.get('idx-alice')?.sync();
    await until('rejected', async () => (await t.draftState('d1'))?.state === 'rejected');
    expect(t.changes.filter((c) => c.type === 'removed')).toEqual([{ type: 'removed', experimentId: 'exp00000001', code: 'ACCESS_REVOKED' }]);
    await t.live.nudge();
    expect(t.open()).not.toContain('exp-exp00000001');
  });

  it('a closing message on a watched socket, then the index update, reports the removal once and never reopens', async () => {
    const t = await setup(['exp00000001']);
    t.links.get('idx-alice')?.sync();
    t.live.watch('exp00000001');
    await until('socket', () => t.links.has('exp-exp00000001'));
    const link = t.links.get('exp-exp00000001') as FakeLink;
    link.sync();
    await t.store.putDraft(edit('d1', 'exp00000001', 7, 0, 2));
    t.core.emit({ type: 'drafts' });
    await t.live.nudge();
    link.events.onControl?.({ t: 'closing', code: 'ACCESS_REVOKED', message: 'your access to this document was removed' });
    await until('rejected', async () => (await t.draftState('d1'))?.state === 'rejected');
    t.index.getMap(IndexRoot.experiments).delete('exp00000001');
    await t.live.nudge();
    expect(t.changes.filter((c) => c.type === 'removed')).toHaveLength(1);
    expect(t.open()).not.toContain('exp-exp00000001');
  });

  it("the user's own delete for good drops the copy without a removal notice", async () => {
    const t = await setup(['exp00000001']);
    t.links.get('idx-alice')?.sync();
    const del: IntentDraft = { kind: 'intent', id: 'draft-del-1', experimentId: 'exp00000001', description: 'delete', state: 'accepted', createdAt: 1, intent: { id: 'draft-del-1', type: 'delete', experimentId: 'exp00000001' } };
    await t.store.putDraft(del);
    t.index.getMap(IndexRoot.experiments).delete('exp00000001');
    await t.live.nudge();
    await until('list event', () => t.changes.some((c) => c.type === 'list'));
    expect(t.changes.some((c) => c.type === 'removed')).toBe(false);
  });
});

describe('live mode status', () => {
  it('connecting, then online once the index is synced, syncing while an edit waits, online again after its ack', async () => {
    const t = await setup(['exp00000001']);
    expect(t.core.status()).toBe('connecting');
    t.links.get('idx-alice')?.sync();
    expect(t.core.status()).toBe('online');
    await t.live.nudge();
    await t.store.putDraft(edit('d1', 'exp00000001', 7, 0, 2));
    t.core.emit({ type: 'drafts' });
    await until('socket', () => t.links.has('exp-exp00000001'));
    const link = t.links.get('exp-exp00000001') as FakeLink;
    link.sync();
    await t.live.nudge();
    expect(t.core.status()).toBe('syncing');
    link.events.onControl?.({ t: 'ack', clients: { '7': 2 } });
    await until('online', () => t.core.status() === 'online');
  });

  it('an unreachable intent push goes back to online (retried later), not stuck in syncing', async () => {
    const t = await setup([]);
    t.links.get('idx-alice')?.sync();
    await t.core.create('Offline one');
    await t.live.nudge();
    expect(t.core.status()).toBe('online');
    expect((await t.core.drafts()).map((d) => d.state)).toEqual(['pending']);
  });

  it('an accepted intent push returns to online', async () => {
    const fetch = async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { id: string };
      return new Response(JSON.stringify({ ok: true, draftId: body.id, affected: [], skipped: [], resent: false }), { status: 200 });
    };
    const t = await setup([], { fetch });
    t.links.get('idx-alice')?.sync();
    await t.core.create('Online one');
    await until('accepted', async () => (await t.core.drafts())[0]?.state === 'accepted');
    await t.live.nudge();
    expect(t.core.status()).toBe('online');
  });
});
