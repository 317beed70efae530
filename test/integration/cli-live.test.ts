import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreChange, Draft } from '../../extension/core/contract.ts';
import { CytoshareCore } from '../../extension/core/core.ts';
import { LiveSync } from '../../extension/core/live-sync.ts';
import { MemoryStore } from '../../extension/core/memory-store.ts';
import { cleanup, PASSWORD, world, type World } from './cli-helpers.ts';
import { until } from './support/poll.ts';

/** Live mode of the client core (what the background worker runs), two users in one process. */
describe('client core live mode', () => {
  let w: World;
  const lives: LiveSync[] = [];
  beforeAll(async () => {
    w = await world(['alice', 'bob']);
  });
  afterAll(async () => {
    for (const live of lives) live.stop();
    await cleanup(w);
  });

  async function liveCore(user: string) {
    const core = await CytoshareCore.open({ store: new MemoryStore(), server: w.url, WebSocketPolyfill: WebSocket });
    await core.login(user, PASSWORD);
    const changes: CoreChange[] = [];
    core.subscribe((c) => changes.push(c));
    const live = new LiveSync(core);
    lives.push(live);
    await live.start();
    return { core, changes, live };
  }

  it('pushes drafts as they are made, follows shares, and drops a revoked experiment', async () => {
    const alice = await liveCore('alice');
    const bob = await liveCore('bob');
    const { id, draft } = await alice.core.create('Live one');
    const state = (d: Draft) => async () => (await alice.core.drafts()).find((x) => x.id === d.id && x.state !== 'pending');
    expect(await until('create accepted', state(draft))).toMatchObject({ state: 'accepted' });
    await until('index lists it', async () => (await alice.core.list('mine')).some((r) => r.id === id));
    // Live mode keeps sockets only for experiments the UI shows (and those with edits waiting).
    alice.live.watch(id);
    await until('alice has the doc', async () => (await alice.core.show(id).catch(() => null))?.owner === 'alice');

    const rename = await alice.core.rename(id, 'Live renamed');
    expect(await until('rename acked', state(rename))).toMatchObject({ state: 'accepted' });
    const share = await alice.core.share(id, 'bob');
    expect(await until('share accepted', state(share))).toMatchObject({ state: 'accepted' });

    await until('bob sees the share', async () => (await bob.core.list('shared')).some((r) => r.id === id));
    bob.live.watch(id);
    const bobView = await until('bob has the doc', async () => bob.core.show(id).catch(() => undefined));
    expect(bobView.name).toBe('Live renamed');
    expect(bob.changes.some((c) => c.type === 'list')).toBe(true);

    await alice.core.unshare(id, 'bob');
    await until('bob told of removal', async () => bob.changes.find((c) => c.type === 'removed' && c.experimentId === id));
    expect(await bob.core.list('all')).toEqual([]);
    await expect(bob.core.show(id)).rejects.toMatchObject({ code: 'UNKNOWN_EXPERIMENT' });
    expect(alice.core.status()).toMatch(/online|syncing/);
  });
});
