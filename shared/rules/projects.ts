import { ErrorCode } from '../codes.ts';
import type { Actor, ServerMode } from '../schemas/entities.ts';
import { IntentType, type ProjectIntent } from '../schemas/intents.ts';
import type { ProjectState } from '../schemas/project.ts';
import { allow, refuse, type Verdict } from './verdict.ts';
import { roleIn } from './access.ts';

export type ProjectContext = {
  projects: ReadonlyMap<string, ProjectState>;
  mode: ServerMode;
  /** Resolves a username or email to a username; absent on the client. */
  resolveUser?: (ref: string) => string | null;
  /** Premium mode: adding someone needs a connection with them. Absent where unknown. */
  isConnected?: (a: string, b: string) => boolean;
};

/** The project after an accepted intent, with the member's resolved username. */
export type ProjectPlan = { verdict: Verdict; user?: string };

/**
 * Rules of project administration. Order: the project exists (or, to create, does not), the
 * actor manages it, then the change itself (a known user, a connection, a manager left).
 */
export function planProjectIntent(intent: ProjectIntent, actor: Actor, ctx: ProjectContext): ProjectPlan {
  const project = ctx.projects.get(intent.projectId);
  if (intent.type === IntentType.projectCreate) {
    return { verdict: project ? refuse(ErrorCode.PROJECT_EXISTS, 'id already used', ['projectId']) : allow };
  }
  if (!project) return { verdict: refuse(ErrorCode.UNKNOWN_PROJECT, 'no such project', ['projectId']) };
  if (roleIn(project, actor.username) !== 'manager') {
    return { verdict: refuse(ErrorCode.NOT_A_PROJECT_MANAGER, 'only managers administer a project') };
  }
  switch (intent.type) {
    case IntentType.projectRename:
    case IntentType.projectPolicy:
      return { verdict: allow };
    case IntentType.projectMember: {
      const user = ctx.resolveUser ? ctx.resolveUser(intent.user) : intent.user;
      if (user === null) return { verdict: refuse(ErrorCode.UNKNOWN_USER, 'no such account', ['user']) };
      const current = roleIn(project, user);
      if (intent.role === null && current === undefined) {
        return { verdict: refuse(ErrorCode.NOT_SHARED_WITH_USER, 'not a member of this project', ['user']) };
      }
      const managers = Object.values(project.members).filter((r) => r === 'manager').length;
      if (current === 'manager' && intent.role !== 'manager' && managers === 1) {
        return { verdict: refuse(ErrorCode.LAST_MANAGER, 'a project keeps at least one manager', ['user']) };
      }
      if (current === undefined && ctx.mode === 'premium' && ctx.isConnected && user !== actor.username && !ctx.isConnected(actor.username, user)) {
        return { verdict: refuse(ErrorCode.NOT_CONNECTED, 'connect with this user first', ['user']) };
      }
      return { verdict: allow, user };
    }
    default: {
      const exhaustive: never = intent;
      return exhaustive;
    }
  }
}

/** The project after an allowed intent. */
export function applyProjectIntent(intent: ProjectIntent, plan: ProjectPlan, project: ProjectState): ProjectState {
  switch (intent.type) {
    case IntentType.projectCreate:
      return project;
    case IntentType.projectRename:
      return { ...project, name: intent.name };
    case IntentType.projectPolicy:
      return { ...project, policy: intent.policy };
    case IntentType.projectMember: {
      if (plan.user === undefined) return project;
      const members = { ...project.members };
      if (intent.role === null) delete members[plan.user];
      else members[plan.user] = intent.role;
      return { ...project, members };
    }
    default: {
      const exhaustive: never = intent;
      return exhaustive;
    }
  }
}
