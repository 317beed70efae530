import { useState } from 'preact/hooks';
import type { Draft, State } from '../messages.ts';
import { describe, errorCode, statusWords } from './describe.ts';
import { pendingEntries, stateWords, type PendingEntry } from './pending.ts';
import { send } from './rpc.ts';

/**
 * Sync at a glance: connection status, how many changes wait, and every rejected draft with the
 * reason in plain words, to dismiss or try again. The count opens the list of every change not
 * yet accepted (drafts and kept uploads): what it is, waiting / sending / refused, and the reason
 * once refused. Also the notices of experiments whose access was removed while the user was away.
 */
export function SyncStatus({ state, onError }: { state: State; onError: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const entries = pendingEntries(state);
  const waiting = entries.filter((e) => e.state !== 'refused');
  const refusedCount = entries.length - waiting.length;
  const rejected = state.drafts.filter((d) => d.state === 'rejected');
  // "Syncing" means changes are on their way; with none waiting, the connection is simply up.
  const status = state.status === 'syncing' && waiting.length === 0 ? 'online' : state.status;
  const act = (request: Parameters<typeof send>[0]) => send(request).catch((e: unknown) => onError(describe(errorCode(e))));
  const discardUpload = async (id: string) => {
    if (!state.account) return;
    const { keptUploads } = await import('./kept-uploads.ts');
    await keptUploads(state.account).remove(id);
    await act({ type: 'uploadsChanged' });
  };

  return (
    <section class="sync-status" aria-label="Sync status">
      <p class={`status status-${status}`} data-testid="status">
        <span class="dot" aria-hidden="true" />
        {statusWords[status] ?? status}
        {entries.length > 0 && (
          <>
            {' · '}
            <button type="button" class="link pending-toggle" aria-expanded={open} aria-controls={open ? 'pending-list' : undefined} onClick={() => setOpen(!open)}>
              {waiting.length > 0 ? (
                <span class="pending-count" data-testid="pending-count">
                  {waiting.length} {waiting.length === 1 ? 'change' : 'changes'} waiting to sync
                </span>
              ) : (
                `${refusedCount} ${refusedCount === 1 ? 'change' : 'changes'} not accepted`
              )}
            </button>
          </>
        )}
        {state.status !== 'signed-out' && (
          <button type="button" class="link" onClick={() => act({ type: 'sync' })}>
            Sync now
          </button>
        )}
      </p>
      {open && entries.length > 0 && (
        <ul id="pending-list" class="pending-list" aria-label="Changes not yet accepted" data-testid="pending-list">
          {entries.map((entry) => (
            <PendingItem key={entry.id} entry={entry} act={act} discardUpload={discardUpload} />
          ))}
        </ul>
      )}
      {!open && rejected.length > 0 && (
        <ul class="rejected" aria-label="Rejected changes">
          {rejected.map((draft) => (
            <RejectedDraft key={draft.id} draft={draft} act={act} />
          ))}
        </ul>
      )}
      {state.notices.length > 0 && (
        <ul class="notices" aria-label="Access removed">
          {state.notices.map((notice) => (
            <li key={notice.id} class="notice" role="status">
              <span>
                <strong>{notice.name}</strong>: {describe(notice.code)} Your copy was removed.
              </span>
              <button type="button" onClick={() => act({ type: 'dismissNotice', id: notice.id })} aria-label={`Dismiss notice about ${notice.name}`}>
                Dismiss
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Act = (r: Parameters<typeof send>[0]) => Promise<unknown>;

function PendingItem({ entry, act, discardUpload }: { entry: PendingEntry; act: Act; discardUpload: (id: string) => Promise<void> }) {
  return (
    <li class={`pending-entry state-${entry.state}`} data-testid="pending-entry" data-state={entry.state}>
      <span class="what">{entry.what}</span> <span class="state">{stateWords[entry.state]}</span>
      {entry.reason && <span class="reason"> {entry.reason}</span>}
      {entry.state === 'refused' && (
        <span class="actions">
          {entry.retry && (
            <button type="button" onClick={() => act({ type: 'retry', draftId: entry.id })} aria-label={`Retry: ${entry.what}`}>
              Retry
            </button>
          )}
          {entry.kind === 'draft' ? (
            <button type="button" onClick={() => act({ type: 'dismiss', draftId: entry.id })} aria-label={`Dismiss: ${entry.what}`}>
              Dismiss
            </button>
          ) : (
            <button type="button" onClick={() => void discardUpload(entry.id)} aria-label={`Discard: ${entry.what}`}>
              Discard
            </button>
          )}
        </span>
      )}
    </li>
  );
}

function RejectedDraft({ draft, act }: { draft: Draft; act: Act }) {
  return (
    <li class="rejected-draft" data-testid="rejected-draft">
      <span>
        <strong>Not accepted:</strong> {draft.description}. <span class="reason">{describe(draft.code)}</span>
      </span>
      <span class="actions">
        {draft.kind === 'intent' && (
          <button type="button" onClick={() => act({ type: 'retry', draftId: draft.id })} aria-label={`Retry: ${draft.description}`}>
            Retry
          </button>
        )}
        <button type="button" onClick={() => act({ type: 'dismiss', draftId: draft.id })} aria-label={`Dismiss: ${draft.description}`}>
          Dismiss
        </button>
      </span>
    </li>
  );
}

