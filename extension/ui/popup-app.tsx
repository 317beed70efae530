import { browser } from 'wxt/browser';
import { useState } from 'preact/hooks';
import type { Account, State } from '../messages.ts';
import type { ListSort } from '../core/list-order.ts';
import { Connections } from './connections.tsx';
import { ExperimentList, type RowAction } from './experiment-list.tsx';
import { useLive } from './hooks.ts';
import { Inbox } from './inbox.tsx';
import { openManager } from './open-manager.ts';
import { FIRST_PAGE, once } from './popup-first-page.ts';
import { rememberedSort } from './popup-prefetch-keys.ts';
import { send } from './rpc.ts';
import { SharingDialog } from './sharing-dialog.tsx';
import { SignIn } from './sign-in.tsx';
import { SortChoice } from './sort-choice.tsx';
import { SyncStatus } from './sync-status.tsx';
import { VerifyAddress } from './verify-address.tsx';

/**
 * The toolbar popup: sign in, sync status, the Inbox of new direct shares, the searchable and
 * sortable list of experiments (each opens in the Experiment Manager, its Sharing dialog one
 * key away), and the way to the manager. It never grows past a toolbar popup's 600 px: the
 * header, status and the manager link stay put and the lists scroll in the room between.
 */
/**
 * The popup shows this many rows at most; more would only slow its opening down. It first asks
 * for a page a little longer than the visible window, and for the rest once scrolled near the
 * end: every row sent is also parsed on arrival, which the first paint does not need to wait for.
 */
const POPUP_ROWS = 100;
/** First guesses of the lists' visible heights, in pixels; CSS gives them their real room. */
const INBOX_HEIGHT = 108;
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

function SignedIn({ state, me }: { state: State; me: string }) {
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<ListSort>(rememberedSort);
  const [sharing, setSharing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [limit, setLimit] = useState(FIRST_PAGE);
  const [initialSort] = useState(sort);
  const list = () => send({ type: 'list', filter: 'all', search, limit, sort });
  // The prefetched first page was asked for with the remembered order.
  const first = search === '' && limit === FIRST_PAGE && sort === initialSort;
  const listed = useLive(() => (first ? once('list', list) : list()), [search, limit, sort], (c) => c.type === 'list' || c.type === 'removed' || c.type === 'account').data;
  const open = (row: { id: string }) => void openManager(row.id).catch(() => setError('The Experiment Manager could not be opened.'));
  const actions: RowAction[] = [{ key: 's', label: 'Sharing', run: (row) => setSharing(row.id) }];

  return (
    <>
      <div class="popup-top">
        <SyncStatus state={state} onError={setError} />
        {error && <p role="alert" class="error">{error}</p>}
      </div>
      <div class="popup-body">
        <VerifyAddress />
        <Inbox count={state.inbox} me={me} height={INBOX_HEIGHT} most={POPUP_ROWS} onOpen={open} onSharing={setSharing} onError={setError} />
        <section aria-labelledby="list-title" class="list">
          <h2 id="list-title">Experiments</h2>
          <div class="list-tools">
            <label class="search">
              Search experiments
              <input type="search" value={search} placeholder="name, owner or tag" onInput={(e) => setSearch(e.currentTarget.value)} />
            </label>
            <SortChoice sort={sort} onSort={setSort} />
          </div>
          {listed ? (
            <ExperimentList rows={listed.rows} me={me} label="Experiments" height={LIST_HEIGHT} onOpen={open} actions={actions} {...(listed.total > listed.rows.length ? { onNearEnd: () => setLimit(POPUP_ROWS) } : {})} empty={search ? 'No experiment matches.' : 'No experiments yet.'} />
          ) : (
            <p class="loading">Loading…</p>
          )}
          {listed && listed.total > listed.rows.length && limit === POPUP_ROWS && (
            <p class="more" role="status">
              Showing {listed.rows.length} of {listed.total.toLocaleString('en')}. Search to narrow the list, or open the Experiment Manager.
            </p>
          )}
        </section>
        {state.mode === 'premium' && <Connections />}
      </div>
      <footer>
        <button type="button" class="link" onClick={() => void openManager().catch(() => setError('The Experiment Manager could not be opened.'))}>
          Open the Experiment Manager
        </button>
      </footer>
      {sharing && <SharingDialog id={sharing} onClose={() => setSharing(null)} />}
    </>
  );
}
