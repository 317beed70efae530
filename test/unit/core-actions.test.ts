import * as Y from 'yjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { docName, tagKey, writeSharing } from '../../shared/doc-layout.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import { DraftId } from '../../shared/schemas/entities.ts';
import { RuleRefusal, type EditDraft, type IntentDraft } from '../../extension/core/contract.ts';
import { CytoshareCore } from '../../extension/core/core.ts';
import { MemoryStore } from '../../extension/core/memory-store.ts';

const SERVER = 'http://127.0.0.1:9';
const EXP = 'e0000000-0000-4000-8000-000000000001';

async function coreFor(username: string, store = new MemoryStore()) {
  await store.saveSession({ server: SERVER, token: 'x'.repeat(40), username, email: `${username}@x.org`, staff: false, expiresAt: 0, mode: 'premium' });
  return { store, core: await CytoshareCore.open({ store, server: SERVER }) };
}

/** Puts the server-written sharing state of EXP into the store, as a sync would. */
async function seed(store: MemoryStore, change: (s: ReturnType<typeof newSharing>) => void = () => {}) {
  const server = new Y.Doc();
  const state = newSharing(EXP, 'alice');
  change(state);
  writeSharing(server, state);
  server.getMap('meta').set('name', 'Tcells');
  // One uploaded file, as the server records it: tags and gates refer to it.
  server.getMap('files').set('f0001', { name: 'a.fcs', channels: [{ name: 'FSC-A', label: null }, { name: 'SSC-A', label: null }] });
  Y.applyUpdate(await store.openDoc(docName.experiment(EXP)), Y.encodeStateAsUpdate(server));
}

describe('actions run the shared rules first', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });

  it('a refused edit throws RuleRefusal, records no draft and leaves the document alone', async () => {
    await seed(store, (s) => (s.public = true));
    const { core } = await coreFor('bob', store);
    const doc = await store.openDoc(docName.experiment(EXP));
    const before = Y.encodeStateVector(doc);
    const error = await core.rename(EXP, 'mine now').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleRefusal);
    expect((error as RuleRefusal).code).toBe('READ_ONLY');
    expect(await core.drafts()).toEqual([]);
    expect(Y.encodeStateVector(doc)).toEqual(before);
  });

  it('a refused intent records no draft', async () => {
    await seed(store);
    const { core } = await coreFor('bob', store);
    await expect(core.share(EXP, 'carol')).rejects.toMatchObject({ code: 'NOT_A_READER' });
    await expect(core.publish('e0000000-0000-4000-8000-00000000dead')).rejects.toMatchObject({ code: 'UNKNOWN_EXPERIMENT' });
    const { core: owner } = await coreFor('alice', store);
    await expect(owner.share(EXP, 'alice')).rejects.toMatchObject({ code: 'CANNOT_SHARE_WITH_OWNER' });
    expect(await core.drafts()).toEqual([]);
  });

  it('allowed intents become pending drafts with valid ids, in creation order', async () => {
    await seed(store);
    const { core } = await coreFor('alice', store);
    const share = (await core.share(EXP, 'bob')) as IntentDraft;
    const made = await core.create('New one');
    expect(DraftId.safeParse(share.id).success).toBe(true);
    expect(share.intent).toEqual({ id: share.id, type: 'share', experimentId: EXP, user: 'bob' });
    expect(made.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await core.drafts()).map((d) => d.id)).toEqual([share.id, made.draft.id]);
    expect((await core.drafts()).every((d) => d.state === 'pending')).toBe(true);
  });

  it('an experiment created offline can be edited and shown before the server decides', async () => {
    const { core } = await coreFor('alice', store);
    const { id } = await core.create('Offline exp');
    await core.rename(id, 'Offline experiment');
    // It has no files yet, so there is nothing to tag.
    await expect(core.setTag(id, 'a.fcs', 'Donor', '7')).rejects.toMatchObject({ code: 'UNKNOWN_FILE' });
    const view = await core.show(id);
    expect(view.name).toBe('Offline experiment');
    expect(view.tags).toEqual([]);
    expect(view.access).toEqual([{ user: 'alice', via: 'owner' }]);
  });

  it('edit drafts carry the clock range of their own transaction', async () => {
    await seed(store);
    const { core } = await coreFor('alice', store);
    const doc = await store.openDoc(docName.experiment(EXP));
    const rename = (await core.rename(EXP, 'Renamed')) as EditDraft;
    const tag = (await core.setTag(EXP, 'a.fcs', 'Donor', '7')) as EditDraft;
    const gate = await core.addGate(EXP, { name: 'Lymphocytes', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 10, 10] });
    const removal = (await core.removeGate(EXP, gate.id)) as EditDraft;
    const drafts = [rename, tag, gate.draft as EditDraft, removal];
    expect(drafts.every((d) => d.client === doc.clientID && d.docName === `exp-${EXP}`)).toBe(true);
    expect(rename.clockStart).toBe(0);
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as EditDraft;
      expect(d.clockEnd).toBeGreaterThan(d.clockStart);
      if (i > 0) expect(d.clockStart).toBe((drafts[i - 1] as EditDraft).clockEnd);
    }
    expect(removal.clockEnd).toBe(Y.getState(doc.store, doc.clientID));
    expect(doc.getMap('tags').get(tagKey('a.fcs', 'Donor'))).toBe('7');
    expect(doc.getMap('gates').get(gate.id)).toBeNull();
    expect(doc.getMap('meta').get('name')).toBe('Renamed');
  });

  it('a second process gets its own client id and range', async () => {
    await seed(store);
    const { core } = await coreFor('alice', store);
    const first = (await core.rename(EXP, 'One')) as EditDraft;
    // A restart: the store keeps the encoded state, a new Y.Doc loads it.
    const reopened = new MemoryStore();
    Y.applyUpdate(await reopened.openDoc(docName.experiment(EXP)), Y.encodeStateAsUpdate(await store.openDoc(docName.experiment(EXP))));
    const { core: later } = await coreFor('alice', reopened);
    const second = (await later.rename(EXP, 'Two')) as EditDraft;
    expect(second.client).not.toBe(first.client);
    expect(second.clockStart).toBe(0);
  });
});

describe('an experiment listed but never fetched to this device', () => {
  it('is refused as not fetched, not as unknown, and records nothing', async () => {
    const store = new MemoryStore();
    const entry = {
      id: EXP, name: 'Tcells', owner: 'alice', access: 'full', public: false, curated: false, projectId: null, parentId: null,
      sharedWithOthers: true, trashed: false, sharedAt: 1, viewed: false,
    };
    (await store.openDoc(docName.index('bob'))).getMap('experiments').set(EXP, entry);
    const { core } = await coreFor('bob', store);
    expect((await core.list('all')).map((r) => r.id)).toEqual([EXP]);
    await expect(core.show(EXP)).rejects.toMatchObject({ code: 'NOT_FETCHED' });
    await expect(core.setTag(EXP, 's1.fcs', 'Donor', 'D1')).rejects.toMatchObject({ code: 'NOT_FETCHED' });
    await expect(core.share(EXP, 'carol')).rejects.toMatchObject({ code: 'NOT_FETCHED' });
    await expect(core.show('e0000000-0000-4000-8000-00000000dead')).rejects.toMatchObject({ code: 'UNKNOWN_EXPERIMENT' });
    expect(await core.drafts()).toEqual([]);
  });
});
