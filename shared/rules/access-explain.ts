import type { Actor, SharingState } from '../schemas/entities.ts';
import type { ProjectState } from '../schemas/project.ts';
import { accessSources, can, Capability, grantRole, type AccessSource } from './access.ts';
import { checkHistoryRead } from './history.ts';
import type { Verdict } from './verdict.ts';

/**
 * The answer to "why does this person have access": every source, strongest first, and the one
 * that decides. `access` is the access level the rules give: owner, full, restricted (a project
 * member under a restricted policy), viewer (a direct share with the viewer role), public (any
 * account, the experiment being public) or none. `decidedBy` is the source giving that level,
 * null when nothing gives access.
 */
export type AccessExplanation = {
  user: string;
  access: AccessSource['level'] | 'none';
  sources: Array<{ via: AccessSource['via']; role: string; level: AccessSource['level']; detail: string }>;
  decidedBy: AccessSource['via'] | null;
};

/** Why `user` reaches `exp`, from the same sources `accessOf` ranks (so the two never disagree). */
export function explainAccess(exp: SharingState, user: string, project?: ProjectState | null): AccessExplanation {
  const sources = accessSources(exp, user, project).map((source) => ({ via: source.via, role: roleOf(source), level: source.level, detail: detailOf(source) }));
  return { user, access: sources[0]?.level ?? 'none', sources, decidedBy: sources[0]?.via ?? null };
}

function roleOf(source: AccessSource): string {
  switch (source.via) {
    case 'owner':
      return 'owner';
    case 'direct':
      return grantRole(source.grant);
    case 'project':
      return source.role;
    case 'group':
      return 'full';
    case 'public':
      return 'public';
  }
}

function detailOf(source: AccessSource): string {
  switch (source.via) {
    case 'owner':
      return 'owns the experiment';
    case 'direct':
      return `shared ${grantRole(source.grant) === 'viewer' ? 'to view' : 'with full access'} by ${source.grant.by} on ${new Date(source.grant.at).toISOString().slice(0, 10)}`;
    case 'project':
      return `${source.role} in project ${source.projectId} (${source.level} access)`;
    case 'group':
      return `member of group ${source.name} (${source.groupId})`;
    case 'public':
      return 'the experiment is public';
  }
}

/**
 * Who may ask why someone has access, or preview the experiment as them: those who decide it,
 * the owner and full access (the sharing right). Anyone else gets that right's usual refusal.
 */
export function checkExplain(exp: SharingState, actor: Actor, project?: ProjectState | null): Verdict {
  return can(exp, actor, Capability.manageSharing, project);
}

/** What stays out of a person's sight or reach, section by section, for a preview as them. */
export function hiddenFrom(exp: SharingState, user: string, project?: ProjectState | null): string[] {
  const actor = { username: user, staff: false };
  if (!can(exp, actor, Capability.view, project).ok) return ['experiment'];
  const hidden: string[] = [];
  if (!checkHistoryRead(exp, actor, project ?? null).ok) hidden.push('history');
  if (!can(exp, actor, Capability.download, project).ok) hidden.push('downloads');
  return hidden;
}
