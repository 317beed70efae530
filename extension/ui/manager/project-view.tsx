import { useState } from 'preact/hooks';
import { describeCode, ErrorCode } from '../../../shared/codes.ts';
import type { Request, Row } from '../../messages.ts';
import { useLive } from '../hooks.ts';
import { send } from '../rpc.ts';
import type { ProjectChoice } from './experiment-actions.tsx';
import { roleWords } from './filters.tsx';
import { PolicyForm, policyWords } from './project-policy.tsx';
import { useAction } from '../use-action.ts';

/**
 * A project: its people with their roles, what members may do, and (for managers) the forms to
 * change both and to add experiments. The project's experiments are the list below it. Whoever
 * is not a manager sees the same controls disabled, with the reason.
 */
const ROLES = ['manager', 'leader', 'member'] as const;
type Role = (typeof ROLES)[number];

export function ProjectView({ project: choice, me }: { project: ProjectChoice; me: string }) {
  const { data: project } = useLive(() => send({ type: 'project', projectId: choice.id }), [choice.id], (c) => c.type === 'list' || c.type === 'account');
  const { act, refusal } = useAction();
  const lock = choice.role === 'manager' ? null : describeCode(ErrorCode.NOT_A_PROJECT_MANAGER);

  return (
    <section class="project-view" aria-labelledby="project-title" data-testid="project-view">
      <h2 id="project-title">Project: {choice.name}</h2>
      <p class="meta">Your role: {roleWords[choice.role] ?? choice.role}.{project ? ` Members get ${policyWords(project.policy)}.` : ''}</p>
      {lock && <p class="lock" id="project-lock">{lock}</p>}
      {refusal && <p role="alert" class="error" data-testid="project-refusal">{refusal}</p>}
      {!project ? (
        <p class="loading">Loading the project…</p>
      ) : (
        <>
          <h3>People</h3>
          <ul class="members" aria-label="Project members" data-testid="project-members">
            {Object.entries(project.members)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([user, role]) => (
                <li key={user} data-testid={`member-${user}`}>
                  <span class="who">{user}{user === me ? ' (you)' : ''}</span>
                  <label class="inline">
                    <span class="visually-hidden">Role of {user}</span>
                    <select value={role} disabled={lock !== null} aria-describedby={lock ? 'project-lock' : undefined} onChange={(e) => void act({ type: 'setProjectMember', projectId: project.id, user, role: e.currentTarget.value as Role })}>
                      {ROLES.map((r) => <option key={r} value={r}>{roleWords[r]}</option>)}
                    </select>
                  </label>
                  <button type="button" class="secondary" disabled={lock !== null} aria-describedby={lock ? 'project-lock' : undefined} onClick={() => void act({ type: 'setProjectMember', projectId: project.id, user, role: null })} aria-label={`Remove ${user} from the project`}>
                    Remove
                  </button>
                </li>
              ))}
          </ul>
          <AddMember lock={lock} onAdd={(user, role) => act({ type: 'setProjectMember', projectId: project.id, user, role })} />
          <PolicyForm policy={project.policy} lock={lock} onSave={(policy) => act({ type: 'setProjectPolicy', projectId: project.id, policy })} />
          <AddExperiment projectId={project.id} lock={lock} act={act} />
        </>
      )}
    </section>
  );
}

function AddMember({ lock, onAdd }: { lock: string | null; onAdd: (user: string, role: Role) => Promise<boolean> }) {
  const [user, setUser] = useState('');
  const [role, setRole] = useState<Role>('member');
  return (
    <form
      class="inline-form"
      aria-label="Add a person to the project"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onAdd(user.trim(), role)) setUser('');
      }}
    >
      <label>
        Add a person (username or email)
        <input value={user} disabled={lock !== null} onInput={(e) => setUser(e.currentTarget.value)} required minLength={2} />
      </label>
      <label>
        As
        <select value={role} disabled={lock !== null} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          {ROLES.map((r) => <option key={r} value={r}>{roleWords[r]}</option>)}
        </select>
      </label>
      <button type="submit" disabled={lock !== null || user.trim().length < 2} aria-describedby={lock ? 'project-lock' : undefined}>Add person</button>
    </form>
  );
}

/** Experiments the user could add: those they may manage that are in no project yet. */
function AddExperiment({ projectId, lock, act }: { projectId: string; lock: string | null; act: (r: Request) => Promise<boolean> }) {
  const { data } = useLive(() => send({ type: 'list', filter: 'all', limit: 500 }), [], (c) => c.type === 'list' || c.type === 'account');
  const [chosen, setChosen] = useState('');
  const candidates = (data?.rows ?? []).filter((r: Row) => r.projectId === null && (r.access === 'owner' || r.access === 'full'));
  const reason = lock ?? (data && candidates.length === 0 ? 'None of your experiments is outside a project.' : null);
  return (
    <form
      class="inline-form"
      aria-label="Add an experiment to the project"
      onSubmit={async (e) => {
        e.preventDefault();
        if (chosen && (await act({ type: 'move', id: chosen, projectId }))) setChosen('');
      }}
    >
      <label>
        Add an experiment
        <select value={chosen} disabled={reason !== null} onChange={(e) => setChosen(e.currentTarget.value)}>
          <option value="">Choose an experiment…</option>
          {candidates.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
        </select>
      </label>
      <button type="submit" disabled={reason !== null || !chosen}>Add to project</button>
      {reason && reason !== lock && <span class="why">{reason}</span>}
    </form>
  );
}
