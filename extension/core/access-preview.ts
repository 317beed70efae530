import type * as Y from 'yjs';
import { readSharing } from '../../shared/doc-layout.ts';
import { checkExplain, explainAccess, hiddenFrom, type AccessExplanation } from '../../shared/rules/access-explain.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import { RuleRefusal } from './contract.ts';
import type { ExperimentView } from './contract.ts';
import { experimentView } from './lists.ts';
import { replicaProject } from './replica-project.ts';

/**
 * "Why does this person have access" and "show it as they see it", from the replica: the
 * experiment's sharing state and its project as the server mirrors them into the document. Only
 * the owner and full access may ask (the rules' sharing right); nobody signs in as anyone.
 */
export type AccessPreview = AccessExplanation & {
  /** What stays out of the person's sight or reach: `experiment` (everything), `history`, `downloads`. */
  hidden: string[];
  /** The experiment as the person's client would show it; null when they cannot see it. */
  view: ExperimentView | null;
};

type Replica = { doc: Y.Doc | null; sharing: SharingState; known: ReadonlyMap<string, SharingState>; fallbackName: string | null; projects: ReadonlyMap<string, ProjectState> };

function decide(replica: Replica, asker: Actor): { state: SharingState; project: ProjectState | null } {
  // As it stands by this device's clock: an ended share is no source of access (as `show` has it).
  const state = inForce((replica.doc ? readSharing(replica.doc, replica.sharing.id) : null) ?? replica.sharing, Date.now());
  const project = replicaProject(replica.doc, state, replica.projects);
  const verdict = checkExplain(state, asker, project);
  if (!verdict.ok) throw new RuleRefusal(verdict.code, verdict.message, verdict.path);
  return { state, project };
}

export function explainIn(replica: Replica, asker: Actor, user: string): AccessExplanation {
  const { state, project } = decide(replica, asker);
  return explainAccess(state, user, project);
}

export function previewIn(replica: Replica, asker: Actor, user: string): AccessPreview {
  const { state, project } = decide(replica, asker);
  const explanation = explainAccess(state, user, project);
  const projects = new Map(replica.projects);
  if (project) projects.set(project.id, project);
  const view = explanation.access === 'none' ? null : experimentView(replica.doc, state, { username: user, staff: false }, replica.known, replica.fallbackName, projects);
  return { ...explanation, hidden: hiddenFrom(state, user, project), view };
}

/**
 * The view's access rows, each with its "why" (every source of the person's access, strongest
 * first), for those who may ask (owner and full access); for anyone else the rows as they are.
 */
export function withWhy(view: ExperimentView, replica: Replica): ExperimentView {
  if (!view.can.manageSharing) return view;
  // As it stands by this device's clock: an ended share is no source of access (as `show` has it).
  const state = inForce((replica.doc ? readSharing(replica.doc, replica.sharing.id) : null) ?? replica.sharing, Date.now());
  const project = replicaProject(replica.doc, state, replica.projects);
  return { ...view, access: view.access.map((row) => ({ ...row, why: explainAccess(state, row.user, project).sources.map((s) => s.detail).join('; ') })) };
}
