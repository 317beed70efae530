import { ErrorCode } from '../codes.ts';
import { AccessLevel, type Actor, type SharingState } from '../schemas/entities.ts';
import type { ProjectState } from '../schemas/project.ts';
import { accessOf } from './access.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * Who may read an experiment's sharing history: the people who make those decisions (the owner,
 * also while it is in the trash, and full access) and staff, who
 * curate and answer for the server. A reader without the sharing right would learn who else was
 * given or refused access, so they are refused; a stranger learns only NOT_A_READER.
 */
export function checkHistoryRead(exp: SharingState, actor: Actor, project: ProjectState | null): Verdict {
  if (actor.staff) return allow;
  const level = accessOf(exp, actor.username, project);
  if (level === AccessLevel.owner || level === AccessLevel.full) return allow;
  if (level === AccessLevel.none) return refuse(ErrorCode.NOT_A_READER, 'no access to this experiment');
  return refuse(ErrorCode.NOT_A_SHARING_MANAGER, 'only the owner and people with full access see the sharing history');
}
