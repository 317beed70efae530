import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createUploadSender, type UploadSenderCore } from '../../extension/background/upload-sender.ts';
import type { ConnectionStatus } from '../../extension/core/contract.ts';
import { BrowserStore } from '../../extension/core/browser-store.ts';

/**
 * The worker's sender of kept uploads (background/upload-sender.ts) with a fake server: each
 * kept file is PUT once however often it is asked to run, only while online; an accepted one
 * leaves the queue with a broadcast receipt, a refused one stays with the server's words, and
 * no answer leaves it waiting.
 */
const EXP = 'e0000000-0000-4000-8000-000000000001';

function world(name: string, answer: () => Promise<Response>) {
  const store = new BrowserStore(name);
  let status: ConnectionStatus = 'offline';
  const puts: string[] = [];
  const broadcasts: { name: string; done: boolean }[] = [];
  const core: UploadSenderCore = {
    status: () => status,
    drafts: async () => [],
    uploadTicket: async (_id, file) => ({ url: `http://127.0.0.1:9/put?name=${file}` }),
    refresh: async () => null,
    emit: () => undefined,
  };
  const fetchImpl = (async (url: string | URL | Request) => {
    puts.push(new URL(String(url)).searchParams.get('name') ?? '');
    return answer();
  }) as typeof fetch;
  const sender = createUploadSender({ core, queue: store.uploads, broadcast: (c) => broadcasts.push({ name: c.name, done: c.done }), fetchImpl, retryMs: 60_000 });
  return { store, sender, puts, broadcasts, online: () => (status = 'online') };
}

async function settled(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('the worker sends kept uploads', () => {
  it('waits while offline, then sends each file once however often it is run', async () => {
    const w = world('test-sender-once', async () => new Response('{}', { status: 200 }));
    await w.store.uploads.keep(EXP, 'a.fcs', new Blob([new Uint8Array(10)]));
    w.sender.run();
    await new Promise((r) => setTimeout(r, 20));
    expect(w.puts).toEqual([]);
    w.online();
    for (let i = 0; i < 5; i++) w.sender.run();
    await settled(async () => (await w.store.uploads.list()).length === 0);
    w.sender.run();
    await new Promise((r) => setTimeout(r, 20));
    expect(w.puts).toEqual(['a.fcs']);
    expect(w.broadcasts).toEqual([{ name: 'a.fcs', done: false }, { name: 'a.fcs', done: true }]);
    w.sender.stop();
    await w.store.close();
  });

  it('keeps a refused file with the reason, and a file with no answer waiting', async () => {
    const refused = world('test-sender-refused', async () => new Response(JSON.stringify({ code: 'FILE_NAME_TAKEN', message: 'taken' }), { status: 409 }));
    await refused.store.uploads.keep(EXP, 'b.fcs', new Blob([new Uint8Array(10)]));
    refused.online();
    refused.sender.run();
    await settled(async () => (await refused.store.uploads.list())[0]?.state === 'refused');
    expect((await refused.store.uploads.list())[0]).toMatchObject({ state: 'refused', code: 'FILE_NAME_TAKEN' });
    refused.sender.stop();
    await refused.store.close();

    const away = world('test-sender-away', async () => Promise.reject(new TypeError('Failed to fetch')));
    await away.store.uploads.keep(EXP, 'c.fcs', new Blob([new Uint8Array(10)]));
    away.online();
    away.sender.run();
    await settled(async () => away.puts.length === 1 && (await away.store.uploads.list())[0]?.state === 'waiting');
    expect((await away.store.uploads.list())[0]).toMatchObject({ state: 'waiting' });
    away.sender.stop();
    await away.store.close();
  });
});
