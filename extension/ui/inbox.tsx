import { useState } from 'preact/hooks';
import type { FirstPage, ShownRow } from '../popup-snapshot.ts';
import { ExperimentList, type RowAction } from './experiment-list.tsx';
import { useLive } from './hooks.ts';
import { send } from './lazy-rpc.ts';
import { FIRST_PAGE, once } from './popup-first-page.ts';
import { lazyComponent } from './lazy-component.tsx';

/** Offers of ownership: loaded after the first paint, like the other parts the list does not need. */
const TransferOffers = lazyComponent(() => import('./transfers.tsx').then((m) => m.TransferOffers));

/**
 * The Inbox of the popup and the manager: direct shares not yet marked viewed. It shows the
 * first page at once and the rest (up to `most`) when scrolled near the end; `count` is the
 * worker's count of all of them. `first`: the popup's snapshot of it, shown until the worker answers.
 */
type Props = {
  rowTestId?: string;
  count: number;
  me: string;
  height: number;
  most: number;
  first?: FirstPage | undefined;
  onOpen: (row: ShownRow) => void;
  onSharing: (id: string) => void;
  onError: (message: string) => void;
};

export function Inbox({ rowTestId, count, me, height, most, first, onOpen, onSharing, onError }: Props) {
  const [limit, setLimit] = useState(FIRST_PAGE);
  const live = useLive(() => {
    const load = () => send({ type: 'inbox', limit });
    return limit === FIRST_PAGE ? once('inbox', load) : load();
  }, [limit], (c) => c.type === 'list' || c.type === 'account').data;
  const inbox: ShownRow[] | undefined = live ?? first?.rows;
  const markViewed = (row: ShownRow) =>
    void send({ type: 'markViewed', id: row.id }).catch(async (e: unknown) => {
      const { describe, errorCode } = await import('./describe.ts');
      onError(describe(errorCode(e)));
    });
  const actions: RowAction[] = [
    { key: 's', label: 'Sharing', run: (row) => onSharing(row.id) },
    { key: 'v', label: 'Mark as viewed', run: markViewed },
  ];
  return (
    <section aria-labelledby="inbox-title" class="inbox">
      <h2 id="inbox-title">Inbox{inbox && inbox.length > 0 ? ` (${Math.max(count, inbox.length)} new)` : ''}</h2>
      <TransferOffers onError={onError} />
      {inbox && inbox.length > 0 ? (
        <ExperimentList rows={inbox} me={me} label="New shares" testId="inbox" height={height} onOpen={onOpen} actions={actions} {...(rowTestId ? { rowTestId } : {})} {...(count > inbox.length ? { onNearEnd: () => setLimit(most) } : {})} />
      ) : (
        <p class="empty">Nothing new shared with you.</p>
      )}
    </section>
  );
}
