import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptFileError, FileStore } from '../../extension/cli/file-store.ts';
import type { Draft } from '../../extension/core/contract.ts';

const session = { server: 'http://127.0.0.1:1', token: 't'.repeat(40), username: 'alice', email: 'a@x.org', staff: false, expiresAt: 1, mode: 'premium' as const };
const draft: Draft = {
  kind: 'intent', id: 'dabcdef012345', experimentId: 'exp00000001', description: 'share with bob', state: 'pending', createdAt: 1,
  intent: { id: 'dabcdef012345', type: 'share', experimentId: 'exp00000001', user: 'bob' },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cytoshare-fs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileStore', () => {
  it('keeps the session private (0600) and leaves no temporary files', async () => {
    const store = await FileStore.open(dir);
    await store.saveSession(session);
    await store.putDraft(draft);
    await store.flush();
    expect((await stat(join(dir, 'session.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(await (await FileStore.open(dir)).loadSession()).toEqual(session);
  });

  it('holding outbox writes: the drafts put meanwhile are all on disk once the hold ends, and only then', async () => {
    const store = await FileStore.open(dir);
    const ids = ['dheld0000001', 'dheld0000002', 'dheld0000003'];
    await store.holdingDraftWrites(async () => {
      for (const [at, id] of ids.entries()) await store.putDraft({ ...draft, id, createdAt: at + 1, intent: { ...draft.intent, id } } as Draft);
      await store.flush();
      expect(await readdir(dir)).not.toContain('drafts.json');
    });
    expect((await (await FileStore.open(dir)).loadDrafts()).map((d) => d.id)).toEqual(ids);
  });

  it('keeps drafts and documents across a reopen', async () => {
    const store = await FileStore.open(dir);
    await store.putDraft(draft);
    await store.putDraft({ ...draft, state: 'accepted', settledAt: 2 });
    const doc = await store.openDoc('exp-exp00000001');
    doc.getMap('meta').set('name', 'Tcells');
    await store.close();
    const again = await FileStore.open(dir);
    expect(await again.loadDrafts()).toEqual([{ ...draft, state: 'accepted', settledAt: 2 }]);
    expect((await again.openDoc('exp-exp00000001')).getMap('meta').get('name')).toBe('Tcells');
    expect(await again.docNames()).toEqual(['exp-exp00000001']);
  });

  it('does not lose drafts written concurrently', async () => {
    const store = await FileStore.open(dir);
    await Promise.all([1, 2, 3].map((n) => store.putDraft({ ...draft, id: `dconcurrent${n}`, createdAt: n })));
    await store.flush();
    expect((await (await FileStore.open(dir)).loadDrafts()).map((d) => d.id)).toEqual(['dconcurrent1', 'dconcurrent2', 'dconcurrent3']);
  });

  it('reports a corrupt drafts file and leaves it in place', async () => {
    await writeFile(join(dir, 'drafts.json'), '{"version":1,"drafts":[{"kind":"nonsense"}]}');
    const store = await FileStore.open(dir);
    await expect(store.loadDrafts()).rejects.toBeInstanceOf(CorruptFileError);
    await expect(store.putDraft(draft)).rejects.toThrow(/drafts\.json is corrupt/);
    expect(await readFile(join(dir, 'drafts.json'), 'utf8')).toContain('nonsense');
  });

  it('reports a corrupt session file and a corrupt document', async () => {
    await writeFile(join(dir, 'session.json'), 'not json');
    const store = await FileStore.open(dir);
    await expect(store.loadSession()).rejects.toThrow(/session\.json is corrupt/);
    await writeFile(join(dir, 'docs', 'catalog.bin'), Buffer.from([255, 255, 255, 255, 1, 2]));
    await expect(store.openDoc('catalog')).rejects.toBeInstanceOf(CorruptFileError);
  });

  it('deletes a document for good', async () => {
    const store = await FileStore.open(dir);
    (await store.openDoc('exp-exp00000001')).getMap('meta').set('name', 'x');
    await store.flush();
    await store.deleteDoc('exp-exp00000001');
    expect(await store.docNames()).toEqual([]);
  });
});
