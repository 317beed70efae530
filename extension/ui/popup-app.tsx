import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { Account, State } from '../messages.ts';
import { Connections } from './connections.tsx';
import { ExperimentList } from './experiment-list.tsx';
import { useLive } from './hooks.ts';
import { send } from './rpc.ts';
import { SharingDialog } from './sharing-dialog.tsx';
import { SignIn } from './sign-in.tsx';
import { SyncStatus } from './sync-status.tsx';
import { describe, errorCode } from './describe.ts';

/**
 * The toolbar popup: sign in, sync status, the Inbox of new direct shares, the searchable list
 * of experiments, the Sharing dialog one click away, and the way to the Experiment Manager.
 */
/** The popup shows this many rows at most; more would only slow its opening down. */
const POPUP_ROWS = 100;
/** Visible heights of the popup's two lists, in pixels; their rows are windowed. */
const INBOX_HEIGHT = 180;
const LIST_HEIGHT = 288;

/**
 * The popup asks for everything its first screen shows at once, as the script starts, instead of
 * one round trip after another (state, then the lists once state says who is signed in). When
 * nobody is signed in the list answers are refused and simply never used.
 */
const first = {
  state: send({ type: 'state' }),
  list: send({ type: 'list', filter: 'all', search: '', limit: POPUP_ROWS }),
  inbox: send({ type: 'inbox', limit: POPUP_ROWS }),
};
first.list.catch(() => {});
first.inbox.catch(() => {});
const used = new Set<keyof typeof first>();
// Signed out at first: whoever signs in next must get fresh lists, not the refused ones.
first.state.then((state) => {
  if (!state.account) ['list', 'inbox'].forEach((key) => used.add(key as keyof typeof first));
}, () => {});

/** The prefetched answer the first time, a fresh request afterwards. */
function once<K extends keyof typeof first>(key: K, load: () => (typeof first)[K]): (typeof first)[K] {
  if (used.has(key)) return load();
  used.add(key);
  return first[key];
}

export function PopupApp() {
  // One experiment's content changing does not change the account, status or drafts.
  const { data: state } = useLive(() => once('state', () => send({ type: 'state' })), [], (c) => c.type !== 'experiment');
  if (!state) return <p class="loading">Loading…</p>;
  return (
    <main class="popup">
      <header class="popup-header">
        <h1>Cytoshare</h1>
        {state.account && <AccountMenu account={state.account} />}
      </header>
      {state.account ? <SignedIn state={state} me={state.account.username} /> : <SignIn />}
    </main>
  );
}

function AccountMenu({ account }: { account: Account }) {
  return (
    <p class="account">
      <span>{account.username}</span>
      <button type="button" class="link" onClick={() => void send({ type: 'logout' })}>
        Sign out
      </button>
    </p>
  );
}

export function openManager(experimentId?: string): void {
  const url = new URL('manager.html', location.href).href.split('#')[0] + (experimentId ? `#exp=${experimentId}` : '');
  void browser.tabs.create({ url });
}

function SignedIn({ state, me }: { state: State; me: string }) {
  const [search, setSearch] = useState('');
  const [sharing, setSharing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = () => send({ type: 'list', filter: 'all', search, limit: POPUP_ROWS });
  const listed = useLive(() => (search === '' ? once('list', list) : list()), [search], (c) => c.type === 'list' || c.type === 'removed' || c.type === 'account').data;
  const inbox = useLive(() => once('inbox', () => send({ type: 'inbox', limit: POPUP_ROWS })), [], (c) => c.type === 'list' || c.type === 'account').data;
  const markViewed = (id: string) => send({ type: 'markViewed', id }).catch((e: unknown) => setError(describe(errorCode(e))));

  return (
    <>
      <SyncStatus state={state} onError={setError} />
      {error && <p role="alert" class="error">{error}</p>}
      <section aria-labelledby="inbox-title" class="inbox">
        <h2 id="inbox-title">Inbox{inbox && inbox.length > 0 ? ` (${Math.max(state.inbox, inbox.length)} new)` : ''}</h2>
        {inbox && inbox.length > 0 ? (
          <ExperimentList rows={inbox} me={me} label="New shares" testId="inbox" height={INBOX_HEIGHT} onSharing={setSharing} extra={(row) => (
            <button type="button" onClick={() => markViewed(row.id)} aria-label={`Mark as viewed: ${row.name}`}>Mark as viewed</button>
          )} />
        ) : (
          <p class="empty">Nothing new shared with you.</p>
        )}
      </section>
      <section aria-labelledby="list-title" class="list">
        <h2 id="list-title">Experiments</h2>
        <label class="search">
          Search experiments
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        {listed ? <ExperimentList rows={listed.rows} me={me} label="Experiments" height={LIST_HEIGHT} onSharing={setSharing} empty={search ? 'No experiment matches.' : 'No experiments yet.'} /> : <p class="loading">Loading…</p>}
        {listed && listed.total > listed.rows.length && (
          <p class="more" role="status">
            Showing {listed.rows.length} of {listed.total.toLocaleString('en')}. Search to narrow the list, or open the Experiment Manager.
          </p>
        )}
      </section>
      {state.mode === 'premium' && <Connections />}
      <footer>
        <button type="button" class="link" onClick={() => openManager()}>
          Open the Experiment Manager
        </button>
      </footer>
      {sharing && <SharingDialog id={sharing} onClose={() => setSharing(null)} />}
    </>
  );
}
