import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCode } from '../../shared/codes.ts';
import { PREFETCH_AT_ONCE } from '../../extension/core/live-plan.ts';
import { docName } from '../../shared/doc-layout.ts';
import type { CoreChange, Draft } from '../../extension/core/contract.ts';
import { CytoshareCore } from '../../extension/core/core.ts';
import { LiveSync } from '../../extension/core/live-sync.ts';
import { MemoryStore } from '../../extension/core/memory-store.ts';
import { startHarness, waitUntil, type Harness } from './support/harness.ts';
import { until } from './support/poll.ts';

/**
 * Live mode (what the extension's worker runs) against the real server on 127.0.0.1: answers
 * that overtake the draft they settle, access withdrawn under a pending edit, sockets only for
 * what is watched, and a status that comes back to online. Every wait is bounded.
 */
const PASSWORD = 'correct horse battery';

/** Outgoing frames on sockets whose URL contains `held` wait until released (a slow uplink). */
const uplink = { held: null as string | null, queue: [] as Array<() => void> };
class HoldingWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    const send = this.send.bind(this) as (data: Uint8Array) => void;
    // y-websocket sends one buffer per call; that is all this wrapper has to carry.
    this.send = ((data: Uint8Array) => {
      if (uplink.held !== null && this.url.includes(uplink.held)) {
        uplink.queue.push(() => {
          if (this.readyState === WebSocket.OPEN) send(data);
        });
        return;
      }
      send(data);
    }) as WebSocket['send'];
  }
}

/** A memory store whose pending edit drafts are written late, after the server has the edit. */
class LateDraftStore extends MemoryStore {
  beforeEditDraft: (() => Promise<void>) | null = null;
  override async putDraft(draft: Draft): Promise<void> {
    if (draft.kind === 'edit' && draft.state === 'pending' && this.beforeEditDraft) await this.beforeEditDraft();
    return super.putDraft(draft);
  }
}

