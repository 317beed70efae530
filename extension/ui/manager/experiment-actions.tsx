import { useState } from 'preact/hooks';
import { describeCode, ErrorCode } from '../../../shared/codes.ts';
import type { Request, View } from '../../messages.ts';
import { cloneLockReason, sharingLockReason, trashLockReason } from '../describe.ts';
import { ExportArchive } from './archive-buttons.tsx';

/**
 * What can be done to the experiment as a whole: clone it (everything or the files only,
 * linked or not), move it into or out of a project, move it to the trash and back, delete it
 * for good (only from the Trash filter, after a confirmation), ask staff to curate it, and for
 * staff, mark it curated. Every control the user may not use stays visible, disabled, with
 * the reason next to it.
 */
export type ProjectChoice = { id: string; name: string; role: string };
type Props = {
  view: View;
  staff: boolean;
  inTrash: boolean;
  projects: ProjectChoice[];
  act: (request: Request) => Promise<unknown>;
  onCreated: (id: string) => void;
};

export function ExperimentActions({ view, staff, inTrash, projects, act, onCreated }: Props) {
  return (
    <section aria-labelledby="actions-title" class="exp-actions">
      <h3 id="actions-title">Copies, project and trash</h3>
      {!view.trashed && <Clone view={view} act={act} onCreated={onCreated} />}
      {!view.trashed && <ProjectMove view={view} projects={projects} act={act} />}
      <Lifecycle view={view} inTrash={inTrash} act={act} />
      {!view.trashed && <Curation view={view} staff={staff} act={act} />}
      {!view.trashed && <ExportArchive view={view} />}
    </section>
  );
}

function Clone({ view, act, onCreated }: Pick<Props, 'view' | 'act' | 'onCreated'>) {
  const [filesOnly, setFilesOnly] = useState(false);
  const [linked, setLinked] = useState(false);
  const lock = cloneLockReason(view, filesOnly);
  // A linked clone joins this experiment's family, which takes the right to change its sharing.
  const linkLock = linked ? sharingLockReason(view) : null;
  const reason = lock ?? linkLock;
  return (
    <form
      class="clone-form"
      aria-label="Clone"
      onSubmit={(e) => {
        e.preventDefault();
        void act({ type: 'clone', id: view.id, linked, filesOnly }).then((created) => {
          if (created && typeof created === 'object' && 'id' in created) onCreated(String(created.id));
        });
      }}
    >
      <fieldset>
        <legend>Clone</legend>
        <label class="inline"><input type="radio" name="clone-what" checked={!filesOnly} onChange={() => setFilesOnly(false)} /> Everything (files, tags, gates)</label>
        <label class="inline"><input type="radio" name="clone-what" checked={filesOnly} onChange={() => setFilesOnly(true)} /> Files only</label>
        <label class="inline"><input type="checkbox" checked={linked} onChange={(e) => setLinked(e.currentTarget.checked)} /> Linked to this experiment</label>
      </fieldset>
      <button type="submit" disabled={reason !== null} aria-describedby={reason ? 'clone-lock' : undefined}>Clone</button>
      {reason && <p class="lock" id="clone-lock" data-testid="clone-lock">{reason}</p>}
    </form>
  );
}

