import { ErrorCode } from '../codes.ts';
import type { Actor, ServerMode, SharingState } from '../schemas/entities.ts';
import type { ProjectState } from '../schemas/project.ts';
import { IntentType, type ExperimentIntent as Intent, type IntentOf } from '../schemas/intents.ts';
import { can, Capability, roleIn } from './access.ts';
import { familyRoles, grantFor, holdsGrant } from './grant-roles.ts';
import { checkSharingDate } from './expiry.ts';
import { familyOf, wouldCycle } from './family.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * What the rules may consult for an intent. The server passes its authoritative state; the
 * client passes its replica, which may know fewer experiments and no other accounts.
 */
export type IntentContext = {
  /** The target, its linked family, a link's new parent, a clone's new id if taken. */
  experiments: ReadonlyMap<string, SharingState>;
  /** Resolves a username or email to a username; absent on the client, which cannot know. */
  resolveUser?: (ref: string) => string | null;
  mode: ServerMode;
  /**
   * Are the two accounts connected (premium mode)? Absent where it cannot be known; then the
   * connection check is left to the server.
   */
  isConnected?: (a: string, b: string) => boolean;
  /** Projects of the experiments above, and a move's target project. */
  projects?: ReadonlyMap<string, ProjectState>;
  /** Does the experiment hold this gate? Absent where the caller does not know. */
  hasGate?: (experimentId: string, gateId: string) => boolean;
  /** Is a curation request for the experiment waiting in staff's queue? Absent where unknown (the client). */
  curationRequested?: (experimentId: string) => boolean;
  /** The decider's clock, for an end date or an embargo; absent, such dates are not checked. */
  now?: number;
};

/** The project an experiment belongs to, when the caller knows it. */
export function projectOf(exp: SharingState, ctx: Pick<IntentContext, 'projects'>): ProjectState | null {
  return exp.projectId === null ? null : (ctx.projects?.get(exp.projectId) ?? null);
}

/** A decided intent: the verdict on its target, and which linked experiments it also changes. */
export type IntentPlan = {
  verdict: Verdict;
  /** Experiments whose sharing state the intent changes, target first. */
  affected: string[];
  /** Linked experiments the cascade leaves alone, with the reason. */
  skipped: Array<{ experimentId: string; code: ErrorCode }>;
  /** The username the intent's `user` resolved to, for share and unshare. */
  user?: string;
  /** Users a link gives direct access to on the affected experiments: the family's people. */
  grants?: string[];
  /** Of `grants`, those who hold only the viewer role in the family, and keep it. */
  viewers?: string[];
  /**
   * A share with `connect` to someone not connected yet (premium): allowed, but it changes
   * nothing now; it waits for this user to accept the connection request, then is decided again.
   */
  waitingFor?: string;
};

const refused = (verdict: Verdict): IntentPlan => ({ verdict, affected: [], skipped: [] });

function target(intent: Intent, ctx: IntentContext): SharingState | Verdict {
  const exp = ctx.experiments.get(intent.experimentId);
  return exp ?? refuse(ErrorCode.UNKNOWN_EXPERIMENT, 'no such experiment', ['experimentId']);
}

function isState(value: SharingState | Verdict): value is SharingState {
  return 'owner' in value;
}

