import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { createHandler, type HandlerContext, type HandlerCore } from '../../extension/background/handler.ts';
import { RuleRefusal, type Draft } from '../../extension/core/contract.ts';
import { CoreError } from '../../extension/core/errors.ts';

const EXP = '0b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function draft(over: Partial<Draft> & Record<string, unknown> = {}): Draft {
  return {
    id: 'd0123456789ab', experimentId: EXP, description: 'share with bob', state: 'rejected', code: ErrorCode.NOT_CONNECTED,
    createdAt: 1, kind: 'intent', intent: { id: 'd0123456789ab', type: 'share', experimentId: EXP, user: 'bob', notify: true, message: 'the CD4 panel' }, ...over,
  } as Draft;
}

function fakeCore(over: Partial<HandlerCore> = {}): HandlerCore {
  const base = {
    account: { server: 'http://127.0.0.1:8787', username: 'alice', email: 'a@example.org', staff: false },
    status: () => 'online',
    list: vi.fn(async () => [{ id: EXP, name: 'Panel', owner: 'bob', access: 'full', public: false, curated: false, projectId: null, parentId: null, sharedWithOthers: true, isNew: true }]),
    drafts: vi.fn(async () => [draft()]),
    intent: vi.fn(async () => draft({ state: 'pending', id: 'd9999999999' })),
    dismiss: vi.fn(async () => {}),
    sync: vi.fn(async () => ({ settled: [], pending: [] })),
    sending: () => [],
    emit: vi.fn(),
  };
  return { ...base, ...over } as unknown as HandlerCore;
}

function context(core: HandlerCore | null, over: Partial<HandlerContext> = {}): HandlerContext {
  return { core: async () => core, mode: async () => 'premium', login: vi.fn(), notices: [], onNoticesChanged: () => {}, ...over };
}