describe('client core live mode against the real server', () => {
  let h: Harness;
  const lives: LiveSync[] = [];
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    for (const live of lives) live.stop();
    await h.stop();
  });

  async function liveCore(username: string, store = new MemoryStore()) {
    const core = await CytoshareCore.open({ store, server: h.server.url, WebSocketPolyfill: HoldingWebSocket });
    await core.login(username, PASSWORD);
    const changes: CoreChange[] = [];
    core.subscribe((c) => changes.push(c));
    const live = new LiveSync(core, { idleCloseMs: 100 });
    lives.push(live);
    await live.start();
    await until('online', async () => core.status() === 'online');
    return { core, live, changes, store };
  }

  /** Sockets the server holds for `username`, by document. */
  async function socketsOf(username: string): Promise<string[]> {
    const names: string[] = [];
    for (const room of await h.server.rooms.loaded()) for (const peer of room.peers) if (peer.actor.username === username) names.push(room.name);
    return names.sort();
  }

  const settled = (core: CytoshareCore, id: string) => async () => (await core.drafts()).find((d) => d.id === id && d.state !== 'pending');

  it('an edit acknowledged before its draft is recorded still settles accepted, and the status returns to online', async () => {
    const owner = await h.user('ann');
    const id = await owner.createExperiment('Race');
    const store = new LateDraftStore();
    const ann = await liveCore('ann', store);
    const stopWatching = ann.live.watch(id);
    await until('doc synced', async () => (await ann.core.show(id).catch(() => null))?.name === 'Race');

    // The draft is written only once the server holds the edit, and a little later: its ack is in.
    let serverHadIt = false;
    store.beforeEditDraft = async () => {
      await waitUntil(() => serverHadIt, 'the server to apply the edit', 5_000).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
    };
    const probe = setInterval(() => {
      void h.server.rooms.ifLoaded(docName.experiment(id)).then((room) => {
        if (room?.doc.getMap('meta').get('name') === 'Raced') serverHadIt = true;
      });
    }, 10);
    try {
      const draft = await ann.core.rename(id, 'Raced');
      expect(serverHadIt).toBe(true);
      expect(await until('rename settled', settled(ann.core, draft.id))).toMatchObject({ state: 'accepted' });
    } finally {
      clearInterval(probe);
      store.beforeEditDraft = null;
    }
    await until('status back to online', async () => ann.core.status() === 'online');
    expect(ann.changes.some((c) => c.type === 'status' && c.status === 'syncing')).toBe(false);
    stopWatching();
    await until('idle socket closed', async () => !(await socketsOf('ann')).includes(docName.experiment(id)));
    expect(ann.core.status()).toBe('online');
  });

  it('access removed while live rejects the pending edit ACCESS_REVOKED and drops the experiment from the list', async () => {
    const owner = await h.user('olga');
    await h.user('pete');
    const id = await owner.createExperiment('Shared then not');
    expect(await owner.intent({ type: 'share', experimentId: id, user: 'pete' })).toMatchObject({ ok: true });
    const pete = await liveCore('pete');
    expect((await pete.core.list('all')).map((r) => r.id)).toEqual([id]);
    pete.live.watch(id);
    await until('pete has the doc', async () => (await pete.core.show(id).catch(() => null))?.name === 'Shared then not');
    // An edit answered proves the watched socket has finished its handshake: holding the uplink
    // earlier would hold the handshake too, and nothing would be pending.
    const warmUp = await pete.core.rename(id, 'Shared, then not');
    expect(await until('first edit settled', settled(pete.core, warmUp.id))).toMatchObject({ state: 'accepted' });

    // Pete's edit does not reach the server before the owner withdraws his access.
    uplink.held = docName.experiment(id);
    try {
      const draft = await pete.core.rename(id, 'Pete was here');
      await until('syncing while the edit waits', async () => pete.core.status() === 'syncing');
      expect(await owner.intent({ type: 'unshare', experimentId: id, user: 'pete' })).toMatchObject({ ok: true });
      const rejected = await until('edit settled', settled(pete.core, draft.id));
      expect(rejected).toMatchObject({ state: 'rejected', code: 'ACCESS_REVOKED' });
    } finally {
      uplink.held = null;
      uplink.queue.length = 0;
    }
    await until('removed event', async () => pete.changes.find((c) => c.type === 'removed' && c.experimentId === id));
    expect(pete.changes.filter((c) => c.type === 'removed')).toEqual([{ type: 'removed', experimentId: id, code: 'ACCESS_REVOKED' }]);
    await until('gone from the list', async () => (await pete.core.list('all')).length === 0);
    await expect(pete.core.show(id)).rejects.toMatchObject({ code: 'UNKNOWN_EXPERIMENT' });
    await until('status back to online', async () => pete.core.status() === 'online');
    expect(await socketsOf('pete')).not.toContain(docName.experiment(id));
  });

  it('an edit made offline to an experiment withdrawn meanwhile is rejected ACCESS_REVOKED when live mode comes back', async () => {
    const owner = await h.user('quinn');
    await h.user('rita');
    const id = await owner.createExperiment('Away');
    expect(await owner.intent({ type: 'share', experimentId: id, user: 'rita' })).toMatchObject({ ok: true });
    const store = new MemoryStore();
    const first = await liveCore('rita', store);
    first.live.watch(id);
    await until('rita has the doc', async () => (await first.core.show(id).catch(() => null))?.name === 'Away');
    first.live.stop();
    const draft = await first.core.rename(id, 'Edited offline');
    expect(await owner.intent({ type: 'unshare', experimentId: id, user: 'rita' })).toMatchObject({ ok: true });

    const again = new LiveSync(first.core, { idleCloseMs: 100 });
    lives.push(again);
    await again.start();
    expect(await until('edit settled', settled(first.core, draft.id))).toMatchObject({
      state: 'rejected', code: 'ACCESS_REVOKED', message: describeCode('ACCESS_REVOKED'),
    });
    await until('removed event', async () => first.changes.find((c) => c.type === 'removed' && c.experimentId === id));
    expect(await first.core.list('all')).toEqual([]);
    await until('status back to online', async () => first.core.status() === 'online');
  });

  it('a user with many experiments holds sockets only for the fixed documents and what is watched; lists still update live', async () => {
    const sam = await h.user('sam');
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await sam.createExperiment(`Many ${i}`));
    const live = await liveCore('sam');
    expect((await live.core.list('all')).length).toBe(40);
    const fixed = [docName.connections('sam'), docName.index('sam')].sort();
    // Each listed experiment is fetched once, a few at a time, so it stays usable offline...
    let most = 0;
    await until(
      'every experiment held once',
      async () => {
        most = Math.max(most, (await socketsOf('sam')).length);
        const held = (await live.store.docNames()).filter((n) => n.startsWith('exp-')).length;
        // A document can be in the store a moment before its first sync fills it: not yet, not a failure.
        const shown = await Promise.all(ids.map((id) => live.core.show(id).catch(() => null)));
        return held === 40 && shown.every((v, i) => v?.name === `Many ${i}`);
      },
      20_000,
    );
    expect(most).toBeLessThanOrEqual(fixed.length + PREFETCH_AT_ONCE);
    // ...and then its socket closes again.
    await until('fixed sockets only', async () => JSON.stringify(await socketsOf('sam')) === JSON.stringify(fixed));

    const a = ids[5] as string;
    const b = ids[17] as string;
    const stopA = live.live.watch(a);
    const stopB1 = live.live.watch(b);
    const stopB2 = live.live.watch(b);
    const watched = [...fixed, docName.experiment(a), docName.experiment(b)].sort();
    await until('watched sockets', async () => JSON.stringify(await socketsOf('sam')) === JSON.stringify(watched));
    stopA();
    stopB1();
    await until('a closed, b kept', async () => {
      const open = await socketsOf('sam');
      return !open.includes(docName.experiment(a)) && open.includes(docName.experiment(b));
    });
    stopB2();
    await until('back to the fixed sockets', async () => JSON.stringify(await socketsOf('sam')) === JSON.stringify(fixed));

    // A new experiment made elsewhere shows in the list at once, without a socket of its own.
    const fresh = await sam.createExperiment('Made on another machine');
    await until('list updated live', async () => (await live.core.list('all')).some((r) => r.id === fresh));
    await until(
      'the new one fetched once and closed again',
      async () =>
        (await live.core.show(fresh).catch(() => null))?.name === 'Made on another machine' &&
        JSON.stringify(live.live.openDocs()) === JSON.stringify(fixed) &&
        JSON.stringify(await socketsOf('sam')) === JSON.stringify(fixed),
    );
    expect(live.core.status()).toBe('online');
  });
});