/** The rules of every intent. Pure: the same input gives the same plan on client and server. */
export function planIntent(intent: Intent, actor: Actor, ctx: IntentContext): IntentPlan {
  switch (intent.type) {
    case IntentType.create:
      return ctx.experiments.has(intent.experimentId)
        ? refused(refuse(ErrorCode.EXPERIMENT_EXISTS, 'id already used', ['experimentId']))
        : { verdict: allow, affected: [intent.experimentId], skipped: [] };
    case IntentType.share:
    case IntentType.unshare:
      return planGrantChange(intent, actor, ctx);
    case IntentType.publish: {
      const plan = planOnTarget(intent, actor, ctx, Capability.manageSharing);
      const date = plan.verdict.ok && intent.at !== undefined && ctx.now !== undefined ? checkSharingDate(intent.at, ctx.now, 'at') : plan.verdict;
      return date.ok ? plan : refused(date);
    }
    case IntentType.unpublish:
      return planOnTarget(intent, actor, ctx, Capability.manageSharing);
    case IntentType.link:
      return planLink(intent, actor, ctx);
    case IntentType.clone:
      return planClone(intent, actor, ctx);
    case IntentType.curate:
      return planCurate(intent, actor, ctx);
    case IntentType.markViewed:
      return planOnTarget(intent, actor, ctx, Capability.view);
    case IntentType.trash:
    case IntentType.restore:
      return planOnTarget(intent, actor, ctx, Capability.trash);
    case IntentType.delete:
      return planDelete(intent, actor, ctx);
    case IntentType.requestCuration:
      return planCurationRequest(intent, actor, ctx);
    case IntentType.move:
      return planMove(intent, actor, ctx);
    case IntentType.exportGate:
      return planExportGate(intent, actor, ctx);
    default: {
      const exhaustive: never = intent;
      return exhaustive;
    }
  }
}

function planOnTarget(intent: Intent, actor: Actor, ctx: IntentContext, capability: Capability): IntentPlan {
  const exp = target(intent, ctx);
  if (!isState(exp)) return refused(exp);
  const verdict = can(exp, actor, capability, projectOf(exp, ctx));
  return verdict.ok ? { verdict, affected: [exp.id], skipped: [] } : refused(verdict);
}

/**
 * Share and unshare act on the target and cascade to every linked experiment the actor may
 * manage; the others are listed as skipped, never silently ignored.
 */
function planGrantChange(
  intent: IntentOf<typeof IntentType.share> | IntentOf<typeof IntentType.unshare>,
  actor: Actor,
  ctx: IntentContext,
): IntentPlan {
  const exp = target(intent, ctx);
  if (!isState(exp)) return refused(exp);
  const manage = can(exp, actor, Capability.manageSharing, projectOf(exp, ctx));
  if (!manage.ok) return refused(manage);
  const user = ctx.resolveUser ? ctx.resolveUser(intent.user) : intent.user;
  if (user === null) return refused(refuse(ErrorCode.UNKNOWN_USER, 'no such account', ['user']));
  const sharing = intent.type === IntentType.share;
  if (user === exp.owner) {
    const code = sharing ? ErrorCode.CANNOT_SHARE_WITH_OWNER : ErrorCode.CANNOT_REMOVE_OWNER;
    return refused(refuse(code, 'the owner keeps every right', ['user']));
  }
  const role = intent.type === IntentType.share ? (intent.role ?? 'full') : null;
  const until = intent.type === IntentType.share ? intent.until : undefined;
  if (until !== undefined && ctx.now !== undefined) {
    const date = checkSharingDate(until, ctx.now, 'until');
    if (!date.ok) return refused(date);
  }
  if (!sharing && !Object.hasOwn(exp.grants, user)) {
    return refused(refuse(ErrorCode.NOT_SHARED_WITH_USER, 'no direct access to remove', ['user']));
  }
  if (sharing && ctx.mode === 'premium' && ctx.isConnected && !Object.hasOwn(exp.grants, user) && !ctx.isConnected(actor.username, user)) {
    if (intent.type === IntentType.share && intent.connect === true) return { verdict: allow, affected: [], skipped: [], user, waitingFor: user };
    return refused(refuse(ErrorCode.NOT_CONNECTED, 'connect with this user first', ['user']));
  }
  // Sharing again with someone who has direct access in that role and with the same end (or none)
  // changes nothing: the intent is allowed (idempotent) but the target is not affected, so no
  // grant, mail or connection is made again. Another role or another end changes the grant (still
  // without mail: the person had access already).
  const done = (member: SharingState) => (role === null ? !Object.hasOwn(member.grants, user) : holdsGrant(member, user, role, until));
  const affected: string[] = done(exp) ? [] : [exp.id];
  const skipped: IntentPlan['skipped'] = [];
  for (const id of familyOf(exp.id, ctx.experiments)) {
    const member = ctx.experiments.get(id);
    if (id === exp.id || member === undefined) continue;
    if (member.owner === user || done(member)) continue;
    const memberManage = can(member, actor, Capability.manageSharing, projectOf(member, ctx));
    if (memberManage.ok) affected.push(id);
    else skipped.push({ experimentId: id, code: memberManage.code });
  }
  return { verdict: allow, affected, skipped, user };
}