describe('the worker message handler', () => {
  it('answers state with the Inbox count and the mode', async () => {
    const answer = await createHandler(context(fakeCore()))({ type: 'state' });
    expect(answer).toMatchObject({ ok: true, value: { inbox: 1, mode: 'premium', status: 'online' } });
  });

  it.each([
    [{ type: 'nope' }],
    [{ type: 'share', id: EXP }],
    [{ type: 'share', id: 'not an id', user: 'bob' }],
    [{ type: 'state', extra: true }],
    [null],
  ])('refuses a malformed request %j with BAD_REQUEST', async (request) => {
    expect(await createHandler(context(fakeCore()))(request)).toMatchObject({ ok: false, code: ErrorCode.BAD_REQUEST });
  });

  it('answers state when signed out, and NOT_SIGNED_IN to anything else', async () => {
    const handle = createHandler(context(null));
    expect(await handle({ type: 'state' })).toMatchObject({ ok: true, value: { account: null, status: 'signed-out' } });
    expect(await handle({ type: 'list', filter: 'all' })).toMatchObject({ ok: false, code: ErrorCode.NOT_SIGNED_IN });
  });

  it('passes a rule refusal on with its code', async () => {
    const core = fakeCore({ intent: vi.fn(async () => { throw new RuleRefusal(ErrorCode.NOT_CONNECTED, 'connect first'); }) });
    expect(await createHandler(context(core))({ type: 'share', id: EXP, user: 'bob' })).toEqual({ ok: false, code: ErrorCode.NOT_CONNECTED, message: 'connect first' });
  });

  it('never passes raw exception text on', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const core = fakeCore({ intent: vi.fn(async () => { throw new Error('secret token abc at /internal/path'); }) });
    const answer = await createHandler(context(core))({ type: 'share', id: EXP, user: 'bob' });
    expect(answer).toEqual({ ok: false, code: ErrorCode.INTERNAL, message: 'the request failed' });
    spy.mockRestore();
  });

  it('retries a rejected share as a new draft with the same mail and message, and forgets the old one', async () => {
    const core = fakeCore();
    const answer = await createHandler(context(core))({ type: 'retry', draftId: 'd0123456789ab' });
    expect(answer).toMatchObject({ ok: true, value: { id: 'd9999999999', state: 'pending' } });
    expect(core.intent).toHaveBeenCalledWith('share', { experimentId: EXP, user: 'bob', notify: true, message: 'the CD4 panel' });
    expect(core.dismiss).toHaveBeenCalledWith('d0123456789ab');
  });

  it('does not retry an edit', async () => {
    const core = fakeCore({ drafts: vi.fn(async () => [draft({ kind: 'edit', docName: `exp-${EXP}`, client: 1, clockStart: 0, clockEnd: 1 } as never)]) });
    expect(await createHandler(context(core))({ type: 'retry', draftId: 'd0123456789ab' })).toMatchObject({ ok: false, code: ErrorCode.BAD_REQUEST });
    expect(core.dismiss).not.toHaveBeenCalled();
  });

  it('fetches an experiment the list named before its document arrived, then asks once more', async () => {
    let known = false;
    const show = vi.fn(async () => {
      if (!known) throw new RuleRefusal(ErrorCode.UNKNOWN_EXPERIMENT, 'no such experiment here');
      return { id: EXP, family: [] } as never;
    });
    const fetchExperiment = vi.fn(async () => { known = true; });
    const answer = await createHandler(context(fakeCore({ show }), { fetchExperiment }))({ type: 'show', id: EXP });
    expect(answer).toMatchObject({ ok: true, value: { id: EXP } });
    expect(fetchExperiment).toHaveBeenCalledWith(EXP);
    expect(show).toHaveBeenCalledTimes(2);
  });

  it('completes an experiment\'s family from the index, whose documents live mode may not hold', async () => {
    const child = '1b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const row = (id: string, parentId: string | null) => ({ id, name: id, owner: 'alice', access: 'owner', public: false, curated: false, projectId: null, parentId, sharedWithOthers: false, isNew: false });
    const core = fakeCore({ show: vi.fn(async () => ({ id: EXP, parentId: null, family: [] }) as never), list: vi.fn(async () => [row(EXP, null), row(child, EXP)]) as never });
    expect(await createHandler(context(core))({ type: 'show', id: EXP })).toMatchObject({ ok: true, value: { family: [child] } });
  });

  it('uses the live sync for "Sync now" when there is one', async () => {
    const core = fakeCore();
    const syncNow = vi.fn(async () => {});
    expect(await createHandler(context(core, { syncNow }))({ type: 'sync' })).toEqual({ ok: true, value: null });
    expect(syncNow).toHaveBeenCalled();
    expect(core.sync).not.toHaveBeenCalled();
  });

  it('removes a dismissed notice', async () => {
    const notices = [{ id: EXP, name: 'Panel', code: ErrorCode.ACCESS_REVOKED }];
    const onNoticesChanged = vi.fn();
    await createHandler(context(fakeCore(), { notices, onNoticesChanged }))({ type: 'dismissNotice', id: EXP });
    expect(notices).toEqual([]);
    expect(onNoticesChanged).toHaveBeenCalled();
  });
  it('answers the address state for the popup’s code form, an older server’s address counting as proved', async () => {
    const unproved = fakeCore({ whoami: vi.fn(async () => ({ username: 'eve', email: '', staff: false, mode: 'premium' as const, emailVerified: false, pendingEmail: 'eve@lab.org' })) });
    expect(await createHandler(context(unproved))({ type: 'address' })).toEqual({ ok: true, value: { email: '', emailVerified: false, pendingEmail: 'eve@lab.org' } });
    const older = fakeCore({ whoami: vi.fn(async () => ({ username: 'alice', email: 'a@example.org', staff: false, mode: 'premium' as const })) });
    expect(await createHandler(context(older))({ type: 'address' })).toEqual({ ok: true, value: { email: 'a@example.org', emailVerified: true, pendingEmail: null } });
  });

  it('passes the typed code on, and a wrong code comes back as VERIFICATION_INVALID', async () => {
    const verifyEmail = vi.fn(async (code: string) => {
      if (code !== 'ABCDE-FGHJK') throw new CoreError('refused', ErrorCode.VERIFICATION_INVALID, 'that code is wrong, used or expired');
      return { email: 'eve@lab.org', emailVerified: true, pendingEmail: null };
    });
    const handle = createHandler(context(fakeCore({ verifyEmail })));
    expect(await handle({ type: 'verifyEmail', code: ' ABCDE-FGHJK ' })).toMatchObject({ ok: true, value: { emailVerified: true } });
    expect(verifyEmail).toHaveBeenCalledWith('ABCDE-FGHJK');
    expect(await handle({ type: 'verifyEmail', code: 'nope' })).toMatchObject({ ok: false, code: ErrorCode.VERIFICATION_INVALID });
  });
});
