/**
 * The connection rules (README, "Connections and mail"): `planConnectionIntent` for connect, accept,
 * reject and disconnect, with exact codes, paths and the order of checks; and the connection
 * check that `planIntent` makes before a share on a premium server.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { planConnectionIntent, type ConnectionContext } from '../../shared/rules/connections.ts';
import { newSharing, planIntent, type IntentContext } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import { ServerMode, type Actor, type SharingState } from '../../shared/schemas/entities.ts';
import { Intent, IntentType, type ConnectionIntent, type ExperimentIntent } from '../../shared/schemas/intents.ts';

const AT = 1_700_000_000_000;
const ann: Actor = { username: 'ann', staff: false };

/** Accounts the server knows, by email (lower case). */
const accounts: Record<string, string> = {
  'ann@lab.example': 'ann',
  'ben@lab.example': 'ben',
  'cat@lab.example': 'cat',
  'dan@lab.example': 'dan',
  'eve@lab.example': 'eve',
  // A second address that resolves to Ann's own account (e.g. an alias the server knows).
  'ann.alias@lab.example': 'ann',
};

type Setup = {
  mode?: ServerMode;
  actorEmail?: string;
  connected?: string[];
  outgoing?: string[];
  incoming?: string[];
  shared?: Record<string, number>;
  /** false: the caller cannot resolve emails (no `userByEmail`). */
  resolves?: boolean;
};

function ctxOf(s: Setup = {}): ConnectionContext {
  const ctx: ConnectionContext = {
    mode: s.mode ?? ServerMode.premium,
    actorEmail: s.actorEmail ?? 'ann@lab.example',
    connected: new Set(s.connected ?? []),
    outgoing: new Set(s.outgoing ?? []),
    incoming: new Set(s.incoming ?? []),
    sharedWith: (user) => s.shared?.[user] ?? 0,
  };
  if (s.resolves !== false) ctx.userByEmail = (email) => accounts[email] ?? null;
  return ctx;
}

const connect = (email: string): ConnectionIntent => ({ id: 'draft-conn01', type: IntentType.connect, email });
const accept = (user: string): ConnectionIntent => ({ id: 'draft-conn02', type: IntentType.accept, user });
const reject = (user: string): ConnectionIntent => ({ id: 'draft-conn03', type: IntentType.reject, user });
const disconnect = (user: string): ConnectionIntent => ({ id: 'draft-conn04', type: IntentType.disconnect, user });

function outcome(v: Verdict): { ok: true } | { code: string; path?: string[] } {
  if (v.ok) return { ok: true };
  return v.path === undefined ? { code: v.code } : { code: v.code, path: v.path };
}
const plan = (intent: ConnectionIntent, setup: Setup = {}, actor: Actor = ann) => outcome(planConnectionIntent(intent, actor, ctxOf(setup)));

const OK = { ok: true } as const;
const onEmail = (code: ErrorCode) => ({ code, path: ['email'] });
const onUser = (code: ErrorCode) => ({ code, path: ['user'] });

describe('planConnectionIntent: enterprise servers have no connections', () => {
  // Every intent is refused, whatever the state of the pair (even states that premium would allow).
  const everything: Setup = { mode: ServerMode.enterprise, connected: ['ben'], incoming: ['cat'], outgoing: ['dan'] };
  it.each<[string, ConnectionIntent]>([
    ['connect to a stranger', connect('eve@lab.example')],
    ['connect to oneself', connect('ann@lab.example')],
    ['connect to a connection', connect('ben@lab.example')],
    ['accept a waiting request', accept('cat')],
    ['accept without a request', accept('eve')],
    ['reject a waiting request', reject('cat')],
    ['reject without a request', reject('eve')],
    ['disconnect a connection', disconnect('ben')],
    ['disconnect a stranger', disconnect('eve')],
  ])('%s → CONNECTIONS_DISABLED', (_label, intent) => {
    const verdict = planConnectionIntent(intent, ann, ctxOf(everything));
    expect(verdict.ok).toBe(false);
    expect(verdict).toMatchObject({ code: ErrorCode.CONNECTIONS_DISABLED });
    // The refusal is about the server, not a field.
    expect(verdict.ok ? undefined : verdict.path).toBeUndefined();
  });

  it('covers all four connection intent types', () => {
    const types = [connect('x@lab.example'), accept('cat'), reject('cat'), disconnect('ben')].map((i) => i.type);
    expect(new Set(types)).toEqual(new Set([IntentType.connect, IntentType.accept, IntentType.reject, IntentType.disconnect]));
  });
});