function planLink(intent: IntentOf<typeof IntentType.link>, actor: Actor, ctx: IntentContext): IntentPlan {
  const exp = target(intent, ctx);
  if (!isState(exp)) return refused(exp);
  const manage = can(exp, actor, Capability.manageSharing, projectOf(exp, ctx));
  if (!manage.ok) return refused(manage);
  if (intent.parentId === null) return { verdict: allow, affected: [exp.id], skipped: [] };
  if (intent.parentId === exp.id) return refused(refuse(ErrorCode.LINK_TO_SELF, 'cannot link to itself', ['parentId']));
  const parent = ctx.experiments.get(intent.parentId);
  if (parent === undefined) return refused(refuse(ErrorCode.UNKNOWN_EXPERIMENT, 'no such parent', ['parentId']));
  const manageParent = can(parent, actor, Capability.manageSharing, projectOf(parent, ctx));
  if (!manageParent.ok) return refused({ ...manageParent, path: ['parentId'] });
  if (wouldCycle(exp.id, parent.id, ctx.experiments)) {
    return refused(refuse(ErrorCode.LINK_CYCLE, 'the parent descends from this experiment', ['parentId']));
  }
  return planFamilyJoin(exp, parent, actor, ctx);
}

/**
 * Linked experiments are shared together, so an experiment linked into another family gets the
 * family's people: every direct grant held in the parent's family is given to the experiment
 * and its descendants, which move with it. The linker holds the sharing right on the target and
 * the parent (checked above); a descendant the linker may not manage is skipped, as a share's
 * cascade skips it. The people are already on the family, so no connection is asked for.
 */
function planFamilyJoin(exp: SharingState, parent: SharingState, actor: Actor, ctx: IntentContext): IntentPlan {
  // Moving within its own family (a new parent in the same family) brings nobody new.
  if (familyOf(exp.id, ctx.experiments).includes(parent.id)) return { verdict: allow, affected: [exp.id], skipped: [] };
  const joining = [exp.id, ...descendantsOf(exp.id, ctx.experiments)];
  const moving = new Set(joining);
  const roles = familyRoles(familyOf(parent.id, ctx.experiments).filter((id) => !moving.has(id)), ctx.experiments);
  const grants = [...roles.keys()].sort();
  const viewers = grants.filter((user) => roles.get(user) === 'viewer');
  const affected: string[] = [exp.id];
  const skipped: IntentPlan['skipped'] = [];
  for (const id of joining.slice(1)) {
    const member = ctx.experiments.get(id);
    if (member === undefined || !grants.some((user) => user !== member.owner && !Object.hasOwn(member.grants, user))) continue;
    const manage = can(member, actor, Capability.manageSharing, projectOf(member, ctx));
    if (manage.ok) affected.push(id);
    else skipped.push({ experimentId: id, code: manage.code });
  }
  return { verdict: allow, affected, skipped, grants, ...(viewers.length > 0 ? { viewers } : {}) };
}

/** Every known experiment below `id` in its family tree. */
function descendantsOf(id: string, experiments: ReadonlyMap<string, SharingState>): string[] {
  const out: string[] = [];
  const queue = [id];
  const seen = new Set([id]);
  while (queue.length > 0) {
    const current = queue.pop() as string;
    for (const exp of experiments.values()) {
      if (exp.parentId === current && !seen.has(exp.id)) {
        seen.add(exp.id);
        out.push(exp.id);
        queue.push(exp.id);
      }
    }
  }
  return out.sort();
}

