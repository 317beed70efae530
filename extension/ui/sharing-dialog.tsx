import { useEffect, useRef, useState } from 'preact/hooks';
import type { Draft, Request, View } from '../messages.ts';
import { describe, errorCode, sharingLockReason } from './describe.ts';
import { useLive } from './hooks.ts';
import { GlobeIcon, PendingIcon } from './icons.tsx';
import { send, watchExperiment } from './rpc.ts';
import { useAction } from './use-action.ts';

/**
 * The Sharing dialog (the seed's "overview of the state of sharing"): who has access and why,
 * add by username or email, remove, public or private, the linked experiments a change also
 * affects, the drafts still waiting, and every refusal in plain words. Controls the user may
 * not use stay visible but disabled, with the reason next to them.
 */
const viaWords: Record<string, string> = {
  owner: 'Owner',
  direct: 'Full access, shared directly',
  'project-manager': 'Full access as a manager of the project',
  'project-member': 'Access as a member of the project',
};

type Loaded = { view: View; drafts: Draft[]; names: Map<string, string> };

async function load(id: string): Promise<Loaded> {
  const [view, state] = await Promise.all([send({ type: 'show', id }), send({ type: 'state' })]);
  const names = new Map<string, string>();
  const linked = view.family.filter((f) => f !== id);
  if (linked.length > 0) for (const row of (await send({ type: 'list', filter: 'all', ids: linked })).rows) names.set(row.id, row.name);
  const drafts = state.drafts.filter((d) => d.experimentId === id && d.kind === 'intent');
  return { view, drafts, names };
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
    <dialog ref={ref} class="sharing-dialog" aria-labelledby="sharing-title" onClose={onClose} data-testid="sharing-dialog">
      <header>
        <h2 id="sharing-title">Sharing{data ? `: ${data.view.name}` : ''}</h2>
        <button type="button" class="close" onClick={() => ref.current?.close()} aria-label="Close sharing dialog">
          ×
        </button>
      </header>
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

function SharingBody({ view, drafts, names, act }: Loaded & { act: (r: Request) => Promise<boolean> }) {
  const [user, setUser] = useState('');
  const lock = sharingLockReason(view);
  const pending = drafts.filter((d) => d.state === 'pending');
  const rejected = drafts.filter((d) => d.state === 'rejected');
  const pendingFor = (type: string, who?: string) =>
    pending.some((d) => d.kind === 'intent' && d.intent.type === type && (who === undefined || ('user' in d.intent && d.intent.user === who)));
  const granted = new Set(view.access.map((a) => a.user));
  const waitingShares = pending.flatMap((d) => (d.kind === 'intent' && d.intent.type === 'share' && !granted.has(d.intent.user) ? [d.intent.user] : []));
  const linked = view.family.filter((f) => f !== view.id);

  const share = async (event: Event) => {
    event.preventDefault();
    if (await act({ type: 'share', id: view.id, user: user.trim() })) setUser('');
  };

  return (
    <div class="sharing-body">
      {lock && <p class="lock" id="sharing-lock">{lock}</p>}
      <h3>Who has access</h3>
      <ul class="access-list" aria-label="People with access">
        {view.access.map((a) => (
          <li key={a.user} data-testid={`access-${a.user}`}>
            <span class="who">{a.user}</span>
            <span class="why">{viaWords[a.via] ?? 'Has access'}</span>
            {pendingFor('unshare', a.user) && <span class="pending"><PendingIcon /> removal pending</span>}
            {a.via === 'direct' && (
              <button type="button" disabled={lock !== null} aria-describedby={lock ? 'sharing-lock' : undefined} onClick={() => act({ type: 'unshare', id: view.id, user: a.user })} aria-label={`Remove ${a.user}`}>
                Remove
              </button>
            )}
          </li>
        ))}
        {waitingShares.map((u) => (
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
      <form class="share-form" onSubmit={share}>
        <label>
          Share with (username or email)
          <input name="user" value={user} disabled={lock !== null} aria-describedby={lock ? 'sharing-lock' : undefined} onInput={(e) => setUser(e.currentTarget.value)} required minLength={2} />
        </label>
        <button type="submit" disabled={lock !== null || user.trim().length < 2}>Share</button>
      </form>
      <h3>Public</h3>
      <p>
        {view.public ? 'Everyone with an account on this server can view this experiment.' : 'Only the people above can see this experiment.'}
        {(pendingFor('publish') || pendingFor('unpublish')) && <span class="pending"> <PendingIcon /> change pending</span>}
      </p>
      <button type="button" disabled={lock !== null} aria-describedby={lock ? 'sharing-lock' : undefined} onClick={() => act({ type: view.public ? 'unpublish' : 'publish', id: view.id })}>
        {view.public ? 'Make private' : 'Make public'}
      </button>
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
