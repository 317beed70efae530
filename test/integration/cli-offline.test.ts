import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile, cleanup, world, type World } from './cli-helpers.ts';

describe('cytoshare CLI offline drafts', () => {
  let w: World;
  let expId: string;
  beforeAll(async () => {
    w = await world(['alice', 'bob']);
    for (const user of ['alice', 'bob']) expect((await w.login(user)).code).toBe(0);
    const created = await w.as('alice', ['exp', 'create', 'Offline study']);
    expect(created.code).toBe(0);
    expId = created.json.id;
    await addFile(w, 'alice', expId, 'a.fcs');
  });
  afterAll(async () => cleanup(w));

  it('an offline share is recorded as pending (exit 0), then `sync` gets it accepted', async () => {
    const offline = await w.as('alice', ['share', expId, 'bob', '--offline']);
    expect(offline.code).toBe(0);
    expect(offline.json).toMatchObject({ kind: 'intent', state: 'pending', intent: { type: 'share', user: 'bob' } });
    const drafts = await w.as('alice', ['drafts']);
    expect(drafts.json.find((d: { id: string }) => d.id === offline.json.id).state).toBe('pending');

    const sync = await w.as('alice', ['sync']);
    expect(sync.code).toBe(0);
    expect(sync.json.settled).toEqual([expect.objectContaining({ id: offline.json.id, state: 'accepted' })]);
    expect(sync.json.pending).toEqual([]);
    const list = await w.as('bob', ['exp', 'list', '--filter', 'shared']);
    expect(list.json.map((r: { id: string }) => r.id)).toEqual([expId]);
  });

  it('an offline edit of an experiment only listed so far says to open it online first, and records nothing', async () => {
    // Bob's list (synced above) names the experiment; its document has not reached his profile.
    const edit = await w.as('bob', ['tag', expId, 's1.fcs', 'Donor', 'D1', '--offline']);
    expect(edit.code).toBe(3);
    expect(edit.stderr).toMatch(/^error NOT_FETCHED: .*open it once while online/m);
    expect((await w.as('bob', ['drafts'])).json).toEqual([]);
  });

  it('an offline edit by bob is rejected once alice removed him meanwhile, and the copy goes away', async () => {
    // Bob has a replica (from the list/show above); he edits it on the train.
    expect((await w.as('bob', ['exp', 'show', expId])).code).toBe(0);
    const edit = await w.as('bob', ['exp', 'rename', expId, 'Renamed on the train', '--offline']);
    expect(edit.code).toBe(0);
    expect(edit.json).toMatchObject({ kind: 'edit', state: 'pending' });

    expect((await w.as('alice', ['unshare', expId, 'bob'])).code).toBe(0);

    const sync = await w.as('bob', ['sync']);
    expect(sync.code).toBe(3);
    const settled = sync.json.settled.find((d: { id: string }) => d.id === edit.json.id);
    expect(settled.state).toBe('rejected');
    expect(['ACCESS_REVOKED', 'NOT_A_READER']).toContain(settled.code);
    expect(sync.stderr).toMatch(/^error (ACCESS_REVOKED|NOT_A_READER): /m);

    expect((await w.as('bob', ['exp', 'list'])).json).toEqual([]);
    expect((await w.as('bob', ['exp', 'list', '--offline'])).json).toEqual([]);
    expect((await w.as('bob', ['exp', 'show', expId, '--offline'])).code).toBe(3);
    // The server never took bob's name change.
    expect((await w.as('alice', ['exp', 'show', expId])).json.name).toBe('Offline study');
  });

  it('with the server stopped, an action keeps its draft pending and exits 5; sync later delivers it', async () => {
    const beforeStop = await w.as('alice', ['exp', 'show', expId]);
    expect(beforeStop.code).toBe(0);
    await w.stop();

    const tag = await w.as('alice', ['tag', expId, 'a.fcs', 'Stim', 'CD3']);
    expect(tag.code).toBe(5);
    expect(tag.json).toMatchObject({ kind: 'edit', state: 'pending' });
    expect(tag.stderr).toMatch(/SERVER_UNREACHABLE/);
    const list = await w.as('alice', ['exp', 'list']);
    expect(list.code).toBe(5);
    expect(list.json.error.code).toBe('SERVER_UNREACHABLE');
    const sync = await w.as('alice', ['sync']);
    expect(sync.code).toBe(5);
    expect(sync.json.pending.map((d: { id: string }) => d.id)).toContain(tag.json.id);
    // Offline reads still work from the stored replicas.
    const show = await w.as('alice', ['exp', 'show', expId, '--offline']);
    expect(show.code).toBe(0);
    expect(show.json.tags).toEqual([{ file: 'a.fcs', dimension: 'Stim', value: 'CD3' }]);

    await w.restart();
    const later = await w.as('alice', ['sync']);
    expect(later.code).toBe(0);
    expect(later.json.settled).toEqual([expect.objectContaining({ id: tag.json.id, state: 'accepted' })]);
    expect((await w.as('alice', ['exp', 'show', expId])).json.tags).toEqual([{ file: 'a.fcs', dimension: 'Stim', value: 'CD3' }]);
  });
});
