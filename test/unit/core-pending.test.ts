import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { docName, tagKey, writeSharing } from '../../shared/doc-layout.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { CoreChange, Draft } from '../../extension/core/contract.ts';
import { CytoshareCore } from '../../extension/core/core.ts';
import { listedDraftsKey } from '../../extension/core/lists.ts';
import { MemoryStore } from '../../extension/core/memory-store.ts';
import { pushIntents } from '../../extension/core/sync-engine.ts';
import { Api } from '../../extension/core/api.ts';
import { pendingEntries } from '../../extension/ui/pending.ts';

/**
 * Pending-change bookkeeping: an offline edit names the fields it wrote, the list and the view
 * show them marked until the server decides, and the pages' pending list says of each change
 * whether it waits, is being sent, or was refused (with the reason in words).
 */
const SERVER = 'http://127.0.0.1:9';
const EXP = 'e0000000-0000-4000-8000-000000000001';

async function offlineCore() {
  const store = new MemoryStore();
  await store.saveSession({ server: SERVER, token: 'x'.repeat(40), username: 'alice', email: 'alice@x.org', staff: false, expiresAt: 0, mode: 'enterprise' });
  // As synced earlier: the experiment in the index and its document with one file.
  (await store.openDoc(docName.index('alice'))).getMap('experiments').set(EXP, {
    id: EXP, name: 'Tcells', owner: 'alice', access: 'owner', public: false, curated: false, projectId: null, parentId: null,
    sharedWithOthers: false, trashed: false, sharedAt: null, viewed: true,
  });
  const server = new Y.Doc();
  writeSharing(server, newSharing(EXP, 'alice'));
  server.getMap('meta').set('name', 'Tcells');
  server.getMap('files').set('f0001', { name: 'a.fcs', channels: [{ name: 'FSC-A', label: null }, { name: 'SSC-A', label: null }] });
  Y.applyUpdate(await store.openDoc(docName.experiment(EXP)), Y.encodeStateAsUpdate(server));
  const core = await CytoshareCore.open({ store, server: SERVER, fetch: async () => Promise.reject(new TypeError('fetch failed')) });
  return { store, core };
}

describe('pending changes, where they apply', () => {
  it('an offline rename shows in the list at once, marked, and the mark goes once the server accepted it', async () => {
    const { store, core } = await offlineCore();
    const draft = await core.rename(EXP, 'Tcells v2');
    expect(draft.kind === 'edit' && draft.fields).toEqual([{ root: 'meta', key: 'name' }]);
    expect(await core.list('all')).toMatchObject([{ id: EXP, name: 'Tcells v2', pendingName: true }]);
    expect(await core.list('all', 'v2')).toHaveLength(1);

    await store.putDraft({ ...draft, state: 'accepted', settledAt: 1 });
    const [row] = await core.list('all');
    expect(row?.pendingName).toBeUndefined();
  });

  it('the view names the fields waiting: the name, a tag cell, a gate; none once they are settled', async () => {
    const { store, core } = await offlineCore();
    expect((await core.show(EXP)).pendingFields).toBeUndefined();
    await core.rename(EXP, 'Tcells v2');
    await core.setTag(EXP, 'a.fcs', 'Donor', '7');
    const { id: gateId } = await core.addGate(EXP, { name: 'Lymphs', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 10, 10] });
    expect((await core.show(EXP)).pendingFields).toEqual({ name: true, purpose: false, tags: [{ file: 'a.fcs', dimension: 'Donor' }], gates: [gateId] });
    const tag = (await core.drafts()).find((d) => d.kind === 'edit' && d.fields?.[0]?.key === tagKey('a.fcs', 'Donor'));
    expect(tag).toBeDefined();

    for (const d of await core.drafts()) await store.putDraft({ ...d, state: 'accepted', settledAt: 1 });
    expect((await core.show(EXP)).pendingFields).toBeUndefined();
  });

  it('the list cache key changes with an offline creation or rename, not with a tag edit', async () => {
    const { core } = await offlineCore();
    const key = async () => listedDraftsKey(await core.drafts());
    const empty = await key();
    await core.setTag(EXP, 'a.fcs', 'Donor', '7');
    expect(await key()).toBe(empty);
    await core.rename(EXP, 'Tcells v2');
    const renamed = await key();
    expect(renamed).not.toBe(empty);
    await core.create('Made offline');
    expect(await key()).not.toBe(renamed);
  });
});

describe('which changes are being sent', () => {
  it('pushIntents names the intent in flight, then nothing once answered', async () => {
    const { store, core } = await offlineCore();
    const draft = await core.publish(EXP);
    const seen: Array<string | null> = [];
    let duringSend: string[] = [];
    const api = new Api(SERVER, 'x'.repeat(40), async () => {
      duringSend = core.sending();
      return new Response(JSON.stringify({ ok: true, draftId: draft.id, affected: [EXP], skipped: [], resent: false }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    await pushIntents(store, api, { onSettled: () => {}, onRemoved: () => {}, onSending: (id) => { seen.push(id); core.setSending(id ? [id] : []); } }, () => 5);
    expect(seen).toEqual([draft.id, null]);
    expect(duringSend).toEqual([draft.id]);
    expect(core.sending()).toEqual([]);
  });

  it('setSending tells the pages only when the set changes', async () => {
    const { core } = await offlineCore();
    const changes: CoreChange[] = [];
    core.subscribe((c) => changes.push(c));
    core.setSending(['d1', 'd2']);
    core.setSending(['d2', 'd1']);
    core.setSending([]);
    expect(changes.filter((c) => c.type === 'sending')).toHaveLength(2);
  });
});

describe('the pending list', () => {
  const base = { kind: 'intent', experimentId: EXP, createdAt: 1 } as const;
  const drafts: Draft[] = [
    { ...base, id: 'd1', description: 'share with bob', state: 'pending', intent: { id: 'd1', type: 'share', experimentId: EXP, user: 'bob' } },
    { ...base, id: 'd2', description: 'make public', state: 'pending', intent: { id: 'd2', type: 'publish', experimentId: EXP } },
    { ...base, id: 'd3', description: 'move to trash', state: 'rejected', code: 'OWNER_ONLY', intent: { id: 'd3', type: 'trash', experimentId: EXP } },
    { ...base, id: 'd4', description: 'make private', state: 'accepted', intent: { id: 'd4', type: 'unpublish', experimentId: EXP } },
  ];

  it('says of each change what it is and whether it waits, is being sent or was refused, with the reason in words', () => {
    const entries = pendingEntries({
      drafts, sending: ['d2'],
      uploads: [
        { id: 'u1', experimentId: EXP, name: 'a.fcs', size: 10, createdAt: 2, state: 'waiting' },
        { id: 'u2', experimentId: EXP, name: 'b.fcs', size: 10, createdAt: 3, state: 'refused', code: 'INVALID_FILE', words: 'The file is not a readable FCS file.' },
      ],
    });
    expect(entries.map((e) => [e.what, e.state, e.reason ?? null])).toEqual([
      ['share with bob', 'waiting', null],
      ['make public', 'sending', null],
      ['move to trash', 'refused', 'Only the owner can do this.'],
      ['upload a.fcs', 'waiting', null],
      ['upload b.fcs', 'refused', 'The file is not a readable FCS file.'],
    ]);
  });
});
