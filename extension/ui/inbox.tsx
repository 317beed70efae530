import { useState } from 'preact/hooks';
import type { Row } from '../messages.ts';
import { describe, errorCode } from './describe.ts';
import { ExperimentList, type RowAction } from './experiment-list.tsx';
import { useLive } from './hooks.ts';
import { FIRST_PAGE, once } from './popup-first-page.ts';
import { send } from './rpc.ts';
import { TransferOffers } from './transfers.tsx';

/**
 * The Inbox of the popup and the manager: direct shares not yet marked viewed. It shows the
 * first page at once and the rest (up to `most`) when scrolled near the end; `count` is the
 * worker's count of all of them.
 */
type Props = { rowTestId?: string; count: number; me: string; height: number; most: number; onOpen: (row: Row) => void; onSharing: (id: string) => void; onError: (message: string) => void };

export function Inbox({ rowTestId, count, me, height, most, onOpen, onSharing, onError }: Props) {
  const [limit, setLimit] = useState(FIRST_PAGE);
  const inbox = useLive(() => {
    const load = () => send({ type: 'inbox', limit });
    return limit === FIRST_PAGE ? once('inbox', load) : load();
  }, [limit], (c) => c.type === 'list' || c.type === 'account').data;
  const actions: RowAction[] = [
    { key: 's', label: 'Sharing', run: (row) => onSharing(row.id) },
    { key: 'v', label: 'Mark as viewed', run: (row) => void send({ type: 'markViewed', id: row.id }).catch((e: unknown) => onError(describe(errorCode(e)))) },
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
