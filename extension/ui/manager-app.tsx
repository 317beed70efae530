import { useEffect, useState } from 'preact/hooks';
import type { State } from '../messages.ts';
import { Connections } from './connections.tsx';
import { describe, errorCode } from './describe.ts';
import { useLive } from './hooks.ts';
import { ExperimentView } from './manager/experiment-view.tsx';
import { FamilyList } from './manager/family-list.tsx';
import { send } from './rpc.ts';
import { SharingDialog } from './sharing-dialog.tsx';
import { SignIn } from './sign-in.tsx';
import { SyncStatus } from './sync-status.tsx';

/**
 * The Experiment Manager, a full page: filters, search, linked experiments grouped under their
 * top-most ancestor, and the selected experiment's tags and gates. The selection lives in the
 * URL (`#exp=ID`) so the popup can open the page on one experiment.
 */
export const FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'mine', label: 'Mine' },
  { value: 'shared', label: 'Shared with me' },
  { value: 'public', label: 'Public' },
  { value: 'curated', label: 'Curated' },
  { value: 'trash', label: 'Trash' },
] as const;
type Filter = (typeof FILTERS)[number]['value'];

/** Rows per page of the manager's list; "Show more" adds another page. */
const PAGE_ROWS = 500;

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
      </header>
      {state.account ? <Workspace state={state} me={state.account.username} /> : <main><SignIn /></main>}
    </div>
  );
}

function Workspace({ state, me }: { state: State; me: string }) {
  const [filter, setFilter] = useState<Filter>('all');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<string | null>(selectedFromHash());
  const [sharing, setSharing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [limit, setLimit] = useState(PAGE_ROWS);
  const listed = useLive(() => send({ type: 'list', filter, search, limit }), [filter, search, limit], (c) => c.type === 'list' || c.type === 'removed' || c.type === 'account').data;

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
          <ul>
            {FILTERS.map((f) => (
              <li key={f.value}>
                <button type="button" aria-pressed={filter === f.value} onClick={() => setFilter(f.value)}>{f.label}</button>
              </li>
            ))}
          </ul>
          <NewExperiment onCreated={select} onError={setError} />
          {state.mode === 'premium' && <Connections />}
        </nav>
        <main class="list-pane" aria-label="Experiments">
          <label class="search">
            Search experiments
            <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
          </label>
          {listed ? <FamilyList rows={listed.rows} me={me} selected={selected} onSelect={select} onSharing={setSharing} /> : <p class="loading">Loading…</p>}
          {listed && listed.total > listed.rows.length && (
            <p class="more">
              Showing {listed.rows.length} of {listed.total.toLocaleString('en')}.{' '}
              <button type="button" class="link" onClick={() => setLimit((n) => n + PAGE_ROWS)}>Show more</button>
            </p>
          )}
        </main>
        <section class="detail-pane" aria-label="Selected experiment">
          {selected ? <ExperimentView id={selected} onSharing={setSharing} /> : <p class="empty">Select an experiment to see its tags and gates.</p>}
        </section>
      </div>
      {sharing && <SharingDialog id={sharing} onClose={() => setSharing(null)} />}
    </>
  );
}

function NewExperiment({ onCreated, onError }: { onCreated: (id: string) => void; onError: (m: string) => void }) {
  const [name, setName] = useState('');
  return (
    <form
      class="new-experiment"
      onSubmit={(e) => {
        e.preventDefault();
        send({ type: 'create', name: name.trim() }).then(
          (created) => {
            setName('');
            onCreated(created.id);
          },
          (failure: unknown) => onError(describe(errorCode(failure))),
        );
      }}
    >
      <label>
        New experiment
        <input name="new-experiment" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <button type="submit" disabled={!name.trim()}>Create</button>
    </form>
  );
}
