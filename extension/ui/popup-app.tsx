import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { State } from '../messages.ts';
import type { PopupSnapshot, ShownRow } from '../popup-snapshot.ts';
import { ExperimentList, type RowAction } from './experiment-list.tsx';
import { useLive } from './hooks.ts';
import { Inbox } from './inbox.tsx';
import { lazyComponent } from './lazy-component.tsx';
import { holdRpc, send } from './lazy-rpc.ts';
import { ListToolbar, useListTools } from './list-tools.tsx';
import { openManager } from './open-manager.ts';
import { FIRST_PAGE, firstSnapshot, once } from './popup-first-page.ts';

/**
 * The toolbar popup: sign in, sync status, the Inbox of new direct shares, the searchable and
 * sortable list of experiments (each opens in the Experiment Manager, its Sharing dialog one
 * key away), and the way to the manager. It never grows past a toolbar popup's 600 px: the
 * header, status and the manager link stay put and the lists scroll in the room between.
 *
 * It first draws the snapshot the worker left (popup-snapshot.ts): the account, the first page
 * of the list and of the Inbox, with only Preact and the list in its first script. Once that is
 * painted, the message schemas, the sync status and the rest load, and the worker's answers
 * replace the snapshot. Without a snapshot (signed out, a list changed a moment ago, none written
 * yet) it waits for the worker, as it always did.
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

const releaseRpc = holdRpc();
const SignIn = lazyComponent(() => import('./sign-in.tsx').then((m) => m.SignIn));
const SyncStatus = lazyComponent(() => import('./sync-status.tsx').then((m) => m.SyncStatus), StatusUnknown);
const VerifyAddress = lazyComponent(() => import('./verify-address.tsx').then((m) => m.VerifyAddress));
const Connections = lazyComponent(() => import('./connections.tsx').then((m) => m.Connections));
const SharingDialog = lazyComponent(() => import('./sharing-dialog.tsx').then((m) => m.SharingDialog));

export function PopupApp() {
  // One experiment's content changing does not change the account, status or drafts.
  const { data: state } = useLive(() => once('state', () => send({ type: 'state' })), [], (c) => c.type !== 'experiment');
  const snapshot = useSnapshot(state);
  const known = snapshot !== undefined;
  // After the paint (a Preact effect runs after it): the snapshot is on screen, or there is none.
  useEffect(() => {
    if (known) releaseRpc();
  }, [known]);
  const account = state ? state.account : snapshot?.account;
  if (account === undefined) return <p class="loading">Loading…</p>;
  return (
    <main class="popup">
      <header class="popup-header">
        <h1>Cytoshare</h1>
        {account && <AccountMenu username={account.username} />}
      </header>
      {account ? <SignedIn state={state} snapshot={snapshot ?? null} me={account.username} /> : <SignIn />}
    </main>
  );
}

/**
 * The snapshot, once read: undefined until then, null when there is none. One of another
 * account than the worker's (a sign-out and in meanwhile) is never shown.
 */
function useSnapshot(state: State | undefined): PopupSnapshot | null | undefined {
  const [snapshot, setSnapshot] = useState<PopupSnapshot | null | undefined>(undefined);
  useLayoutEffect(() => void firstSnapshot().then(setSnapshot), []);
  if (!snapshot || !state) return snapshot;
  const same = state.account?.server === snapshot.account.server && state.account.username === snapshot.account.username;
  return same ? snapshot : null;
}

function AccountMenu({ username }: { username: string }) {
  return (
    <p class="account">
      <span>{username}</span>
      <button type="button" class="link" onClick={() => void browser.tabs.create({ url: new URL('settings.html', location.href).href })}>
        Settings
      </button>
      <button type="button" class="link" onClick={() => void send({ type: 'logout' })}>
        Sign out
      </button>
    </p>
  );
}

/** The status line's place while the worker has not said yet: the layout does not move when it does. */
function StatusUnknown() {
  return (
    <section class="sync-status" aria-label="Sync status">
      <p class="status" data-testid="status">
        <span class="dot" aria-hidden="true" />
        Checking…
      </p>
    </section>
  );
}

function SignedIn({ state, snapshot, me }: { state: State | undefined; snapshot: PopupSnapshot | null; me: string }) {
  const tools = useListTools();
  const { search, sort } = tools;
  const [sharing, setSharing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [limit, setLimit] = useState(FIRST_PAGE);
  const [initialSort] = useState(sort);
  const list = () => send({ type: 'list', filter: 'all', search, limit, sort });
  // The prefetched first page was asked for with the remembered order.
  const first = search === '' && limit === FIRST_PAGE && sort === initialSort;
  const live = useLive(() => (first ? once('list', list) : list()), [search, limit, sort], (c) => c.type === 'list' || c.type === 'removed' || c.type === 'account').data;
  // Until the worker's first answer, the snapshot's first page in the chosen order.
  const listed: { rows: ShownRow[]; total: number } | undefined = live ?? (search === '' ? snapshot?.lists[sort] : undefined);
  const open = (row: { id: string }) => void openManager(row.id).catch(() => setError('The Experiment Manager could not be opened.'));
  const actions: RowAction[] = [{ key: 's', label: 'Sharing', run: (row) => setSharing(row.id) }];

  return (
    <>
      <div class="popup-top">
        {state ? <SyncStatus state={state} onError={setError} /> : <StatusUnknown />}
        {error && <p role="alert" class="error">{error}</p>}
      </div>
      <div class="popup-body">
        {state && <VerifyAddress />}
        <Inbox count={state?.inbox ?? snapshot?.inbox.total ?? 0} me={me} height={INBOX_HEIGHT} most={POPUP_ROWS} first={snapshot?.inbox} onOpen={open} onSharing={setSharing} onError={setError} />
        <section aria-labelledby="list-title" class="list">
          <h2 id="list-title">Experiments</h2>
          <ListToolbar tools={tools} />
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
        {state?.mode === 'premium' && <Connections />}
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
