import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, world, type Run, type World } from './cli-helpers.ts';

/**
 * `cytoshare transfer …` through the real binary and server (issue 14 item 6): JSON, words and exit
 * codes. Each command is a process of its own (a second or two each here), hence the longer bounds.
 */
const codeOf = (run: Run): string | undefined => run.json?.error?.code ?? run.json?.code;

describe('cytoshare CLI: transfers of ownership', () => {
  let w: World;
  beforeAll(async () => {
    w = await world(['alice', 'bob', 'sam']);
    for (const user of ['alice', 'bob', 'sam']) expect((await w.login(user)).code).toBe(0);
  }, 60_000);
  afterAll(async () => cleanup(w));

  it('offers, shows the offer to both sides, accepts; the receiver then owns it and the giver keeps full access', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'Gift'])).json.id as string;
    const offered = await w.as('alice', ['transfer', exp, 'bob']);
    expect(offered.code).toBe(0);
    expect(offered.json).toMatchObject({ transfer: { experimentId: exp, giver: 'alice', receiver: 'bob', status: 'pending' }, staying: [] });
    const id = offered.json.transfer.id as string;

    const shown = await w.as('alice', ['exp', 'show', exp]);
    expect(shown.json.transfer).toMatchObject({ id, receiver: 'bob' });
    expect((await w.as('bob', ['transfers'])).json).toMatchObject({ incoming: [{ id, giver: 'alice', experiments: [{ id: exp, name: 'Gift' }] }], outgoing: [] });
    // Not bob's to see yet.
    expect((await w.as('bob', ['exp', 'list'])).json.map((e: { id: string }) => e.id)).not.toContain(exp);
    expect((await w.as('bob', ['exp', 'show', exp])).code).toBe(3);

    const again = await w.as('alice', ['transfer', exp, 'sam']);
    expect([again.code, codeOf(again)]).toEqual([3, 'TRANSFER_PENDING']);
    const wrong = await w.as('alice', ['accept-transfer', id]);
    expect([wrong.code, codeOf(wrong)]).toEqual([3, 'NOT_THE_RECEIVER']);
    const stranger = await w.as('sam', ['decline-transfer', id]);
    expect([stranger.code, codeOf(stranger)]).toEqual([3, 'UNKNOWN_TRANSFER']);

    // The contract's form: the experiment's id names the offer waiting for bob.
    const accepted = await w.as('bob', ['accept-transfer', exp]);
    expect(accepted.code).toBe(0);
    expect(accepted.json).toMatchObject({ id, status: 'accepted' });
    const after = await w.as('bob', ['exp', 'show', exp]);
    expect(after.json.owner).toBe('bob');
    expect(after.json.access).toEqual(expect.arrayContaining([{ user: 'bob', via: 'owner' }, expect.objectContaining({ user: 'alice', via: 'direct' })]));
    expect((await w.as('alice', ['exp', 'show', exp])).json.transfer).toBeUndefined();
    expect((await w.as('bob', ['transfers'])).json).toEqual({ incoming: [], outgoing: [] });
  }, 120_000);

  it('the same transfer run twice answers the waiting offer; after a delete, answering it says the experiment is gone', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'Twice'])).json.id as string;
    const first = await w.as('alice', ['transfer', exp, 'bob', '--family']);
    const second = await w.as('alice', ['transfer', exp, 'bob', '--family']);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.json).toEqual(first.json);
    const other = await w.as('alice', ['transfer', exp, 'sam']);
    expect([other.code, codeOf(other)]).toEqual([3, 'TRANSFER_PENDING']);
    const id = first.json.transfer.id as string;
    expect((await w.as('bob', ['transfers'])).json.incoming.map((t: { id: string }) => t.id)).toContain(id);

    expect((await w.as('alice', ['trash', exp])).code).toBe(0);
    expect((await w.as('alice', ['delete', exp])).code).toBe(0);
    expect((await w.as('bob', ['transfers'])).json.incoming.map((t: { id: string }) => t.id)).not.toContain(id);
    const gone = await w.as('bob', ['accept-transfer', id]);
    expect([gone.code, codeOf(gone)]).toEqual([3, 'UNKNOWN_EXPERIMENT']);
  }, 120_000);

  it('cancel and decline; usage errors exit 2', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'Kept'])).json.id as string;
    const first = (await w.as('alice', ['transfer', exp, 'bob', '--leave', '--family'])).json.transfer;
    expect(first).toMatchObject({ leave: true, family: true });
    expect((await w.as('alice', ['cancel-transfer', first.id])).json.status).toBe('cancelled');
    const second = (await w.as('alice', ['transfer', exp, 'bob'])).json.transfer;
    expect((await w.as('bob', ['decline-transfer', exp])).json).toMatchObject({ id: second.id, status: 'declined' });
    const none = await w.as('bob', ['decline-transfer', exp]);
    expect([none.code, codeOf(none)]).toEqual([3, 'UNKNOWN_TRANSFER']);
    expect((await w.as('alice', ['exp', 'show', exp])).json.owner).toBe('alice');
    expect((await w.as('alice', ['transfer', exp])).code).toBe(2);
    expect((await w.as('alice', ['accept-transfer', 'nope'])).code).toBe(2);
    expect((await w.as('alice', ['transfer', exp, 'bob', '--role', 'full'])).code).toBe(2);
  }, 120_000);
});