describe('planConnectionIntent: connect', () => {
  it.each<[string, ConnectionIntent, Setup, ReturnType<typeof plan>]>([
    // Allowed
    ['a stranger with an account', connect('eve@lab.example'), {}, OK],
    ['an address with no account yet', connect('newcomer@elsewhere.example'), {}, OK],
    ['someone who asked me first (asking back answers)', connect('cat@lab.example'), { incoming: ['cat'] }, OK],
    ['someone I was connected with, after a disconnect', connect('ben@lab.example'), { connected: [] }, OK],
    ['a pending request to someone else does not block', connect('eve@lab.example'), { outgoing: ['ben@lab.example', 'ben'] }, OK],
    ['a client that cannot resolve emails', connect('ben@lab.example'), { resolves: false, connected: ['ben'] }, OK],
    // Self
    ['my own email', connect('ann@lab.example'), {}, onEmail(ErrorCode.CANNOT_CONNECT_TO_SELF)],
    ['my own email in upper case', connect('ANN@LAB.EXAMPLE'), {}, onEmail(ErrorCode.CANNOT_CONNECT_TO_SELF)],
    ['my own email in mixed case', connect('Ann@Lab.Example'), {}, onEmail(ErrorCode.CANNOT_CONNECT_TO_SELF)],
    ['my own email when my stored email has upper case', connect('ann@lab.example'), { actorEmail: 'Ann@LAB.example' }, onEmail(ErrorCode.CANNOT_CONNECT_TO_SELF)],
    ['an address that resolves to my own username', connect('ann.alias@lab.example'), {}, onEmail(ErrorCode.CANNOT_CONNECT_TO_SELF)],
    ['my own email without a resolver', connect('ann@lab.example'), { resolves: false }, onEmail(ErrorCode.CANNOT_CONNECT_TO_SELF)],
    // Already connected
    ['a connection', connect('ben@lab.example'), { connected: ['ben'] }, onEmail(ErrorCode.ALREADY_CONNECTED)],
    ['a connection by upper-case email', connect('BEN@lab.example'), { connected: ['ben'] }, onEmail(ErrorCode.ALREADY_CONNECTED)],
    // Pending
    ['an email I already asked', connect('ben@lab.example'), { outgoing: ['ben@lab.example'] }, onEmail(ErrorCode.REQUEST_PENDING)],
    ['an email I already asked, typed in upper case', connect('BEN@LAB.EXAMPLE'), { outgoing: ['ben@lab.example'] }, onEmail(ErrorCode.REQUEST_PENDING)],
    ['a user I already asked (request known by username)', connect('ben@lab.example'), { outgoing: ['ben'] }, onEmail(ErrorCode.REQUEST_PENDING)],
    ['an address with no account I already asked', connect('newcomer@elsewhere.example'), { outgoing: ['newcomer@elsewhere.example'] }, onEmail(ErrorCode.REQUEST_PENDING)],
  ])('%s', (_label, intent, setup, expected) => {
    expect(plan(intent, setup)).toEqual(expected);
  });

  describe('order of checks', () => {
    it.each<[string, ConnectionIntent, Setup, ReturnType<typeof plan>]>([
      ['enterprise before self', connect('ann@lab.example'), { mode: ServerMode.enterprise }, { code: ErrorCode.CONNECTIONS_DISABLED }],
      // Inconsistent states, to show which check wins.
      ['self before already connected', connect('ann.alias@lab.example'), { connected: ['ann'] }, onEmail(ErrorCode.CANNOT_CONNECT_TO_SELF)],
      ['self before pending', connect('ann@lab.example'), { outgoing: ['ann@lab.example', 'ann'] }, onEmail(ErrorCode.CANNOT_CONNECT_TO_SELF)],
      ['already connected before pending', connect('ben@lab.example'), { connected: ['ben'], outgoing: ['ben@lab.example', 'ben'] }, onEmail(ErrorCode.ALREADY_CONNECTED)],
      ['pending outgoing wins over a waiting incoming', connect('cat@lab.example'), { outgoing: ['cat@lab.example'], incoming: ['cat'] }, onEmail(ErrorCode.REQUEST_PENDING)],
    ])('%s', (_label, intent, setup, expected) => {
      expect(plan(intent, setup)).toEqual(expected);
    });
  });

  it('resolves the address in lower case', () => {
    const asked: string[] = [];
    const ctx = { ...ctxOf(), userByEmail: (email: string) => (asked.push(email), accounts[email] ?? null) };
    planConnectionIntent(connect('Ben@Lab.Example'), ann, ctx);
    expect(asked).toEqual(['ben@lab.example']);
  });

  it('the schema lowers the case of the address before the rules see it', () => {
    const parsed = Intent.parse({ id: 'draft-conn09', type: 'connect', email: 'BEN@Lab.Example' });
    expect(parsed).toEqual({ id: 'draft-conn09', type: 'connect', email: 'ben@lab.example' });
  });
});

