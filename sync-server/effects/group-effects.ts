import { randomBytes } from 'node:crypto';
import { docName } from '../../shared/doc-layout.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import { applyGroupShare, checkGroupCreate, checkGroupShareCount, checkGroupManage, checkGroupView, checkMemberAdd, checkMemberRemove, findGroupRef, planGroupShare } from '../../shared/rules/groups.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { GroupRecord, GroupShareAnswer, GroupShareRequest, GroupSummary } from '../../shared/schemas/groups.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import type { ServerLimits } from '../limits.ts';
import type { ExperimentRecord, Store, StoreTx } from '../store/store.ts';
import { nextLink, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import type { TurnDeps } from '../intents/intent-deps.ts';
import { mailNewAccess } from './share-mail.ts';
import { sharingOf } from '../store/sharing-of.ts';
import { holdersOf, refreshProjections } from './projections.ts';
import { orRefuse } from './refused.ts';

export type GroupDeps = TurnDeps & { limits: Pick<ServerLimits, 'groupsPerAccount' | 'membersPerGroup' | 'experimentsPerGroup'> };

export const summaryOf = (group: GroupRecord, actor: Actor): GroupSummary => ({
  id: group.id,
  name: group.name,
  owner: group.owner,
  members: [...group.members].sort(),
  mine: group.owner === actor.username,
});

/**
 * Groups and the access they give. Every change runs in the intents' turn; a change of members
 * is mirrored at once into each experiment shared with the group (whose room cuts off the
 * sockets of whoever lost access, as an unshare does) and into the members' indexes.
 */
export class Groups {
  constructor(private readonly deps: GroupDeps) {}

  list(actor: Actor): Promise<GroupSummary[]> {
    return this.deps.store.groupsOf(actor.username).then((groups) => groups.map((g) => summaryOf(g, actor)));
  }

  async show(actor: Actor, id: string): Promise<GroupSummary> {
    const group = await this.deps.store.getGroup(id);
    orRefuse(checkGroupView(group, actor));
    return summaryOf(group as GroupRecord, actor);
  }

  create(actor: Actor, name: string): Promise<{ id: string }> {
    return this.deps.exclusive(async () => {
      orRefuse(checkGroupCreate(await this.deps.store.ownedGroupCount(actor.username), this.deps.limits.groupsPerAccount));
      const id = `g-${randomBytes(8).toString('hex')}`;
      await this.deps.store.createGroup({ id, name, owner: actor.username, members: [actor.username], createdAt: Date.now() });
      return { id };
    });
  }

  /** Adds or removes a member; on a premium server the owner must be connected with a newcomer. */
  member(actor: Actor, id: string, ref: string, remove: boolean): Promise<GroupSummary> {
    return this.deps.exclusive(async () => {
      const { store } = this.deps;
      const group = await store.getGroup(id);
      const user = (await store.findUser(ref))?.username ?? null;
      if (remove) orRefuse(checkMemberRemove(group, actor, user));
      else {
        const connected = this.deps.mode() === 'premium' ? await this.deps.connections.isConnectedSet(actor.username) : null;
        orRefuse(checkMemberAdd(group, actor, { user, maxMembers: this.deps.limits.membersPerGroup, ...(connected ? { isConnected: (u: string) => connected.has(u) } : {}) }));
      }
      const held = remove ? null : await this.reachableBy(id, user as string);
      const changed = await store.setGroupMember(id, user as string, !remove, Date.now());
      if (changed) await this.mirror(actor, id, remove ? [user as string] : [], remove ? [] : [user as string]);
      const after = (await store.getGroup(id)) as GroupRecord;
      if (changed && held !== null) await this.mailNewcomer(actor, after, user as string, held);
      return summaryOf(after, actor);
    });
  }

  delete(actor: Actor, id: string): Promise<void> {
    return this.deps.exclusive(async () => {
      const group = await this.deps.store.getGroup(id);
      orRefuse(checkGroupManage(group, actor));
      const experiments = await this.deps.store.groupExperiments(id);
      await this.deps.store.deleteGroup(id);
      await this.mirrorExperiments(experiments, (group as GroupRecord).members);
    });
  }

  /** `share ID @GROUP` and its removal: the group share is one record, cascading over the linked family. */
  share(actor: Actor, request: GroupShareRequest): Promise<GroupShareAnswer> {
    return this.deps.exclusive(async () => {
      const { store } = this.deps;
      const group = findGroupRef(await store.groupsOf(actor.username), request.group);
      const family = await store.getFamily(request.experimentId);
      const now = Date.now();
      // As it stands now: an ended share gives no right to share with a group (see expiry.ts).
      const experiments = new Map(family.map((e) => [e.id, inForce(e, now)]));
      const projects = await projectsOf(store, family);
      const unshare = request.unshare === true;
      const plan = planGroupShare(request.experimentId, group, unshare, actor, { experiments, projects });
      const action = unshare ? 'unshare-group' : 'share-group';
      // Bounded because a change of members rewrites every experiment shared with the group.
      const verdict = plan.verdict.ok && !unshare && group ? checkGroupShareCount((await store.groupExperiments(group.id)).length, plan.affected.length, this.deps.limits.experimentsPerGroup) : plan.verdict;
      if (!verdict.ok) {
        // A refusal on an experiment that exists is a sharing decision of it, recorded like any.
        if (experiments.has(request.experimentId)) {
          await recordDecision(store, actor, action, [request.experimentId], { group: request.group }, verdict.code, now);
        }
        orRefuse(verdict);
      }
      const target = group as GroupRecord;
      await store.transaction(async (tx) => {
        for (const id of plan.affected) {
          if (unshare) await tx.deleteGroupGrant(id, target.id);
          else await tx.saveGroupGrant(id, target.id, actor.username, now);
        }
        await recordDecision(tx, actor, action, [...new Set([request.experimentId, ...plan.affected])], { group: target.id, name: target.name }, null, now);
      });
      const before = family.filter((e) => plan.affected.includes(e.id)).flatMap((e) => holdersOf(e, e.projectId ? (projects.get(e.projectId) ?? null) : null));
      await this.mirrorExperiments(plan.affected, before);
      // Members are connected with the experiment's people as a direct grantee is (see README "Groups").
      if (!unshare && plan.affected.length > 0) {
        await this.connectMembers(plan.affected, target.members);
        await mailNewAccess(this.deps, actor.username, gainedThrough(target, family, plan.affected, projects, actor), { notify: request.notify ?? true, message: request.message ?? null });
      }
      return { group: target.id, affected: plan.affected, skipped: plan.skipped };
    });
  }

  /** After a change of members: every experiment shared with the group gets its new access, and says so in its history. */
  private async mirror(actor: Actor, groupId: string, left: string[], joined: string[]): Promise<void> {
    const experiments = await this.deps.store.groupExperiments(groupId);
    if (experiments.length > 0) {
      const [action, user] = left.length > 0 ? ['group-member-removed', left[0]] : ['group-member-added', joined[0]];
      await recordDecision(this.deps.store, actor, action as string, experiments, { group: groupId, user }, null, Date.now());
    }
    await this.mirrorExperiments(experiments, left);
    if (joined.length > 0 && experiments.length > 0) await this.connectMembers(experiments, joined);
  }

  /**
   * Installs each experiment's sharing state (with its groups' current members) in its room,
   * which closes the sockets of whoever may no longer read it, then rewrites the indexes of
   * everyone who held it before (`before`) or holds it now.
   */
  private async mirrorExperiments(ids: string[], before: string[]): Promise<void> {
    const { store, rooms } = this.deps;
    for (const id of ids) {
      const record = await store.getExperiment(id);
      if (!record) continue;
      const project = record.projectId ? await store.getProject(record.projectId) : null;
      // `groups` always written, so a share with the last group removed clears the mirror too.
      await rooms.with(docName.experiment(id), (room) => room.setSharing({ ...sharingOf(record), groups: record.groups ?? {} }, project));
    }
    await refreshProjections(store, rooms, ids, before);
    await this.deps.connections.refresh(before);
  }

  /** The experiments shared with the group that `user` can read now (in force, not in the trash), by id. */
  private async reachableBy(groupId: string, user: string): Promise<Map<string, ExperimentRecord>> {
    const { store } = this.deps;
    const now = Date.now();
    const out = new Map<string, ExperimentRecord>();
    for (const id of await store.groupExperiments(groupId)) {
      const record = await store.getExperiment(id);
      if (!record || record.trashed) continue;
      const project = record.projectId ? await store.getProject(record.projectId) : null;
      if (holdersOf(inForce(record, now), project).includes(user)) out.set(id, record);
    }
    return out;
  }

  /**
   * Members present at share time got a share mail; one added later gets a single digest of what
   * the group opened to them (not what they could read already), under the same conditions: a
   * proved address, share mail not turned off.
   */
  private async mailNewcomer(actor: Actor, group: GroupRecord, user: string, held: Map<string, ExperimentRecord>): Promise<void> {
    const { store, notifier } = this.deps;
    const gained = [...(await this.reachableBy(group.id, user)).values()].filter((r) => !held.has(r.id));
    const to = await store.findUser(user);
    if (gained.length === 0 || !to || !(await store.shareEmailsEnabled(to.username))) return;
    const experiments = gained.map((r) => ({ id: r.id, name: r.name, sharer: r.groups?.[group.id]?.by ?? actor.username }));
    await notifier.joinedGroup({ by: actor.username, to, group: group.name, experiments });
  }

  private async connectMembers(experimentIds: string[], newcomers: string[]): Promise<void> {
    const people = new Set<string>();
    for (const id of experimentIds) {
      const record = await this.deps.store.getExperiment(id);
      if (record) holdersOf(record).forEach((u) => people.add(u));
    }
    await this.deps.connections.autoConnect([...people], newcomers);
  }
}

/**
 * Records a group decision in the audit log and in each experiment's hash-chained history (the
 * same entries an intent gets), in one write: a share with a group, its removal, a refusal, and
 * a member added or removed (which changes who reaches each experiment shared with the group).
 */
async function recordDecision(store: StoreTx, actor: Actor, action: string, experimentIds: string[], detail: Record<string, unknown>, code: string | null, at: number): Promise<void> {
  const who = actor.username;
  const verdict = code === null ? 'accepted' : 'refused';
  const entries: HistoryFields[] = experimentIds.map((experimentId) => ({ experimentId, at, actor: who, action, verdict, code, detail }));
  const draftId = `group-${randomBytes(12).toString('base64url')}`;
  await store.saveIntentResult(
    who,
    draftId,
    JSON.stringify({ ok: code === null, action, experimentIds, ...(code ? { code } : {}) }),
    { at, actor: who, action, experimentId: experimentIds[0] ?? null, verdict, code, detail },
    { entries, link: (head, fields) => nextLink(sha256Hex, head, fields) },
  );
}

/** Each member who reaches experiments through the group share and did not before, with those experiments. */
function gainedThrough(group: GroupRecord, family: ExperimentRecord[], affected: string[], projects: Map<string, ProjectState>, actor: Actor): Map<string, ExperimentRecord[]> {
  const gained = new Map<string, ExperimentRecord[]>();
  for (const record of family.filter((e) => affected.includes(e.id))) {
    const had = new Set(holdersOf(record, record.projectId ? (projects.get(record.projectId) ?? null) : null));
    for (const member of group.members) {
      if (member !== actor.username && !had.has(member)) gained.set(member, [...(gained.get(member) ?? []), record]);
    }
  }
  return gained;
}

async function projectsOf(store: Store, experiments: ExperimentRecord[]): Promise<Map<string, ProjectState>> {
  const out = new Map<string, ProjectState>();
  for (const id of new Set(experiments.flatMap((e) => (e.projectId ? [e.projectId] : [])))) {
    const project = await store.getProject(id);
    if (project) out.set(id, project);
  }
  return out;
}
