import { useState } from 'preact/hooks';
import type { TransferSummary } from '../../shared/schemas/transfers.ts';
import { describe, errorCode } from './describe.ts';
import { useLive } from './hooks.ts';
import { send } from './rpc.ts';

/**
 * Transfers of ownership in the pages: offers made to the account (in the Inbox, with Accept and
 * Decline) and the owner's own offer waiting on an experiment (with Cancel). Both ask the server
 * (offers live there only); offline they show nothing, and the Inbox's shares show as ever.
 */
const useTransfers = () => useLive(() => send({ type: 'transfers' }), [], (c) => c.type === 'list' || c.type === 'account');

const what = (t: TransferSummary) => t.experiments.map((e) => `“${e.name}”`).join(', ');

function useAnswer(reload: () => void, onError: (message: string) => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const answer = (transferId: string, verb: 'accept' | 'decline' | 'cancel') => {
    setBusy(transferId);
    send({ type: 'answerTransfer', transferId, answer: verb })
      .catch((e: unknown) => onError(describe(errorCode(e))))
      .finally(() => {
        setBusy(null);
        reload();
      });
  };
  return { busy, answer };
}

/** Offers made to the account: nothing of the experiment is theirs to see until they accept. */
export function TransferOffers({ onError }: { onError: (message: string) => void }) {
  const { data, reload } = useTransfers();
  const { busy, answer } = useAnswer(reload, onError);
  const offers = data?.incoming ?? [];
  if (offers.length === 0) return null;
  return (
    <ul class="transfer-offers" aria-label="Ownership offered to you">
      {offers.map((t) => (
        <li key={t.id} data-testid="transfer-offer">
          <span>
            {t.giver} offers you ownership of {what(t)}
            {t.leave ? ` (${t.giver} would no longer have access)` : ` (${t.giver} keeps full access)`}.
          </span>{' '}
          <button type="button" disabled={busy === t.id} onClick={() => answer(t.id, 'accept')}>Accept</button>{' '}
          <button type="button" disabled={busy === t.id} onClick={() => answer(t.id, 'decline')}>Decline</button>
        </li>
      ))}
    </ul>
  );
}

/** The owner's offer of this experiment, while it waits for an answer. */
export function PendingTransfer({ id, onError }: { id: string; onError: (message: string) => void }) {
  const { data, reload } = useTransfers();
  const { busy, answer } = useAnswer(reload, onError);
  const pending = data?.outgoing.find((t) => t.experiments.some((e) => e.id === id));
  if (!pending) return null;
  return (
    <p class="transfer-pending" data-testid="transfer-pending">
      Transfer pending to {pending.receiver}
      {pending.leave ? ' (you leave on acceptance)' : ''}.{' '}
      <button type="button" disabled={busy === pending.id} onClick={() => answer(pending.id, 'cancel')}>Cancel transfer</button>
    </p>
  );
}
