import { ErrorCode } from '../codes.ts';
import type { Actor, SharingState } from '../schemas/entities.ts';
import type { GroupRecord } from '../schemas/groups.ts';
import { can, Capability } from './access.ts';
import { familyOf } from './family.ts';
import type { IntentPlan } from './intents.ts';
import { projectOf, type IntentContext } from './intents.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/** How an account stands to a group: its owner, a member, or nobody (who may not learn it exists). */
export type GroupStanding = 'owner' | 'member' | 'none';

export function standingIn(group: GroupRecord | null, username: string): GroupStanding {
  if (group === null) return 'none';
  if (group.owner === username) return 'owner';
  return group.members.includes(username) ? 'member' : 'none';
}

/** Members (and the owner) see a group; anyone else gets UNKNOWN_GROUP, as for a group that does not exist. */
export function checkGroupView(group: GroupRecord | null, actor: Actor): Verdict {
  return standingIn(group, actor.username) === 'none' ? refuse(ErrorCode.UNKNOWN_GROUP, 'no such group', ['group']) : allow;
}

/** Only the owner adds, removes and deletes; a member is told OWNER_ONLY, a stranger UNKNOWN_GROUP. */
export function checkGroupManage(group: GroupRecord | null, actor: Actor): Verdict {
  const standing = standingIn(group, actor.username);
  if (standing === 'none') return refuse(ErrorCode.UNKNOWN_GROUP, 'no such group', ['group']);
  if (standing === 'member') return refuse(ErrorCode.OWNER_ONLY, 'only the group owner may change it', ['group']);
  return allow;
}

export function checkGroupCreate(ownedNow: number, maxGroups: number): Verdict {
  return ownedNow >= maxGroups ? refuse(ErrorCode.TOO_MANY_GROUPS, `at most ${maxGroups} groups per account`) : allow;
}

/** A group share may not take the group past `maxExperiments` experiments shared with it. */
export function checkGroupShareCount(sharedNow: number, adding: number, maxExperiments: number): Verdict {
  return sharedNow + adding > maxExperiments ? refuse(ErrorCode.TOO_MANY_GROUP_EXPERIMENTS, `at most ${maxExperiments} experiments shared with one group`, ['group']) : allow;
}

export type MemberContext = {
  /** The account the request names, resolved; null when no account has that name or address. */
  user: string | null;
  maxMembers: number;
  /** Premium servers: is the group owner connected with the user? Absent on enterprise servers. */
  isConnected?: (user: string) => boolean;
};

/**
 * Adding a member: the owner only; an unknown account is UNKNOWN_USER; on a premium server the
 * owner must be connected with the person (a group is never a way round the connection rule);
 * adding a member again changes nothing.
 */
export function checkMemberAdd(group: GroupRecord | null, actor: Actor, ctx: MemberContext): Verdict {
  const manage = checkGroupManage(group, actor);
  if (!manage.ok || group === null) return manage;
  if (ctx.user === null) return refuse(ErrorCode.UNKNOWN_USER, 'no such account', ['user']);
  if (group.members.includes(ctx.user)) return allow;
  if (ctx.isConnected && !ctx.isConnected(ctx.user)) return refuse(ErrorCode.NOT_CONNECTED, 'connect with this user first', ['user']);
  if (group.members.length >= ctx.maxMembers) return refuse(ErrorCode.TOO_MANY_GROUP_MEMBERS, `at most ${ctx.maxMembers} members per group`, ['user']);
  return allow;
}

export function checkMemberRemove(group: GroupRecord | null, actor: Actor, user: string | null): Verdict {
  const manage = checkGroupManage(group, actor);
  if (!manage.ok || group === null) return manage;
  if (user === group.owner) return refuse(ErrorCode.CANNOT_REMOVE_OWNER, 'the owner stays in the group', ['user']);
  if (user === null || !group.members.includes(user)) return refuse(ErrorCode.NOT_A_GROUP_MEMBER, 'not a member of the group', ['user']);
  return allow;
}

/**
 * Sharing an experiment with a group (or removing the group's share): the actor must see the
 * group (a member or its owner) and hold the sharing right on the experiment; the linked family
 * follows as for a person's share, each experiment the actor may not manage listed as skipped.
 * Sharing again with the same group changes nothing (the target is not affected).
 */
export function planGroupShare(
  experimentId: string,
  group: GroupRecord | null,
  unshare: boolean,
  actor: Actor,
  ctx: Pick<IntentContext, 'experiments' | 'projects'>,
): IntentPlan {
  const refused = (verdict: Verdict): IntentPlan => ({ verdict, affected: [], skipped: [] });
  const exp = ctx.experiments.get(experimentId);
  if (exp === undefined) return refused(refuse(ErrorCode.UNKNOWN_EXPERIMENT, 'no such experiment', ['experimentId']));
  const manage = can(exp, actor, Capability.manageSharing, projectOf(exp, ctx));
  if (!manage.ok) return refused(manage);
  const view = checkGroupView(group, actor);
  if (!view.ok || group === null) return refused(view);
  const holds = (state: SharingState) => Object.hasOwn(state.groups ?? {}, group.id);
  if (unshare && !holds(exp)) return refused(refuse(ErrorCode.NOT_SHARED_WITH_GROUP, 'the experiment is not shared with this group', ['group']));
  const affected: string[] = holds(exp) === unshare ? [exp.id] : [];
  const skipped: IntentPlan['skipped'] = [];
  for (const id of familyOf(exp.id, ctx.experiments)) {
    const member = ctx.experiments.get(id);
    if (id === exp.id || member === undefined || holds(member) !== unshare) continue;
    const memberManage = can(member, actor, Capability.manageSharing, projectOf(member, ctx));
    if (memberManage.ok) affected.push(id);
    else skipped.push({ experimentId: id, code: memberManage.code });
  }
  return { verdict: allow, affected, skipped };
}

/** The sharing state after a group share or its removal; `group` carries its current members. */
export function applyGroupShare(state: SharingState, group: GroupRecord, unshare: boolean, by: string, at: number): SharingState {
  const groups = { ...(state.groups ?? {}) };
  if (unshare) delete groups[group.id];
  else if (!Object.hasOwn(groups, group.id)) groups[group.id] = { name: group.name, members: [...group.members].sort(), by, at };
  return { ...state, groups };
}

/** Finds a group among the caller's by id or by name; a name two of them share is ambiguous (null). */
export function findGroupRef(groups: GroupRecord[], ref: string): GroupRecord | null {
  const byId = groups.find((g) => g.id === ref);
  if (byId) return byId;
  const named = groups.filter((g) => g.name === ref);
  return named.length === 1 ? (named[0] as GroupRecord) : null;
}
