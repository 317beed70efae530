import { describe, expect, it } from 'vitest';
import { accessList, accessOf, can, Capability } from '../../shared/rules/access.ts';
import { applyGroupShare, checkGroupCreate, checkGroupShareCount, checkGroupManage, checkGroupView, checkMemberAdd, checkMemberRemove, findGroupRef, planGroupShare } from '../../shared/rules/groups.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import type { GroupRecord } from '../../shared/schemas/groups.ts';

/** Rule tables for groups (issue 14 item 2): each row asserts an exact code. */
const AT = 1_700_000_000_000;
const actor = (username: string): Actor => ({ username, staff: false });
const lab: GroupRecord = { id: 'g-00000000000000aa', name: 'lab', owner: 'gina', members: ['gina', 'mia', 'max'], createdAt: AT };
const outcome = (v: Verdict) => (v.ok ? 'ok' : v.code);

function exp(id: string, opts: { owner?: string; grants?: string[]; parentId?: string | null; groups?: GroupRecord[] } = {}): SharingState {
  let state = newSharing(id, opts.owner ?? 'olivia', { parentId: opts.parentId ?? null });
  for (const user of opts.grants ?? []) state.grants[user] = { by: state.owner, at: AT };
  for (const group of opts.groups ?? []) state = applyGroupShare(state, group, false, state.owner, AT);
  return state;
}

describe('who may see and change a group', () => {
  const rows: Array<[string, GroupRecord | null, string, string, string]> = [
    // [case, group, actor, view, manage]
    ['owner', lab, 'gina', 'ok', 'ok'],
    ['member', lab, 'mia', 'ok', 'OWNER_ONLY'],
    ['stranger', lab, 'sam', 'UNKNOWN_GROUP', 'UNKNOWN_GROUP'],
    ['no such group', null, 'gina', 'UNKNOWN_GROUP', 'UNKNOWN_GROUP'],
  ];
  it.each(rows)('%s', (_case, group, who, view, manage) => {
    expect(outcome(checkGroupView(group, actor(who)))).toBe(view);
    expect(outcome(checkGroupManage(group, actor(who)))).toBe(manage);
  });
});

describe('members and limits', () => {
  const rows: Array<[string, string, string | null, number, ((u: string) => boolean) | undefined, string]> = [
    ['owner adds', 'gina', 'sam', 10, undefined, 'ok'],
    ['adding again changes nothing', 'gina', 'mia', 3, undefined, 'ok'],
    ['unknown account', 'gina', null, 10, undefined, 'UNKNOWN_USER'],
    ['member cannot add', 'mia', 'sam', 10, undefined, 'OWNER_ONLY'],
    ['stranger cannot add', 'sam', 'sam', 10, undefined, 'UNKNOWN_GROUP'],
    ['group full', 'gina', 'sam', 3, undefined, 'TOO_MANY_GROUP_MEMBERS'],
    ['premium, not connected', 'gina', 'sam', 10, (u) => u !== 'sam', 'NOT_CONNECTED'],
    ['premium, connected', 'gina', 'sam', 10, () => true, 'ok'],
  ];
  it.each(rows)('add: %s', (_case, who, user, maxMembers, isConnected, code) => {
    expect(outcome(checkMemberAdd(lab, actor(who), { user, maxMembers, ...(isConnected ? { isConnected } : {}) }))).toBe(code);
  });
  const removeRows: Array<[string, string, string | null, string]> = [
    ['owner removes a member', 'gina', 'mia', 'ok'],
    ['owner cannot be removed', 'gina', 'gina', 'CANNOT_REMOVE_OWNER'],
    ['not a member', 'gina', 'sam', 'NOT_A_GROUP_MEMBER'],
    ['member cannot remove', 'mia', 'max', 'OWNER_ONLY'],
    ['stranger cannot remove', 'sam', 'mia', 'UNKNOWN_GROUP'],
  ];
  it.each(removeRows)('remove: %s', (_case, who, user, code) => expect(outcome(checkMemberRemove(lab, actor(who), user))).toBe(code));
  it('bounds the groups an account owns', () => {
    expect(outcome(checkGroupCreate(49, 50))).toBe('ok');
    expect(outcome(checkGroupCreate(50, 50))).toBe('TOO_MANY_GROUPS');
  });
  it('bounds the experiments shared with one group, a family counting each', () => {
    expect(outcome(checkGroupShareCount(198, 2, 200))).toBe('ok');
    expect(outcome(checkGroupShareCount(199, 2, 200))).toBe('TOO_MANY_GROUP_EXPERIMENTS');
  });
  it('finds a group by id or by a name unique among the caller’s', () => {
    const other = { ...lab, id: 'g-00000000000000bb' };
    expect(findGroupRef([lab], 'lab')?.id).toBe(lab.id);
    expect(findGroupRef([lab, other], 'lab')).toBeNull();
    expect(findGroupRef([lab, other], other.id)?.id).toBe(other.id);
  });
});

