import { describe, expect, it } from 'vitest';
import { newSharing, planIntent, type IntentContext } from '../../shared/rules/intents.ts';
import { ServerMode, type SharingState } from '../../shared/schemas/entities.ts';
import { Intent, IntentType, SHARE_MESSAGE_MAX_CHARS, SHARE_MESSAGE_MAX_LINES, type ExperimentIntent } from '../../shared/schemas/intents.ts';

/**
 * Connect-then-share: a share with `connect` to someone not connected does not refuse
 * NOT_CONNECTED on a premium server; it is allowed, changes nothing now and waits for that
 * user. Everything else is decided exactly as for a plain share, and in the same order.
 */
const state = (grants: string[] = []): SharingState => {
  const s = newSharing('exp-target1', 'olivia');
  for (const user of grants) s.grants[user] = { by: 'olivia', at: 1 };
  return s;
};
const ctx = (mode: ServerMode, connected: string[], s = state()): IntentContext => ({
  experiments: new Map([[s.id, s]]),
  mode,
  resolveUser: (ref) => (['olivia', 'frank', 'bob', 'gina'].includes(ref) ? ref : null),
  isConnected: (_a, b) => connected.includes(b),
});
const share = (user: string, extra: { connect?: boolean } = {}): ExperimentIntent => ({ id: 'draft-0001', type: IntentType.share, experimentId: 'exp-target1', user, ...extra });

describe('share with connect: the rule table', () => {
  it.each([
    ['premium, not connected, connect asked', ServerMode.premium, [], share('bob', { connect: true }), 'olivia', { ok: true, affected: [], waitingFor: 'bob' }],
    ['premium, not connected, no connect', ServerMode.premium, [], share('bob'), 'olivia', { ok: false, code: 'NOT_CONNECTED' }],
    ['premium, connected, connect asked: applies now', ServerMode.premium, ['bob'], share('bob', { connect: true }), 'olivia', { ok: true, affected: ['exp-target1'] }],
    ['enterprise: no connections, applies now', ServerMode.enterprise, [], share('bob', { connect: true }), 'olivia', { ok: true, affected: ['exp-target1'] }],
    ['unknown user is still unknown', ServerMode.premium, [], share('nobody', { connect: true }), 'olivia', { ok: false, code: 'UNKNOWN_USER' }],
    ['the owner is still refused', ServerMode.premium, [], share('olivia', { connect: true }), 'frank', { ok: false, code: 'CANNOT_SHARE_WITH_OWNER' }],
    ['a non-manager is refused before anything waits', ServerMode.premium, [], share('bob', { connect: true }), 'gina', { ok: false, code: 'NOT_A_READER' }],
  ] as const)('%s', (_name, mode, connected, intent, who, expected) => {
    const plan = planIntent(intent, { username: who, staff: false }, ctx(mode, [...connected], state(['frank'])));
    const got = plan.verdict.ok
      ? { ok: true, affected: plan.affected, ...(plan.waitingFor ? { waitingFor: plan.waitingFor } : {}) }
      : { ok: false, code: plan.verdict.code };
    expect(got).toEqual(expected);
  });

  it('someone with direct access already: nothing waits, nothing changes', () => {
    const plan = planIntent(share('bob', { connect: true }), { username: 'olivia', staff: false }, ctx(ServerMode.premium, [], state(['bob'])));
    expect(plan.verdict.ok).toBe(true);
    expect(plan.waitingFor).toBeUndefined();
    expect(plan.affected).toEqual([]);
  });
});

describe('the share message: schema bounds', () => {
  const parse = (message: unknown, notify?: unknown) =>
    Intent.safeParse({ id: 'draft-0001', type: 'share', experimentId: 'exp-target1', user: 'bob', message, ...(notify === undefined ? {} : { notify }) });

  it('keeps a plain multi-line message, trimmed, with CRLF made LF', () => {
    const parsed = parse('  Hi Bob,\r\nhere is the panel.\n  ');
    expect(parsed.success && parsed.data.type === 'share' ? parsed.data.message : null).toBe('Hi Bob,\nhere is the panel.');
  });
  it('a lone carriage return becomes a line break (the message is body text, never a header)', () => {
    const parsed = parse('hi\rBcc: eve@evil.example');
    expect(parsed.success && parsed.data.type === 'share' ? parsed.data.message : null).toBe('hi\nBcc: eve@evil.example');
  });
  it.each([
    ['one character too long', 'x'.repeat(SHARE_MESSAGE_MAX_CHARS + 1)],
    ['too many lines', Array.from({ length: SHARE_MESSAGE_MAX_LINES + 1 }, () => 'a').join('\n')],
    ['a form feed', 'hi\fthere'],
    ['a NUL', 'hi\u0000there'],
    ['a tab', 'hi\tthere'],
    ['a right-to-left override', 'invoice\u202Egnp.exe'],
    ['a zero-width space', 'cyto\u200bshare'],
    ['not a string', 42],
  ])('refuses %s', (_name, message) => {
    expect(parse(message).success).toBe(false);
  });
  it('accepts exactly the bounds', () => {
    expect(parse('x'.repeat(SHARE_MESSAGE_MAX_CHARS)).success).toBe(true);
    expect(parse(Array.from({ length: SHARE_MESSAGE_MAX_LINES }, () => 'a').join('\n')).success).toBe(true);
  });
  it('notify is a boolean when given', () => {
    expect(parse('hi', false).success).toBe(true);
    expect(parse('hi', 'no').success).toBe(false);
  });
});