function ProjectMove({ view, projects, act }: Pick<Props, 'view' | 'projects' | 'act'>) {
  const managed = projects.filter((p) => p.role === 'manager' && p.id !== view.projectId);
  const [target, setTarget] = useState('');
  const current = projects.find((p) => p.id === view.projectId);
  const sharing = sharingLockReason(view);
  const managesCurrent = view.projectId === null || current?.role === 'manager';
  const removeLock = sharing ?? (managesCurrent ? null : describeCode(ErrorCode.NOT_A_PROJECT_MANAGER));
  const addLock = sharing ?? (!managesCurrent ? describeCode(ErrorCode.NOT_A_PROJECT_MANAGER) : managed.length === 0 ? 'You manage no other project.' : null);
  return (
    <div class="project-move">
      <p>Project: <strong data-testid="exp-project">{view.projectId ? (current?.name ?? 'a project you are not in') : 'none'}</strong></p>
      {view.projectId && (
        <button type="button" class="secondary" disabled={removeLock !== null} aria-describedby={removeLock ? 'move-lock' : undefined} onClick={() => void act({ type: 'move', id: view.id, projectId: null })}>
          Remove from project
        </button>
      )}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (target) void act({ type: 'move', id: view.id, projectId: target });
        }}
      >
        <label>
          Add to project
          <select value={target} disabled={addLock !== null} onChange={(e) => setTarget(e.currentTarget.value)}>
            <option value="">Choose a project…</option>
            {managed.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </label>
        <button type="submit" disabled={addLock !== null || !target} aria-describedby={addLock ? 'move-lock' : undefined}>Add</button>
      </form>
      {(addLock ?? removeLock) && <p class="lock" id="move-lock">{removeLock ?? addLock}</p>}
    </div>
  );
}

function Lifecycle({ view, inTrash, act }: Pick<Props, 'view' | 'inTrash' | 'act'>) {
  const [confirming, setConfirming] = useState(false);
  const lock = trashLockReason(view);
  if (!view.trashed) {
    return (
      <p class="lifecycle">
        <button type="button" class="secondary" disabled={lock !== null} aria-describedby={lock ? 'trash-lock' : undefined} onClick={() => void act({ type: 'trash', id: view.id })}>
          Move to trash
        </button>
        {lock && <span class="why" id="trash-lock"> {lock}</span>}
      </p>
    );
  }
  return (
    <div class="lifecycle">
      <p class="lock">In the trash.{inTrash ? '' : ' Open the Trash filter to delete it for good.'}</p>
      <button type="button" disabled={lock !== null} onClick={() => void act({ type: 'restore', id: view.id })}>Restore</button>{' '}
      {inTrash && !confirming && (
        <button type="button" class="danger" disabled={lock !== null} onClick={() => setConfirming(true)}>Delete for good…</button>
      )}
      {confirming && (
        <div role="group" aria-labelledby="confirm-delete" class="confirm">
          <p id="confirm-delete"><strong>Delete “{view.name}” for good?</strong> Its files, tags and gates are removed for everyone. This cannot be undone.</p>
          <button type="button" class="danger" onClick={() => void act({ type: 'deleteForGood', id: view.id }).finally(() => setConfirming(false))}>Delete for good</button>{' '}
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>Cancel</button>
        </div>
      )}
    </div>
  );
}

function Curation({ view, staff, act }: Pick<Props, 'view' | 'staff' | 'act'>) {
  const [requested, setRequested] = useState<string | null>(null);
  const owner = view.can.trash === true;
  if (!staff && !owner) return null;
  const notPublic = view.public ? null : describeCode(ErrorCode.NOT_PUBLIC);
  const asked = requested === view.id;
  return (
    <p class="curation">
      {view.curated && <span>Curated by staff. </span>}
      {owner && !view.curated && !asked && (
        <button
          type="button"
          class="secondary"
          disabled={notPublic !== null}
          aria-describedby={notPublic ? 'curation-lock' : undefined}
          onClick={() => void act({ type: 'requestCuration', id: view.id }).then((answer) => answer !== null && setRequested(view.id))}
        >
          Request curation
        </button>
      )}
      {owner && !view.curated && asked && <span role="status">Curation requested: staff will review it.</span>}{' '}
      {staff && (
        <button type="button" class="secondary" disabled={notPublic !== null} aria-describedby={notPublic ? 'curation-lock' : undefined} onClick={() => void act({ type: 'curate', id: view.id, curated: !view.curated })}>
          {view.curated ? 'Unmark curated' : 'Mark curated'}
        </button>
      )}
      {notPublic && <span class="why" id="curation-lock"> {notPublic}</span>}
    </p>
  );
}
