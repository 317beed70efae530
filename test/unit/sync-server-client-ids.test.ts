import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName } from '../../shared/doc-layout.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';
import type { Store } from '../../sync-server/store/store.ts';
import { ClientRegistry, SERVER_ACCOUNT } from '../../sync-server/sync/client-registry.ts';
import { Rooms } from '../../sync-server/sync/rooms.ts';

/**
 * The server's own client ids belong to SERVER_ACCOUNT before anything written under them is
 * stored, and so do ids found in stored documents that nobody registered (written by the
 * server before its ids were registered): a client writing under any of them is refused.
 */
let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cytoshare-ids-'));
  store = openSqliteStore(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the server's client ids", () => {
  it('a server write is stored under an id registered to the server', async () => {
    const registry = new ClientRegistry(store);
    const rooms = new Rooms(store, 60_000, registry);
    const name = docName.index('alice');
    await rooms.with(name, (room) => room.serverWrite((doc) => doc.getMap('experiments').set('e1', { id: 'e1' })));
    const { updates } = await store.loadUpdates(name);
    const written = new Y.Doc();
    for (const u of updates) Y.applyUpdate(written, u);
    const ids = [...written.store.clients.keys()];
    expect(ids).toHaveLength(1);
    expect((await store.clientOwners(ids)).get(ids[0]!)).toBe(SERVER_ACCOUNT);
    expect(await registry.claim(ids, 'alice')).toMatchObject({ ok: false, code: 'FOREIGN_CLIENT_ID' });
    await rooms.closeAll();
  });

  it('ids in a stored document that nobody registered become the server\'s when it loads', async () => {
    const old = new Y.Doc();
    old.getMap('experiments').set('e1', { id: 'e1' });
    const name = docName.catalog;
    await store.appendUpdate(name, Y.encodeStateAsUpdate(old));
    await store.registerClients([123], 'bob');
    const registry = new ClientRegistry(store);
    const rooms = new Rooms(store, 60_000, registry);
    await rooms.with(name, async () => undefined);
    expect((await store.clientOwners([old.clientID])).get(old.clientID)).toBe(SERVER_ACCOUNT);
    expect(await registry.claim([old.clientID], 'alice')).toMatchObject({ ok: false, code: 'FOREIGN_CLIENT_ID' });
    expect((await store.clientOwners([123])).get(123)).toBe('bob');
    await rooms.closeAll();
  });
});

describe('new client ids per socket and per account', () => {
  it('are bounded, and the account bound starts again the next day', async () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const registry = new ClientRegistry(store, () => now);
    const limits = { socketAllowance: 3, perAccountPerDay: 5 };
    expect(await registry.claim([1, 2, 3, 4], 'alice', limits)).toMatchObject({ ok: false, code: 'TOO_MANY_CLIENT_IDS' });
    expect(await registry.claim([1, 2, 3], 'alice', limits)).toEqual({ ok: true, claimed: [1, 2, 3] });
    // Ids it already holds cost nothing.
    expect(await registry.claim([1, 2, 3], 'alice', limits)).toEqual({ ok: true, claimed: [] });
    expect(await registry.claim([4, 5, 6], 'alice', limits)).toMatchObject({ ok: false, code: 'TOO_MANY_CLIENT_IDS' });
    expect(await registry.claim([4, 5], 'alice', limits)).toEqual({ ok: true, claimed: [4, 5] });
    expect(await registry.claim([7, 8], 'bob', limits)).toEqual({ ok: true, claimed: [7, 8] });
    now += 24 * 60 * 60 * 1000;
    expect(await registry.claim([6], 'alice', limits)).toEqual({ ok: true, claimed: [6] });
    expect((await store.clientOwners([1, 4, 6, 7])).size).toBe(4);
  });
});

describe('the cache of owners', () => {
  it('stays bounded, and a forgotten owner is read back from the store: the id is still refused to others', async () => {
    const registry = new ClientRegistry(store, Date.now, 100);
    for (let i = 1; i <= 1_000; i++) expect(await registry.claim([i], i % 2 ? 'alice' : 'bob')).toEqual({ ok: true, claimed: [i] });
    expect(registry.cachedOwners).toBeLessThanOrEqual(100);
    // Id 1 (alice's) was the first claimed: long gone from the cache.
    expect(await registry.claim([1], 'bob')).toEqual({ ok: false, code: 'FOREIGN_CLIENT_ID', ids: [1] });
    expect(await registry.claim([1], 'alice')).toEqual({ ok: true, claimed: [] });
  });
});