describe('planConnectionIntent: accept and reject', () => {
  it.each<[string, ConnectionIntent, Setup, ReturnType<typeof plan>]>([
    ['accept a waiting request', accept('cat'), { incoming: ['cat'] }, OK],
    ['reject a waiting request', reject('cat'), { incoming: ['cat'] }, OK],
    ['accept one of several', accept('dan'), { incoming: ['cat', 'dan'] }, OK],
    ['accept with nothing waiting', accept('cat'), {}, onUser(ErrorCode.NO_PENDING_REQUEST)],
    ['reject with nothing waiting', reject('cat'), {}, onUser(ErrorCode.NO_PENDING_REQUEST)],
    ['accept from someone else than who asked', accept('eve'), { incoming: ['cat'] }, onUser(ErrorCode.NO_PENDING_REQUEST)],
    ['accept my own outgoing request', accept('ben'), { outgoing: ['ben@lab.example', 'ben'] }, onUser(ErrorCode.NO_PENDING_REQUEST)],
    ['reject my own outgoing request', reject('ben'), { outgoing: ['ben@lab.example', 'ben'] }, onUser(ErrorCode.NO_PENDING_REQUEST)],
    ['accept someone I am connected with but who has not asked', accept('ben'), { connected: ['ben'] }, onUser(ErrorCode.NO_PENDING_REQUEST)],
    ['accept myself', accept('ann'), {}, onUser(ErrorCode.NO_PENDING_REQUEST)],
  ])('%s', (_label, intent, setup, expected) => {
    expect(plan(intent, setup)).toEqual(expected);
  });
});

describe('planConnectionIntent: disconnect', () => {
  it.each<[string, ConnectionIntent, Setup, ReturnType<typeof plan>]>([
    ['a connection sharing nothing', disconnect('ben'), { connected: ['ben'] }, OK],
    ['a connection while sharing with someone else', disconnect('ben'), { connected: ['ben', 'cat'], shared: { cat: 3 } }, OK],
    ['not connected', disconnect('eve'), {}, onUser(ErrorCode.NOT_CONNECTED)],
    ['only a pending outgoing request', disconnect('ben'), { outgoing: ['ben@lab.example', 'ben'] }, onUser(ErrorCode.NOT_CONNECTED)],
    ['only a pending incoming request', disconnect('cat'), { incoming: ['cat'] }, onUser(ErrorCode.NOT_CONNECTED)],
    ['sharing one experiment', disconnect('ben'), { connected: ['ben'], shared: { ben: 1 } }, onUser(ErrorCode.CONNECTION_IN_USE)],
    ['sharing many experiments', disconnect('ben'), { connected: ['ben'], shared: { ben: 12 } }, onUser(ErrorCode.CONNECTION_IN_USE)],
    // Order: NOT_CONNECTED before CONNECTION_IN_USE (a count without a connection is not "in use").
    ['not connected although the count says shared', disconnect('eve'), { shared: { eve: 2 } }, onUser(ErrorCode.NOT_CONNECTED)],
  ])('%s', (_label, intent, setup, expected) => {
    expect(plan(intent, setup)).toEqual(expected);
  });

  it('asks the shared count only for a connected user', () => {
    const asked: string[] = [];
    const ctx: ConnectionContext = { ...ctxOf({ connected: ['ben'] }), sharedWith: (u) => (asked.push(u), 0) };
    expect(planConnectionIntent(disconnect('eve'), ann, ctx)).toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    expect(asked).toEqual([]);
    expect(planConnectionIntent(disconnect('ben'), ann, ctx)).toEqual({ ok: true });
    expect(asked).toEqual(['ben']);
  });
});

