import { useEffect, useState } from 'preact/hooks';
import type { State } from '../messages.ts';
import { Connections } from './connections.tsx';
import { useLive } from './hooks.ts';
import { ExperimentView } from './manager/experiment-view.tsx';
import { FamilyList } from './manager/family-list.tsx';
import { send } from './rpc.ts';
import { SharingDialog } from './sharing-dialog.tsx';
import { SignIn } from './sign-in.tsx';
import { SyncStatus } from './sync-status.tsx';
import { CurationQueue } from './manager/curation-queue.tsx';
import { FilterList, type Selection } from './manager/filters.tsx';
import { ProjectView } from './manager/project-view.tsx';
import { CreateForm } from './manager/create-form.tsx';
import { Inbox } from './inbox.tsx';
import { ListToolbar, useListTools } from './list-tools.tsx';
import { ImportArchive } from './manager/archive-buttons.tsx';

/**
 * The Experiment Manager, a full page: filters (fixed ones, one per project, and the staff's
 * curation queue), the Inbox of new shares and connection requests, search and order, linked
 * experiments grouped under their top-most ancestor (every matching row, windowed), the
 * selected project's people and policy, and the selected experiment's files, tags, gates and
 * actions. The selection lives in the URL (`#exp=ID`) so the popup can open the page on one
 * experiment.
 */
export { FILTERS } from './manager/filters.tsx';

/** Inbox rows the manager loads at most (the popup loads fewer). */
const INBOX_ROWS = 500;
const INBOX_HEIGHT = 180;

const selectedFromHash = () => new URLSearchParams(location.hash.slice(1)).get('exp');

export function ManagerApp() {
  // One experiment's content changing does not change the account, status or drafts.
  const { data: state } = useLive(() => send({ type: 'state' }), [], (c) => c.type !== 'experiment');
  if (!state) return <p class="loading">Loading…</p>;
  return (
    <div class="manager">
      <header class="manager-header">
        <h1>Experiment Manager</h1>
        {state.account && (
          <p class="account">
            Signed in as <strong>{state.account.username}</strong> on {state.account.server}{' '}
            <button type="button" class="link" onClick={() => void send({ type: 'logout' })}>Sign out</button>
          </p>
        )}
        {state.account && <ImportArchive />}
      </header>
      {state.account ? <Workspace state={state} me={state.account.username} staff={state.account.staff} /> : <main><SignIn /></main>}
    </div>
  );
}

function Workspace({ state, me, staff }: { state: State; me: string; staff: boolean }) {
  const [selection, setSelection] = useState<Selection>({ kind: 'filter', filter: 'all' });
  const tools = useListTools();
  const { search, sort } = tools;
  const [selected, setSelected] = useState<string | null>(selectedFromHash());
  const [sharing, setSharing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const projects = useLive(() => send({ type: 'projects' }), [], (c) => c.type === 'list' || c.type === 'account').data ?? [];
  const query = selection.kind === 'project' ? { filter: 'all' as const, projectId: selection.projectId } : { filter: selection.kind === 'filter' ? selection.filter : ('all' as const) };
  const listed = useLive(
    () => (selection.kind === 'curation' ? Promise.resolve(null) : send({ type: 'list', ...query, search, sort })),
    [JSON.stringify(selection), search, sort],
    (c) => c.type === 'list' || c.type === 'removed' || c.type === 'account',
  ).data;
  const project = selection.kind === 'project' ? projects.find((p) => p.id === selection.projectId) : undefined;

  useEffect(() => {
    const onHash = () => setSelected(selectedFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const select = (id: string) => {
    location.hash = `exp=${id}`;
    setSelected(id);
  };

  return (
    <>
      <SyncStatus state={state} onError={setError} />
      {error && <p role="alert" class="error">{error}</p>}
      <div class="columns">
        <nav aria-label="Filters" class="filters">
          <FilterList selection={selection} projects={projects} staff={staff} onChoose={setSelection} onError={setError} />
          <CreateForm label="New experiment" button="Create" name="new-experiment" create={(name) => send({ type: 'create', name })} onCreated={select} onError={setError} />
          {state.mode === 'premium' && <Connections />}
        </nav>
        <main class="list-pane" aria-label="Experiments">
          <Inbox rowTestId="inbox-row" count={state.inbox} me={me} height={INBOX_HEIGHT} most={INBOX_ROWS} onOpen={(row) => select(row.id)} onSharing={setSharing} onError={setError} />
          {selection.kind === 'curation' ? (
            <CurationQueue onOpen={select} />
          ) : (
            <>
              {selection.kind === 'project' && (project ? <ProjectView project={project} me={me} /> : <p class="loading">Loading the project…</p>)}
              <ListToolbar tools={tools} />
              {listed ? <FamilyList rows={listed.rows} me={me} selected={selected} onSelect={select} onSharing={setSharing} /> : <p class="loading">Loading…</p>}
            </>
          )}
        </main>
        <section class="detail-pane" aria-label="Selected experiment">
          {selected ? (
            // Keyed by the experiment: a draft typed into one never shows up in the next one's fields.
            <ExperimentView key={selected} id={selected} staff={staff} inTrash={selection.kind === 'filter' && selection.filter === 'trash'} projects={projects} onSharing={setSharing} onSelect={select} />
          ) : (
            <p class="empty">Select an experiment to see its files, tags and gates.</p>
          )}
        </section>
      </div>
      {sharing && <SharingDialog id={sharing} onClose={() => setSharing(null)} />}
    </>
  );
}
