import { useEffect, useRef } from 'preact/hooks';
import type { SharePerson } from '../core/share-people.ts';
import type { WaitingShareEntry } from '../../shared/schemas/connection-entry.ts';
import type { Draft, Request, View } from '../messages.ts';
import { describe, errorCode, sharingLockReason } from './describe.ts';
import { useLive } from './hooks.ts';
import { GlobeIcon, PendingIcon } from './icons.tsx';
import { send, watchExperiment } from './rpc.ts';
import { AccessRowText } from './sharing/access-rows.tsx';
import { CopyLinks } from './sharing/copy-link.tsx';
import { PublicSection } from './sharing/public-section.tsx';
import { ReviewLinks } from './sharing/review-links.tsx';
import { ShareForm } from './sharing/share-form.tsx';
import { GroupRows, groupSuggestions } from './sharing/group-rows.tsx';
import { useAction } from './use-action.ts';

/**
 * The Sharing dialog (the seed's "overview of the state of sharing"): who has access and why
 * (role and, for restricted project members, what the policy leaves them), add people with
 * suggestions and an optional mail message, connect-then-share on premium servers (the share
 * waits, shown here, until they accept), remove, public or private (asked first), copy links, reviewer links,
 * the linked experiments a change also affects, the drafts still waiting, and every refusal in
 * plain words. Controls the user may not use stay visible but disabled, with the reason.
 */
type Loaded = {
  view: View;
  drafts: Draft[];
  names: Map<string, string>;
  people: SharePerson[];
  waiting: WaitingShareEntry[];
  server: string | null;
  premium: boolean;
};

async function load(id: string): Promise<Loaded> {
  // Groups live on the server: offline, the dialog simply suggests none.
  const [view, state, sharePeople, groups] = await Promise.all([
    send({ type: 'show', id }),
    send({ type: 'state' }),
    send({ type: 'sharePeople' }),
    send({ type: 'groups' }).catch(() => []),
  ]);
  const names = new Map<string, string>();
  const linked = view.family.filter((f) => f !== id);
  if (linked.length > 0) for (const row of (await send({ type: 'list', filter: 'all', ids: linked })).rows) names.set(row.id, row.name);
  const drafts = state.drafts.filter((d) => d.experimentId === id && d.kind === 'intent');
  const waiting = sharePeople.waiting.filter((w) => w.experimentId === id);
  return { view, drafts, names, people: [...sharePeople.people, ...groupSuggestions(groups)], waiting, server: state.account?.server ?? null, premium: state.mode === 'premium' };
}

export function SharingDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const { data, error } = useLive(() => load(id), [id], (c) => c.type !== 'status' && (c.type !== 'experiment' || c.experimentId === id));
  const { act, refusal } = useAction();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  // While open, the worker keeps this experiment live: accepted shares show as they happen.
  useEffect(() => watchExperiment(id), [id]);

  return (
    <dialog ref={ref} class="sharing-dialog" aria-labelledby="sharing-title" aria-busy={!data && error === null} onClose={onClose} data-testid="sharing-dialog">
      <header>
        <h2 id="sharing-title">Sharing{data ? `: ${data.view.name}` : ''}</h2>
        <button type="button" class="close" onClick={() => ref.current?.close()} aria-label="Close sharing dialog">
          ×
        </button>
      </header>
      {!data && error === null && (
        <p role="status" class="loading" data-testid="sharing-loading">
          <PendingIcon /> Loading who has access…
        </p>
      )}
      {error !== null && !data && <p role="alert" class="error">{describe(errorCode(error))}</p>}
      {data && <SharingBody {...data} act={act} />}
      {refusal && (
        <p role="alert" class="error" data-testid="sharing-refusal">
          {refusal}
        </p>
      )}
    </dialog>
  );
}

