import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { Account, State } from '../messages.ts';
import { Connections } from './connections.tsx';
import { ExperimentList } from './experiment-list.tsx';
import { useLive } from './hooks.ts';
import { FIRST_PAGE, once } from './popup-first-page.ts';
import { send } from './rpc.ts';
import { SharingDialog } from './sharing-dialog.tsx';
import { SignIn } from './sign-in.tsx';
import { SyncStatus } from './sync-status.tsx';
import { VerifyAddress } from './verify-address.tsx';
import { describe, errorCode } from './describe.ts';

/**
 * The toolbar popup: sign in, sync status, the Inbox of new direct shares, the searchable list
 * of experiments, the Sharing dialog one click away, and the way to the Experiment Manager.
 */
/**
 * The popup shows this many rows at most; more would only slow its opening down. It first asks
 * for a page a little longer than the visible window, and for the rest once scrolled near the
 * end: every row sent is also parsed on arrival, which the first paint does not need to wait for.
 */
const POPUP_ROWS = 100;
/** Visible heights of the popup's two lists, in pixels; their rows are windowed. */
const INBOX_HEIGHT = 180;
const LIST_HEIGHT = 288;

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
      <button type="button" class="link" onClick={() => void browser.tabs.create({ url: new URL('settings.html', location.href).href })}>
        Settings
      </button>
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
  const [limit, setLimit] = useState(FIRST_PAGE);
  const [inboxLimit, setInboxLimit] = useState(FIRST_PAGE);
  const list = () => send({ type: 'list', filter: 'all', search, limit });
  const listed = useLive(() => (search === '' && limit === FIRST_PAGE ? once('list', list) : list()), [search, limit], (c) => c.type === 'list' || c.type === 'removed' || c.type === 'account').data;
  const inbox = useLive(() => {
    const load = () => send({ type: 'inbox', limit: inboxLimit });
    return inboxLimit === FIRST_PAGE ? once('inbox', load) : load();
  }, [inboxLimit], (c) => c.type === 'list' || c.type === 'account').data;
  const markViewed = (id: string) => send({ type: 'markViewed', id }).catch((e: unknown) => setError(describe(errorCode(e))));

  return (
    <>
      <SyncStatus state={state} onError={setError} />
      {error && <p role="alert" class="error">{error}</p>}
      <VerifyAddress />
      <section aria-labelledby="inbox-title" class="inbox">
        <h2 id="inbox-title">Inbox{inbox && inbox.length > 0 ? ` (${Math.max(state.inbox, inbox.length)} new)` : ''}</h2>
        {inbox && inbox.length > 0 ? (
          <ExperimentList rows={inbox} me={me} label="New shares" testId="inbox" height={INBOX_HEIGHT} onSharing={setSharing} {...(state.inbox > inbox.length ? { onNearEnd: () => setInboxLimit(POPUP_ROWS) } : {})} extra={(row) => (
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
        {listed ? <ExperimentList rows={listed.rows} me={me} label="Experiments" height={LIST_HEIGHT} onSharing={setSharing} {...(listed.total > listed.rows.length ? { onNearEnd: () => setLimit(POPUP_ROWS) } : {})} empty={search ? 'No experiment matches.' : 'No experiments yet.'} /> : <p class="loading">Loading…</p>}
        {listed && listed.total > listed.rows.length && limit === POPUP_ROWS && (
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