function planClone(intent: IntentOf<typeof IntentType.clone>, actor: Actor, ctx: IntentContext): IntentPlan {
  const exp = target(intent, ctx);
  if (!isState(exp)) return refused(exp);
  const clone = can(exp, actor, intent.filesOnly ? Capability.cloneFiles : Capability.clone, projectOf(exp, ctx));
  if (!clone.ok) return refused(clone);
  // A linked clone joins the source's family, which only its sharing managers may extend.
  if (intent.linked && !can(exp, actor, Capability.manageSharing, projectOf(exp, ctx)).ok) {
    return refused(refuse(ErrorCode.CLONE_NOT_ALLOWED, 'only a private copy can be made from here', ['linked']));
  }
  if (ctx.experiments.has(intent.newId)) {
    return refused(refuse(ErrorCode.EXPERIMENT_EXISTS, 'id already used', ['newId']));
  }
  return { verdict: allow, affected: [intent.newId], skipped: [] };
}

function planCurate(intent: IntentOf<typeof IntentType.curate>, actor: Actor, ctx: IntentContext): IntentPlan {
  const exp = target(intent, ctx);
  if (!isState(exp)) return refused(exp);
  if (!actor.staff) return refused(refuse(ErrorCode.STAFF_ONLY, 'curation is for staff'));
  if (exp.trashed) return refused(refuse(ErrorCode.EXPERIMENT_TRASHED, 'the experiment is in the trash'));
  if (intent.curated && !exp.public) return refused(refuse(ErrorCode.NOT_PUBLIC, 'make it public first'));
  return { verdict: allow, affected: [exp.id], skipped: [] };
}

function planDelete(intent: IntentOf<typeof IntentType.delete>, actor: Actor, ctx: IntentContext): IntentPlan {
  const plan = planOnTarget(intent, actor, ctx, Capability.trash);
  if (!plan.verdict.ok) return plan;
  const exp = ctx.experiments.get(intent.experimentId) as SharingState;
  return exp.trashed ? plan : refused(refuse(ErrorCode.NOT_TRASHED, 'move it to the trash first'));
}

function planCurationRequest(intent: IntentOf<typeof IntentType.requestCuration>, actor: Actor, ctx: IntentContext): IntentPlan {
  const plan = planOnTarget(intent, actor, ctx, Capability.trash);
  if (!plan.verdict.ok) return plan;
  const exp = ctx.experiments.get(intent.experimentId) as SharingState;
  if (exp.trashed) return refused(refuse(ErrorCode.EXPERIMENT_TRASHED, 'the experiment is in the trash'));
  if (!exp.public) return refused(refuse(ErrorCode.NOT_PUBLIC, 'only a public experiment can be curated'));
  if (exp.curated) return refused(refuse(ErrorCode.ALREADY_CURATED, 'the experiment is curated already'));
  if (ctx.curationRequested?.(exp.id)) return refused(refuse(ErrorCode.CURATION_REQUESTED, 'a request is already in the queue'));
  return plan;
}

/** A gate export makes a new experiment in the source's family: clone right, and the right to link. */
function planExportGate(intent: IntentOf<typeof IntentType.exportGate>, actor: Actor, ctx: IntentContext): IntentPlan {
  const exp = target(intent, ctx);
  if (!isState(exp)) return refused(exp);
  const project = projectOf(exp, ctx);
  const clone = can(exp, actor, Capability.clone, project);
  if (!clone.ok) return refused(clone);
  const link = can(exp, actor, Capability.manageSharing, project);
  if (!link.ok) return refused(link);
  if (ctx.hasGate && !ctx.hasGate(exp.id, intent.gateId)) return refused(refuse(ErrorCode.UNKNOWN_GATE, 'no such gate', ['gateId']));
  if (ctx.experiments.has(intent.newId)) return refused(refuse(ErrorCode.EXPERIMENT_EXISTS, 'id already used', ['newId']));
  return { verdict: allow, affected: [intent.newId], skipped: [] };
}