describe('planConnectionIntent is pure', () => {
  it('gives the same verdict twice and does not touch the context', () => {
    const setup: Setup = { connected: ['ben'], outgoing: ['dan@lab.example', 'dan'], incoming: ['cat'], shared: { ben: 1 } };
    const ctx = ctxOf(setup);
    for (const intent of [connect('dan@lab.example'), accept('cat'), disconnect('ben'), connect('eve@lab.example')]) {
      expect(planConnectionIntent(intent, ann, ctx)).toEqual(planConnectionIntent(intent, ann, ctx));
    }
    expect([...ctx.connected]).toEqual(['ben']);
    expect([...ctx.outgoing]).toEqual(['dan@lab.example', 'dan']);
    expect([...ctx.incoming]).toEqual(['cat']);
  });
});

// ---------------------------------------------------------------------------------------------
// planIntent: the connection check before a share.

function exp(id: string, owner: string, grants: string[] = []): SharingState {
  const state = newSharing(id, owner);
  for (const user of grants) state.grants[user] = { by: owner, at: AT };
  return state;
}
const share = (experimentId: string, user: string): ExperimentIntent => ({ id: 'draft-share1', type: IntentType.share, experimentId, user });
const unshare = (experimentId: string, user: string): ExperimentIntent => ({ id: 'draft-share2', type: IntentType.unshare, experimentId, user });

/** Pairs that are connected, in either order. */
function connections(...pairs: Array<[string, string]>): (a: string, b: string) => boolean {
  return (a, b) => pairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}
const knownUsers = new Set(['ann', 'ben', 'cat', 'dan', 'eve']);
const resolveUser = (ref: string) => accounts[ref.toLowerCase()] ?? (knownUsers.has(ref) ? ref : null);

// Ann owns exp-share001; Ben already has access. exp-child001 is linked under it.
const experiments = [exp('exp-share001', 'ann', ['ben']), { ...exp('exp-child001', 'ann'), parentId: 'exp-share001' }];

function shareCtx(opts: { mode?: ServerMode; isConnected?: IntentContext['isConnected']; resolve?: boolean }): IntentContext {
  const ctx: IntentContext = { experiments: new Map(experiments.map((e) => [e.id, e])), mode: opts.mode ?? ServerMode.premium };
  if (opts.resolve !== false) ctx.resolveUser = resolveUser;
  if (opts.isConnected) ctx.isConnected = opts.isConnected;
  return ctx;
}

