import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { BrowserStore } from '../../extension/core/browser-store.ts';
import type { Draft } from '../../extension/core/contract.ts';

const edit: Draft = {
  kind: 'edit', id: 'dedit0000001', experimentId: 'exp00000001', description: 'rename', state: 'pending', createdAt: 5,
  docName: 'exp-exp00000001', client: 42, clockStart: 0, clockEnd: 1,
};
const intent: Draft = {
  kind: 'intent', id: 'dintent00001', experimentId: 'exp00000001', description: 'publish', state: 'pending', createdAt: 3,
  intent: { id: 'dintent00001', type: 'publish', experimentId: 'exp00000001' },
};

describe('BrowserStore (Dexie + y-indexeddb on fake-indexeddb)', () => {
  it('keeps drafts, session and documents across reopening the database', async () => {
    const first = new BrowserStore('test-reopen');
    await first.putDraft(edit);
    await first.putDraft(intent);
    await first.saveSession({ server: 'http://h', token: 'x'.repeat(40), username: 'alice', email: 'a@x.org', staff: false, expiresAt: 9, mode: 'enterprise' });
    const doc = await first.openDoc('exp-exp00000001');
    doc.getMap('meta').set('name', 'Bcells');
    await first.flush();
    await first.close();

    const second = new BrowserStore('test-reopen');
    expect((await second.loadDrafts()).map((d) => d.id)).toEqual(['dintent00001', 'dedit0000001']);
    expect((await second.loadSession())?.mode).toBe('enterprise');
    expect(await second.docNames()).toEqual(['exp-exp00000001']);
    expect((await second.openDoc('exp-exp00000001')).getMap('meta').get('name')).toBe('Bcells');
    await second.close();
  });

  it('settles and deletes drafts and documents', async () => {
    const store = new BrowserStore('test-delete');
    await store.putDraft(edit);
    await store.putDraft({ ...edit, state: 'rejected', code: 'READ_ONLY', settledAt: 6 });
    expect(await store.loadDrafts()).toEqual([{ ...edit, state: 'rejected', code: 'READ_ONLY', settledAt: 6 }]);
    await store.deleteDraft(edit.id);
    expect(await store.loadDrafts()).toEqual([]);
    (await store.openDoc('catalog')).getMap('experiments').set('a', 1);
    await store.deleteDoc('catalog');
    expect(await store.docNames()).toEqual([]);
    expect((await store.openDoc('catalog')).getMap('experiments').size).toBe(0);
    await store.close();
  });

  it('hands a document to a second reader only once it is loaded, even while the first load runs', async () => {
    const first = new BrowserStore('test-concurrent');
    (await first.openDoc('idx-alice')).getMap('experiments').set('exp00000001', { name: 'Local copy' });
    await first.flush();
    await first.close();

    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const second = new BrowserStore('test-concurrent', { beforeLoad: () => gate });
    const opening = second.openDoc('idx-alice');
    const meanwhile = second.openDoc('idx-alice');
    let early = false;
    void meanwhile.then(() => (early = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(early).toBe(false);
    release();
    const [a, b] = await Promise.all([opening, meanwhile]);
    expect(b).toBe(a);
    expect(b.getMap('experiments').get('exp00000001')).toEqual({ name: 'Local copy' });
    await second.close();
  });
});
