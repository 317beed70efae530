import { send } from '../rpc.ts';
import type { ProjectChoice } from './experiment-actions.tsx';
import { CreateForm } from './create-form.tsx';

/**
 * The manager's filter list: the fixed filters, one entry per project of the user, and for
 * staff the curation queue. The choice is one value (`Selection`) so the list, the project
 * view and the queue all follow from it.
 */
export const FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'mine', label: 'Mine' },
  { value: 'shared', label: 'Shared with me' },
  { value: 'public', label: 'Public' },
  { value: 'curated', label: 'Curated' },
  { value: 'trash', label: 'Trash' },
] as const;
export type Filter = (typeof FILTERS)[number]['value'];

export type Selection = { kind: 'filter'; filter: Filter } | { kind: 'project'; projectId: string } | { kind: 'curation' };

export const roleWords: Record<string, string> = { manager: 'Manager', leader: 'Leader', member: 'Member' };

type Props = { selection: Selection; projects: ProjectChoice[]; staff: boolean; onChoose: (s: Selection) => void; onError: (m: string) => void };

export function FilterList({ selection, projects, staff, onChoose, onError }: Props) {
  const pressed = (s: Selection) => JSON.stringify(s) === JSON.stringify(selection);
  return (
    <>
      <ul>
        {FILTERS.map((f) => {
          const s: Selection = { kind: 'filter', filter: f.value };
          return (
            <li key={f.value}>
              <button type="button" aria-pressed={pressed(s)} onClick={() => onChoose(s)}>{f.label}</button>
            </li>
          );
        })}
      </ul>
      <h2 id="projects-title">Projects</h2>
      {projects.length === 0 ? (
        <p class="empty">You are in no project.</p>
      ) : (
        <ul aria-labelledby="projects-title" data-testid="project-filters">
          {projects.map((p) => {
            const s: Selection = { kind: 'project', projectId: p.id };
            return (
              <li key={p.id}>
                <button type="button" aria-pressed={pressed(s)} onClick={() => onChoose(s)} aria-label={`Project ${p.name}`}>
                  {p.name} <span class="role">({roleWords[p.role] ?? p.role})</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <CreateForm
        label="New project"
        button="Create project"
        name="new-project"
        create={(name) => send({ type: 'createProject', name })}
        onError={onError}
        onCreated={(id) => onChoose({ kind: 'project', projectId: id })}
      />
      {staff && (
        <>
          <h2>Staff</h2>
          <ul>
            <li>
              <button type="button" aria-pressed={selection.kind === 'curation'} onClick={() => onChoose({ kind: 'curation' })}>Curation queue</button>
            </li>
          </ul>
        </>
      )}
    </>
  );
}