describe('planIntent share: the connection check', () => {
  const none = connections();
  const annCat = connections(['ann', 'cat']);
  const benCat = connections(['ben', 'cat']);

  it.each<[string, ExperimentIntent, string, Partial<Parameters<typeof shareCtx>[0]>, ReturnType<typeof plan>]>([
    ['premium, connected', share('exp-share001', 'cat'), 'ann', { isConnected: annCat }, OK],
    ['premium, connected, by email', share('exp-share001', 'cat@lab.example'), 'ann', { isConnected: annCat }, OK],
    ['premium, connected (pair given the other way round)', share('exp-share001', 'cat'), 'ann', { isConnected: connections(['cat', 'ann']) }, OK],
    ['premium, not connected', share('exp-share001', 'cat'), 'ann', { isConnected: none }, onUser(ErrorCode.NOT_CONNECTED)],
    ['premium, not connected, by email', share('exp-share001', 'CAT@lab.example'), 'ann', { isConnected: none }, onUser(ErrorCode.NOT_CONNECTED)],
    ['premium, the sharer must be connected, not the owner', share('exp-share001', 'cat'), 'ben', { isConnected: annCat }, onUser(ErrorCode.NOT_CONNECTED)],
    ['premium, a grantee connected with the target may share', share('exp-share001', 'cat'), 'ben', { isConnected: benCat }, OK],
    ['premium, the target already holds a grant: no check', share('exp-share001', 'ben'), 'ann', { isConnected: none }, OK],
    ['premium, without isConnected the check is left to the server', share('exp-share001', 'cat'), 'ann', {}, OK],
    ['premium, without isConnected or a resolver', share('exp-share001', 'cat'), 'ann', { resolve: false }, OK],
    ['enterprise never checks', share('exp-share001', 'cat'), 'ann', { mode: ServerMode.enterprise, isConnected: none }, OK],
    ['unshare is never checked', unshare('exp-share001', 'ben'), 'ann', { isConnected: none }, OK],
    // Order: earlier refusals win over NOT_CONNECTED.
    ['UNKNOWN_USER before NOT_CONNECTED', share('exp-share001', 'nobody-here'), 'ann', { isConnected: none }, onUser(ErrorCode.UNKNOWN_USER)],
    ['CANNOT_SHARE_WITH_OWNER before NOT_CONNECTED', share('exp-share001', 'ann'), 'ben', { isConnected: none }, onUser(ErrorCode.CANNOT_SHARE_WITH_OWNER)],
    ['NOT_A_READER before NOT_CONNECTED', share('exp-share001', 'cat'), 'eve', { isConnected: none }, { code: ErrorCode.NOT_A_READER }],
    ['UNKNOWN_EXPERIMENT before NOT_CONNECTED', share('exp-missing01', 'cat'), 'ann', { isConnected: none }, { code: ErrorCode.UNKNOWN_EXPERIMENT, path: ['experimentId'] }],
  ])('%s', (_label, intent, username, opts, expected) => {
    const result = planIntent(intent, { username, staff: false }, shareCtx(opts));
    expect(outcome(result.verdict)).toEqual(expected);
    if (!result.verdict.ok) expect(result.affected).toEqual([]);
  });

  it('asks about the acting user and the resolved username', () => {
    const asked: Array<[string, string]> = [];
    const ctx = shareCtx({ isConnected: (a, b) => (asked.push([a, b]), true) });
    const result = planIntent(share('exp-share001', 'Cat@Lab.Example'), ann, ctx);
    expect(result.verdict.ok).toBe(true);
    expect(result.user).toBe('cat');
    expect(asked).toEqual([['ann', 'cat']]);
  });

  it('does not ask when the target already holds a grant, nor in enterprise mode', () => {
    let asked = 0;
    const isConnected = () => (asked++, false);
    expect(planIntent(share('exp-share001', 'ben'), ann, shareCtx({ isConnected })).verdict.ok).toBe(true);
    expect(planIntent(share('exp-share001', 'cat'), ann, shareCtx({ mode: ServerMode.enterprise, isConnected })).verdict.ok).toBe(true);
    expect(asked).toBe(0);
  });

  it('an allowed share after the check still cascades to the linked family', () => {
    const result = planIntent(share('exp-share001', 'cat'), ann, shareCtx({ isConnected: annCat }));
    expect(result).toMatchObject({ verdict: { ok: true }, affected: ['exp-share001', 'exp-child001'], skipped: [], user: 'cat' });
  });

  it('a refused share changes nothing', () => {
    const result = planIntent(share('exp-share001', 'cat'), ann, shareCtx({ isConnected: none }));
    expect(result).toEqual({
      verdict: { ok: false, code: ErrorCode.NOT_CONNECTED, message: expect.any(String), path: ['user'] },
      affected: [],
      skipped: [],
    });
  });
});
