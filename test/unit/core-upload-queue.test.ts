import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { BrowserStore } from '../../extension/core/browser-store.ts';
import { RuleRefusal, type Draft } from '../../extension/core/contract.ts';

/**
 * FCS files kept while the server is away (upload-queue.ts on Dexie, here on fake-indexeddb):
 * whole entries with their bytes, kept across reopening the database, one name per experiment,
 * refusals kept with the reason until discarded, and a v1 database upgraded without loss.
 */
const EXP = 'e0000000-0000-4000-8000-000000000001';
const bytes = (n: number) => new Blob([new Uint8Array(n).map((_, i) => i % 251)]);
const read = async (blob: Blob | null) => (blob ? [...new Uint8Array(await blob.arrayBuffer())] : null);

describe('kept uploads', () => {
  it('keeps the bytes whole across reopening the browser, until the upload is removed', async () => {
    const first = new BrowserStore('test-uploads-reopen');
    const kept = await first.uploads.keep(EXP, 'a.fcs', bytes(3000), 10);
    expect(kept).toMatchObject({ experimentId: EXP, name: 'a.fcs', size: 3000, state: 'waiting' });
    await first.close();

    const second = new BrowserStore('test-uploads-reopen');
    expect(await second.uploads.list()).toEqual([kept]);
    expect(await read(await second.uploads.blob(kept.id))).toEqual(await read(bytes(3000)));
    await second.uploads.remove(kept.id);
    expect(await second.uploads.list()).toEqual([]);
    expect(await second.uploads.blob(kept.id)).toBeNull();
    await second.close();
  });

  it('refuses a second file of the same name for one experiment, storing nothing', async () => {
    const store = new BrowserStore('test-uploads-names');
    await store.uploads.keep(EXP, 'a.fcs', bytes(10), 1);
    const error = await store.uploads.keep(EXP, 'a.fcs', bytes(20), 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleRefusal);
    expect((error as RuleRefusal).code).toBe('FILE_NAME_TAKEN');
    await store.uploads.keep('e0000000-0000-4000-8000-000000000002', 'a.fcs', bytes(5), 3);
    expect((await store.uploads.list()).map((u) => [u.name, u.size])).toEqual([['a.fcs', 10], ['a.fcs', 5]]);
    await store.close();
  });

  it('an invalid name is refused before anything is written', async () => {
    const store = new BrowserStore('test-uploads-invalid');
    await expect(store.uploads.keep(EXP, 'dir/a.fcs', bytes(10))).rejects.toThrow();
    expect(await store.uploads.list()).toEqual([]);
    await store.close();
  });

  it('a refusal is kept with its code and words; a closed page\'s "sending" waits again', async () => {
    const store = new BrowserStore('test-uploads-states');
    const a = await store.uploads.keep(EXP, 'a.fcs', bytes(10), 1);
    const b = await store.uploads.keep(EXP, 'b.fcs', bytes(10), 2);
    await store.uploads.setState(a.id, 'refused', { code: 'INVALID_FILE', words: 'The file is not a readable FCS file.' });
    await store.uploads.setState(b.id, 'sending');
    await store.uploads.resetSending();
    expect((await store.uploads.list()).map((u) => [u.name, u.state, u.code ?? null])).toEqual([
      ['a.fcs', 'refused', 'INVALID_FILE'],
      ['b.fcs', 'waiting', null],
    ]);
    // Back to waiting drops an old refusal's reason.
    await store.uploads.setState(a.id, 'waiting');
    expect((await store.uploads.list())[0]).not.toHaveProperty('code');
    await store.close();
  });

  it('a database of version 1 (before kept uploads) opens at version 2 with its outbox intact', async () => {
    const v1 = new Dexie('test-uploads-upgrade');
    v1.version(1).stores({ session: 'key', drafts: 'id, createdAt, state', docs: 'name', list: 'id, name, owner, access' });
    const draft: Draft = {
      kind: 'intent', id: 'dintent00001', experimentId: EXP, description: 'publish', state: 'pending', createdAt: 3,
      intent: { id: 'dintent00001', type: 'publish', experimentId: EXP },
    };
    await v1.table('drafts').put(draft);
    v1.close();

    const store = new BrowserStore('test-uploads-upgrade');
    expect(await store.loadDrafts()).toEqual([draft]);
    await store.uploads.keep(EXP, 'a.fcs', bytes(4));
    expect(await store.uploads.list()).toHaveLength(1);
    await store.close();
  });
});
