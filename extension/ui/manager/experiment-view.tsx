import { useEffect, useState } from 'preact/hooks';
import type { AccessPreview, Request } from '../../messages.ts';
import { describe, editLockReason, errorCode, exportLockReason } from '../describe.ts';
import { DraftInput } from '../draft-input.tsx';
import { useLive } from '../hooks.ts';
import { PendingMark, RowIcons } from '../icons.tsx';
import { send, watchExperiment } from '../rpc.ts';
import { ExperimentActions, type ProjectChoice } from './experiment-actions.tsx';
import { FilesSection } from './files-section.tsx';
import { FiguresSection } from './figures-section.tsx';
import { GatesList } from './gates-list.tsx';
import { HistorySection } from './history-section.tsx';
import { PlotPanel, type PlotChoice } from './plot-panel.tsx';
import { TagsTable } from './tags-table.tsx';
import { ViewAsControl, ViewAsPreview } from './view-as.tsx';
import { PendingTransfer } from '../transfers.tsx';
import { TransferDialog } from '../transfer-dialog.tsx';

/**
 * One experiment in the manager: name, sharing summary, files, sample tags, gates, and the
 * actions on the whole experiment. Everything is editable live when the view's `can` allows
 * it, and read-only with the reason otherwise. While shown, the worker keeps the experiment's
 * live connection open (`watchExperiment`), so other people's edits arrive as they happen.
 */
type Props = { id: string; staff: boolean; inTrash: boolean; projects: ProjectChoice[]; onSharing: (id: string) => void; onSelect: (id: string) => void };

export function ExperimentView({ id, staff, inTrash, projects, onSharing, onSelect }: Props) {
  // `drafts`: a pending mark goes when its edit is accepted, which changes nothing else here.
  const { data: view, error } = useLive(() => send({ type: 'show', id }), [id], (c) => (c.type === 'experiment' && c.experimentId === id) || c.type === 'list' || c.type === 'account' || c.type === 'drafts');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [plotChoice, setPlotChoice] = useState<PlotChoice | null>(null);
  const [preview, setPreview] = useState<AccessPreview | null>(null);
  // Bumped when the transfer dialog closes, so the pending offer (asked of the server) is read again.
  const [transferring, setTransferring] = useState(false);
  const [transfers, setTransfers] = useState(0);
  useEffect(() => watchExperiment(id), [id]);
  useEffect(() => {
    setRefusal(null);
    setPreview(null);
  }, [id]);

  if (!view) return error ? <p role="alert" class="error">{describe(errorCode(error))}</p> : <p class="loading">Loading…</p>;
  if (preview) return <ViewAsPreview preview={preview} onExit={() => setPreview(null)} />;
  const lock = editLockReason(view);
  const editable = lock === null;
  const act = (request: Request): Promise<unknown> => {
    setRefusal(null);
    return send(request).catch((e: unknown) => {
      setRefusal(describe(errorCode(e)));
      return null;
    });
  };

  return (
    <article class="experiment-view" aria-labelledby="exp-title" data-testid="experiment-view">
      <header>
        {editable ? (
          <span class="exp-name">
            <DraftInput id="exp-title" value={view.name} label="Experiment name" maxLength={200} valid={(name) => name.trim() !== ''} onCommit={(name) => act({ type: 'rename', id, name: name.trim() })} />
            {view.pendingFields?.name && <PendingMark label="New name waiting to sync" />}
          </span>
        ) : (
          <h2 id="exp-title">{view.name}{view.pendingFields?.name && <PendingMark label="New name waiting to sync" />}</h2>
        )}
        <RowIcons row={{ public: view.public, curated: view.curated, sharedWithOthers: view.access.length > 1 }} />
        <button type="button" onClick={() => onSharing(id)}>Sharing…</button>
      </header>
      {view.can.manageSharing && <ViewAsControl id={id} onPreview={setPreview} />}
      <p class="meta">
        Owner: {view.owner}. {view.access.length - 1} {view.access.length === 2 ? 'other person has' : 'other people have'} access.
        {view.public ? ' Public.' : ''}
      </p>
      {editable ? (
        <div class="purpose"><span aria-hidden="true">Purpose</span> <DraftInput value={view.purpose} label="Purpose" multiline maxLength={5000} onCommit={(purpose) => act({ type: 'setPurpose', id, purpose })} />{view.pendingFields?.purpose && <PendingMark label="Purpose waiting to sync" />}</div>
      ) : view.purpose && <p class="purpose">Purpose: {view.purpose}</p>}
      {view.can.trash && <PendingTransfer key={transfers} id={id} onError={setRefusal} />}
      {view.can.trash && !view.trashed && <button type="button" onClick={() => setTransferring(true)}>Transfer ownership…</button>}
      {transferring && <TransferDialog view={view} onClose={() => { setTransferring(false); setTransfers((n) => n + 1); }} />}
      {lock && <p class="lock" data-testid="read-only">Read-only: {lock}</p>}
      {refusal && <p role="alert" class="error" data-testid="action-refusal">{refusal}</p>}
      <FilesSection view={view} />
      <TagsTable view={view} editable={editable} onSet={(file, dimension, value) => act({ type: 'setTag', id, file, dimension, value })} />
      <PlotPanel view={view} editable={editable} onAdd={(gate) => void act({ type: 'addGate', id, gate })} onChoice={setPlotChoice} />
      <GatesList
        view={view}
        editable={editable}
        onAdd={(gate) => void act({ type: 'addGate', id, gate })}
        onChange={(gateId, gate) => act({ type: 'setGate', id, gateId, gate })}
        onRemove={(gateId) => void act({ type: 'removeGate', id, gateId })}
        exportLock={exportLockReason(view)}
        onExport={(gateId) => void act({ type: 'exportGate', id, gateId }).then((created) => created && onSelect((created as { id: string }).id))}
      />
      <FiguresSection view={view} choice={plotChoice} act={act} />
      <ExperimentActions view={view} staff={staff} inTrash={inTrash} projects={projects} act={act} onCreated={onSelect} />
      {/* The owner (`trash` is theirs alone), full access and staff read the history. */}
      {(view.can.manageSharing || view.can.trash || staff) && <HistorySection id={id} />}
    </article>
  );
}
