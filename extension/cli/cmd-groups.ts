import { ExperimentId } from '../../shared/schemas/entities.ts';
import { ErrorCode } from '../../shared/codes.ts';
import { findGroupRef } from '../../shared/rules/groups.ts';
import { GroupName, GroupRef, type GroupSummary } from '../../shared/schemas/groups.ts';
import { CoreError } from '../core/errors.ts';
import type { Api } from '../core/api.ts';
import { check, flag, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { Exit } from './output.ts';
import { shareOptions } from './share-options.ts';

const USAGE = 'usage: group create NAME | group add GROUP USER | group remove GROUP USER | group list | group show GROUP | group delete GROUP';

const describeGroup = (g: GroupSummary) => `${g.id}  ${g.name}  owner ${g.owner}  ${g.members.length} member${g.members.length === 1 ? '' : 's'}: ${g.members.join(', ')}`;

async function online(ctx: Ctx): Promise<Api> {
  if (ctx.offline) throw new UsageError('groups live on the server; drop --offline');
  const core = await ctx.core();
  core.requireSession();
  return core.api();
}

/** A group named by id or by a name unique among the caller's groups; else UNKNOWN_GROUP, as the server says. */
async function resolve(api: Api, ref: string): Promise<GroupSummary> {
  const group = findGroupRef(
    (await api.groups()).map((g) => ({ ...g, createdAt: 0 })),
    check(GroupRef, ref, 'group'),
  );
  if (group === null) throw new CoreError('refused', ErrorCode.UNKNOWN_GROUP, 'no group of yours has that name or id (a name two of your groups share: use the id)');
  return api.group(group.id);
}

/**
 * `group create NAME` → {id}; `group add|remove GROUP USER`; `group list`; `group show GROUP`;
 * `group delete GROUP`. Online only: groups live on the server. GROUP is an id or a name.
 */
export async function runGroup(ctx: Ctx): Promise<Exit> {
  const [, sub, first, second, ...rest] = ctx.args.positionals;
  onlyFlags(ctx.args, []);
  if (rest.length > 0) throw new UsageError(USAGE);
  if (sub === 'create' && first !== undefined && second === undefined) {
    const made = await (await online(ctx)).createGroup(check(GroupName, first, 'group name'));
    ctx.out.result(made, made.id);
    return Exit.ok;
  }
  if (sub === 'list' && first === undefined) {
    const groups = await (await online(ctx)).groups();
    ctx.out.result(groups, groups.length > 0 ? groups.map(describeGroup).join('\n') : 'no groups');
    return Exit.ok;
  }
  if ((sub === 'show' || sub === 'delete') && first !== undefined && second === undefined) {
    const api = await online(ctx);
    const group = await resolve(api, first);
    if (sub === 'show') ctx.out.result(group, describeGroup(group));
    else {
      await api.deleteGroup(group.id);
      ctx.out.result({ id: group.id, deleted: true }, `deleted ${group.name} (${group.id})`);
    }
    return Exit.ok;
  }
  if ((sub === 'add' || sub === 'remove') && first !== undefined && second !== undefined) {
    const api = await online(ctx);
    const group = await resolve(api, first);
    const after = await api.groupMember(group.id, second, sub === 'remove');
    ctx.out.result(after, describeGroup(after));
    return Exit.ok;
  }
  throw new UsageError(USAGE);
}

/** `share ID @GROUP [--role full] [--no-notify] [--message TEXT]` and `unshare ID @GROUP`: the `@` names one of your groups. */
export async function runGroupShare(ctx: Ctx, command: 'share' | 'unshare', rawId: string, ref: string): Promise<Exit> {
  onlyFlags(ctx.args, command === 'share' ? ['role', 'no-notify', 'message'] : []);
  const role = flag(ctx.args, 'role');
  // Only full access exists for groups now; the viewer role comes with roles per person.
  if (role !== undefined && role !== 'full') throw new CoreError('refused', ErrorCode.UNKNOWN_ROLE, 'a group is shared with full access (--role full)');
  const experimentId = check(ExperimentId, rawId, 'experiment id');
  // Each member who gains access is mailed once, as for a direct share.
  const mail = command === 'share' ? shareOptions(ctx) : null;
  const api = await online(ctx);
  const group = await resolve(api, ref);
  const answer = await api.shareWithGroup({
    experimentId,
    group: group.id,
    ...(command === 'unshare' ? { unshare: true } : {}),
    ...(role ? { role: 'full' as const } : {}),
    ...(mail && !mail.notify ? { notify: false } : {}),
    ...(mail?.message ? { message: mail.message } : {}),
  });
  const skipped = answer.skipped.map((s) => `\n  skipped ${s.experimentId}: ${s.code}`).join('');
  const verb = command === 'share' ? 'shared with' : 'no longer shared with';
  ctx.out.result({ ...answer, name: group.name }, `${verb} @${group.name} (${group.members.length} members): ${answer.affected.join(', ') || 'nothing changed'}${skipped}`);
  return Exit.ok;
}
