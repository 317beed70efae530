import type { Draft, State } from '../messages.ts';
import { describe, errorCode, statusWords } from './describe.ts';
import { send } from './rpc.ts';

/**
 * Sync at a glance: connection status, how many drafts wait, and every rejected draft with the
 * reason in plain words, to dismiss or try again. Also the notices of experiments whose access
 * was removed while the user was away.
 */
export function SyncStatus({ state, onError }: { state: State; onError: (message: string) => void }) {
  const pending = state.drafts.filter((d) => d.state === 'pending');
  const rejected = state.drafts.filter((d) => d.state === 'rejected');
  // "Syncing" means changes are on their way; with none waiting, the connection is simply up.
  const status = state.status === 'syncing' && pending.length === 0 ? 'online' : state.status;
  const act = (request: Parameters<typeof send>[0]) => send(request).catch((e: unknown) => onError(describe(errorCode(e))));

  return (
    <section class="sync-status" aria-label="Sync status">
      <p class={`status status-${status}`} data-testid="status">
        <span class="dot" aria-hidden="true" />
        {statusWords[status] ?? status}
        {pending.length > 0 && (
          <span class="pending-count" data-testid="pending-count">
            {' · '}
            {pending.length} {pending.length === 1 ? 'change' : 'changes'} waiting to sync
          </span>
        )}
        {state.status !== 'signed-out' && (
          <button type="button" class="link" onClick={() => act({ type: 'sync' })}>
            Sync now
          </button>
        )}
      </p>
      {rejected.length > 0 && (
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

function RejectedDraft({ draft, act }: { draft: Draft; act: (r: Parameters<typeof send>[0]) => Promise<unknown> }) {
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
