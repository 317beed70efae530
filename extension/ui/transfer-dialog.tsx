import { useEffect, useRef, useState } from 'preact/hooks';
import type { StayReason, TransferOfferAnswer } from '../../shared/schemas/transfers.ts';
import type { View } from '../messages.ts';
import type { SharePerson } from '../core/share-people.ts';
import { describe, errorCode } from './describe.ts';
import { send } from './rpc.ts';
import { PersonCombobox } from './sharing/person-combobox.tsx';

/**
 * "Transfer ownership…" for the owner (`cytoshare transfer ID USER [--leave] [--family]`): the
 * receiver (suggested like the Sharing dialog's people), whether the owner leaves, and for a
 * linked experiment whether the owner's other linked experiments move too; then a confirmation
 * saying what happens, then the server's answer: what moves and what stays. A modal <dialog>,
 * so focus stays inside it and Escape closes it, as in the Sharing dialog.
 */
type Step = { at: 'form' } | { at: 'confirm' } | { at: 'done'; answer: TransferOfferAnswer; names: Map<string, string> };

const stayWords: Record<StayReason, string> = {
  'not-yours': 'not yours to give',
  'not-asked': 'linked experiments were not included',
  trashed: 'in the trash',
};

// Someone else's linked experiment may not be in the owner's lists: it is named only if it is.
const nameOf = (names: Map<string, string>, id: string) => (names.has(id) ? `“${names.get(id)}”` : 'A linked experiment');

export function TransferDialog({ view, onClose }: { view: View; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [user, setUser] = useState('');
  const [leave, setLeave] = useState(false);
  const [family, setFamily] = useState(false);
  const [people, setPeople] = useState<SharePerson[]>([]);
  const [step, setStep] = useState<Step>({ at: 'form' });
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const linked = view.family.filter((f) => f !== view.id);
  const who = user.trim();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // Suggestions come from the replica, as the Sharing dialog's: nobody else's names are looked up.
    send({ type: 'sharePeople' }).then((p) => setPeople(p.people), () => setPeople([]));
  }, []);

  const offer = async () => {
    setBusy(true);
    setRefusal(null);
    try {
      const answer = await send({ type: 'offerTransfer', id: view.id, user: who, ...(leave ? { leave } : {}), ...(family ? { family } : {}) });
      const names = new Map<string, string>();
      const staying = answer.staying.map((s) => s.experimentId);
      if (staying.length > 0) for (const row of (await send({ type: 'list', filter: 'all', ids: staying }).catch(() => ({ rows: [] }))).rows) names.set(row.id, row.name);
      setStep({ at: 'done', answer, names });
    } catch (failure) {
      setRefusal(describe(errorCode(failure)));
      setStep({ at: 'form' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} class="sharing-dialog transfer-dialog" aria-labelledby="transfer-title" onClose={onClose} data-testid="transfer-dialog">
      <header>
        <h2 id="transfer-title">Transfer ownership: {view.name}</h2>
        <button type="button" class="close" onClick={() => ref.current?.close()} aria-label="Close transfer dialog">×</button>
      </header>
      {step.at === 'form' && (
        <form
          class="share-form"
          aria-label="Offer ownership"
          onSubmit={(event) => {
            event.preventDefault();
            if (who.length >= 2) setStep({ at: 'confirm' });
          }}
        >
          <PersonCombobox label="New owner (username or email)" value={user} onInput={setUser} people={people} exclude={new Set([view.owner])} disabled={busy} />
          <label class="check">
            <input type="checkbox" checked={leave} onChange={(e) => setLeave(e.currentTarget.checked)} />
            I leave the experiment
          </label>
          {linked.length > 0 && (
            <label class="check">
              <input type="checkbox" checked={family} onChange={(e) => setFamily(e.currentTarget.checked)} />
              Move the linked experiments I own too
            </label>
          )}
          <button type="submit" disabled={who.length < 2}>Continue…</button>
        </form>
      )}
      {step.at === 'confirm' && (
        <div class="transfer-confirm" role="group" aria-labelledby="transfer-confirm-text">
          <p id="transfer-confirm-text" data-testid="transfer-confirm">
            {who} is offered ownership of “{view.name}”{family ? ' and the linked experiments you own' : ''}. Nothing changes until
            they accept; you can cancel the offer until then. Once accepted, {who} is the owner and{' '}
            {leave ? 'you no longer have access.' : 'you keep full access.'}
          </p>
          <button type="button" disabled={busy} onClick={() => void offer()}>Offer ownership</button>{' '}
          <button type="button" disabled={busy} onClick={() => setStep({ at: 'form' })}>Back</button>
        </div>
      )}
      {step.at === 'done' && (
        <div role="status" data-testid="transfer-offered">
          <p>Offered to {step.answer.transfer.receiver}; it waits for their answer.</p>
          <p>Moves on acceptance: {step.answer.transfer.experiments.map((e) => `“${e.name}”`).join(', ')}.</p>
          {step.answer.staying.length > 0 && (
            <ul aria-label="Linked experiments that stay">
              {step.answer.staying.map((s) => (
                <li key={s.experimentId}>
                  {nameOf(step.names, s.experimentId)} stays with {s.owner} ({stayWords[s.reason]}).
                </li>
              ))}
            </ul>
          )}
          <button type="button" onClick={() => ref.current?.close()}>Done</button>
        </div>
      )}
      {refusal && <p role="alert" class="error" data-testid="transfer-refusal">{refusal}</p>}
    </dialog>
  );
}