/** Moving into or out of a project: full access to the experiment, and manager of each project. */
function planMove(intent: IntentOf<typeof IntentType.move>, actor: Actor, ctx: IntentContext): IntentPlan {
  const plan = planOnTarget(intent, actor, ctx, Capability.manageSharing);
  if (!plan.verdict.ok) return plan;
  const exp = ctx.experiments.get(intent.experimentId) as SharingState;
  const manages = (projectId: string | null) => {
    const project = projectId === null ? null : ctx.projects?.get(projectId);
    return projectId === null || (project !== undefined && project !== null && roleIn(project, actor.username) === 'manager');
  };
  if (intent.projectId !== null && !ctx.projects?.has(intent.projectId)) {
    return refused(refuse(ErrorCode.UNKNOWN_PROJECT, 'no such project', ['projectId']));
  }
  if (!manages(exp.projectId)) return refused(refuse(ErrorCode.NOT_A_PROJECT_MANAGER, 'manage its current project to move it', ['experimentId']));
  if (!manages(intent.projectId)) return refused(refuse(ErrorCode.NOT_A_PROJECT_MANAGER, 'manage the project to add to it', ['projectId']));
  return plan;
}

/**
 * The sharing state after an accepted intent, for each affected experiment that already
 * exists. Create and clone make new experiments; their first state comes from `newSharing`.
 */
export function applyIntent(
  intent: Intent,
  plan: IntentPlan,
  state: SharingState,
  actor: Actor,
  now: number,
): SharingState {
  switch (intent.type) {
    case IntentType.share: {
      const role = intent.role ?? 'full';
      if (plan.user === undefined || holdsGrant(state, plan.user, role, intent.until)) return state;
      const had = Object.hasOwn(state.grants, plan.user) ? state.grants[plan.user] : undefined;
      const grant = grantFor(had?.by ?? actor.username, had?.at ?? now, role);
      return { ...state, grants: { ...state.grants, [plan.user]: intent.until !== undefined ? { ...grant, until: intent.until } : grant } };
    }
    case IntentType.unshare: {
      if (plan.user === undefined) return state;
      const grants = { ...state.grants };
      delete grants[plan.user];
      return { ...state, grants };
    }
    case IntentType.publish:
      // A publication date ahead is an embargo: not public until the date (see expiry.ts).
      return intent.at !== undefined && intent.at > now ? { ...state, public: false, publishAt: intent.at } : { ...state, public: true, ...pendingCleared(state) };
    case IntentType.unpublish:
      return { ...state, public: false, curated: false, ...pendingCleared(state) };
    case IntentType.link: {
      const grants = { ...state.grants };
      for (const user of plan.grants ?? []) {
        if (user !== state.owner && !Object.hasOwn(grants, user)) grants[user] = grantFor(actor.username, now, plan.viewers?.includes(user) ? 'viewer' : 'full');
      }
      // Only the target gets the new parent; its descendants keep theirs and come along.
      return { ...state, parentId: state.id === intent.experimentId ? intent.parentId : state.parentId, grants };
    }
    case IntentType.curate:
      return { ...state, curated: intent.curated };
    case IntentType.trash:
      return { ...state, trashed: true };
    case IntentType.restore:
      return { ...state, trashed: false };
    case IntentType.move:
      return { ...state, projectId: intent.projectId };
    case IntentType.create:
    case IntentType.clone:
    case IntentType.markViewed:
    case IntentType.delete:
    case IntentType.requestCuration:
    case IntentType.exportGate:
      return state;
    default: {
      const exhaustive: never = intent;
      return exhaustive;
    }
  }
}

/** Cancels a pending embargo; a state that never had one keeps its shape. */
function pendingCleared(state: SharingState): Pick<SharingState, 'publishAt'> {
  return state.publishAt === undefined || state.publishAt === null ? {} : { publishAt: null };
}

export function newSharing(id: string, owner: string, from: { parentId?: string | null; clonedFrom?: string | null } = {}): SharingState {
  return {
    id,
    owner,
    grants: {},
    public: false,
    curated: false,
    parentId: from.parentId ?? null,
    clonedFrom: from.clonedFrom ?? null,
    projectId: null,
    trashed: false,
  };
}