function SharingBody({ view, drafts, names, people, waiting, server, premium, act }: Loaded & { act: (r: Request) => Promise<boolean> }) {
  const lock = sharingLockReason(view);
  const pending = drafts.filter((d) => d.state === 'pending');
  const rejected = drafts.filter((d) => d.state === 'rejected');
  const pendingFor = (type: string, who?: string) =>
    pending.some((d) => d.kind === 'intent' && d.intent.type === type && (who === undefined || ('user' in d.intent && d.intent.user === who)));
  const granted = new Set(view.access.map((a) => a.user));
  const waitingForConnection = waiting.filter((w) => w.state === 'waiting' && !granted.has(w.user));
  const refusedAfterWaiting = waiting.filter((w) => w.state === 'refused' && !granted.has(w.user));
  const listed = new Set([...granted, ...waitingForConnection.map((w) => w.user)]);
  const unsynced = pending.flatMap((d) => (d.kind === 'intent' && d.intent.type === 'share' && !listed.has(d.intent.user) ? [d.intent.user] : []));
  const linked = view.family.filter((f) => f !== view.id);

  return (
    <div class="sharing-body">
      {lock && <p class="lock" id="sharing-lock">{lock}</p>}
      <h3>Who has access</h3>
      <ul class="access-list" aria-label="People with access">
        {view.access.map((a) => (
          <li key={a.user} data-testid={`access-${a.user}`}>
            <span class="who">{a.user}</span>
            <AccessRowText row={a} />
            {pendingFor('unshare', a.user) && <span class="pending"><PendingIcon /> removal pending</span>}
            {a.via === 'direct' && (
              <select
                aria-label={`Role of ${a.user}`}
                data-testid={`role-choice-${a.user}`}
                value={a.role === 'viewer' ? 'viewer' : 'full'}
                disabled={lock !== null}
                onChange={(e) => act({ type: 'share', id: view.id, user: a.user, notify: false, role: e.currentTarget.value === 'viewer' ? 'viewer' : 'full', ...(a.until !== undefined ? { until: a.until } : {}) })}
              >
                <option value="full">Full access</option>
                <option value="viewer">Can view</option>
              </select>
            )}
            {a.via === 'direct' && (
              <button type="button" disabled={lock !== null} aria-describedby={lock ? 'sharing-lock' : undefined} onClick={() => act({ type: 'unshare', id: view.id, user: a.user })} aria-label={`Remove ${a.user}`}>
                Remove
              </button>
            )}
          </li>
        ))}
        {waitingForConnection.map((w) => (
          <li key={`waiting-${w.user}`} class="pending-row" data-testid={`access-${w.user}`}>
            <span class="who">{w.user}</span>
            <span class="pending"><PendingIcon /> waiting for {w.user} to accept your connection</span>
          </li>
        ))}
        {unsynced.map((u) => (
          <li key={`pending-${u}`} class="pending-row" data-testid={`access-${u}`}>
            <span class="who">{u}</span>
            <span class="pending"><PendingIcon /> share pending — waiting to sync</span>
          </li>
        ))}
        {view.public && (
          <li>
            <span class="who"><GlobeIcon /> Everyone on this server</span>
            <span class="why">Public: can view, download and clone, not edit</span>
          </li>
        )}
      </ul>
      {refusedAfterWaiting.length > 0 && (
        <ul class="rejected" aria-label="Shares refused after waiting for a connection">
          {refusedAfterWaiting.map((w) => (
            <li key={`refused-${w.user}`} data-testid={`refused-${w.user}`}>
              <strong>Not shared with {w.user}:</strong> {describe(w.code ?? undefined)}
            </li>
          ))}
        </ul>
      )}
      <GroupRows view={view} lock={lock} onRemove={(group) => act({ type: 'shareGroup', id: view.id, group, unshare: true })} />
      <ShareForm id={view.id} people={people} exclude={listed} lock={lock} premium={premium} />
      <PublicSection
        name={view.name}
        isPublic={view.public}
        publishAt={view.publishAt ?? null}
        pending={pendingFor('publish') || pendingFor('unpublish')}
        lock={lock}
        onChange={(makePublic) => act({ type: makePublic ? 'publish' : 'unpublish', id: view.id })}
      />
      <CopyLinks id={view.id} server={server} />
      {view.can.manageSharing && <ReviewLinks id={view.id} />}
      {linked.length > 0 && (
        <>
          <h3>Linked experiments</h3>
          <p>Sharing changes here also apply to these linked experiments you may manage:</p>
          <ul class="linked" aria-label="Linked experiments">
            {linked.map((f) => (
              <li key={f}>{names.get(f) ?? f}</li>
            ))}
          </ul>
        </>
      )}
      {rejected.length > 0 && (
        <ul class="rejected" aria-label="Refused sharing changes">
          {rejected.map((d) => (
            <li key={d.id}>
              <strong>Not accepted:</strong> {d.description}. {describe(d.code)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