describe('access through a group', () => {
  const rows: Array<[string, SharingState, string, string]> = [
    ['member of a shared group', exp('exp-00000001', { groups: [lab] }), 'mia', 'full'],
    ['group owner', exp('exp-00000001', { groups: [lab] }), 'gina', 'full'],
    ['not a member', exp('exp-00000001', { groups: [lab] }), 'sam', 'none'],
    ['group not shared', exp('exp-00000001'), 'mia', 'none'],
    ['owner stays owner (highest wins)', exp('exp-00000001', { owner: 'mia', groups: [lab] }), 'mia', 'owner'],
    ['direct and group: full', exp('exp-00000001', { grants: ['mia'], groups: [lab] }), 'mia', 'full'],
  ];
  it.each(rows)('%s', (_case, state, user, level) => expect(accessOf(state, user)).toBe(level));

  it('a member may edit and manage sharing like a direct grantee, never trash', () => {
    const state = exp('exp-00000001', { groups: [lab] });
    expect(can(state, actor('mia'), Capability.edit).ok).toBe(true);
    expect(outcome(can(state, actor('mia'), Capability.trash))).toBe('OWNER_ONLY');
  });

  it('lists members with via group and the group name, each person once', () => {
    const rows = accessList(exp('exp-00000001', { grants: ['max'], groups: [lab] }));
    expect(rows).toEqual([
      { user: 'olivia', via: 'owner' },
      { user: 'max', via: 'direct' },
      { user: 'gina', via: 'group', group: 'lab' },
      { user: 'mia', via: 'group', group: 'lab' },
    ]);
  });
});

describe('sharing with a group', () => {
  const parent = exp('exp-00000001');
  const child = exp('exp-00000002', { parentId: 'exp-00000001' });
  const foreign = exp('exp-00000003', { owner: 'zoe', parentId: 'exp-00000001' });
  const ctx = { experiments: new Map([parent, child, foreign].map((s) => [s.id, s])) };
  const rows: Array<[string, string, GroupRecord | null, boolean, string, string[]]> = [
    ['owner shares with a group they belong to (cascade, foreign skipped)', 'olivia', { ...lab, members: [...lab.members, 'olivia'] }, false, 'ok', ['exp-00000001', 'exp-00000002']],
    ['sharer outside the group', 'olivia', lab, false, 'UNKNOWN_GROUP', []],
    ['no such group', 'olivia', null, false, 'UNKNOWN_GROUP', []],
    ['not a sharing manager', 'mia', lab, false, 'NOT_A_READER', []],
    ['unshare a group never shared', 'olivia', { ...lab, owner: 'olivia' }, true, 'NOT_SHARED_WITH_GROUP', []],
  ];
  it.each(rows)('%s', (_case, who, group, unshare, code, affected) => {
    const plan = planGroupShare('exp-00000001', group, unshare, actor(who), ctx);
    expect(outcome(plan.verdict)).toBe(code);
    expect(plan.affected).toEqual(affected);
  });
  it('the family member the sharer may not manage is skipped with its code', () => {
    const plan = planGroupShare('exp-00000001', { ...lab, owner: 'olivia' }, false, actor('olivia'), ctx);
    expect(plan.skipped).toEqual([{ experimentId: 'exp-00000003', code: 'NOT_A_READER' }]);
  });
  it('sharing again with the same group affects nothing', () => {
    const shared = exp('exp-00000001', { groups: [lab] });
    const plan = planGroupShare('exp-00000001', { ...lab, owner: 'olivia' }, false, actor('olivia'), { experiments: new Map([[shared.id, shared]]) });
    expect(plan.verdict.ok && plan.affected).toEqual([]);
  });
});
