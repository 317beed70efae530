import { useState } from 'preact/hooks';
import type { Request } from '../../messages.ts';
import { describe, editLockReason, errorCode } from '../describe.ts';
import { useLive } from '../hooks.ts';
import { RowIcons } from '../icons.tsx';
import { send } from '../rpc.ts';
import { GatesList } from './gates-list.tsx';
import { TagsTable } from './tags-table.tsx';

/**
 * One experiment in the manager: name, sharing summary, sample tags and gates. Everything is
 * editable live when the view's `can.edit` allows it, and read-only with the reason otherwise.
 */
export function ExperimentView({ id, onSharing }: { id: string; onSharing: (id: string) => void }) {
  const { data: view, error } = useLive(() => send({ type: 'show', id }), [id], (c) => (c.type === 'experiment' && c.experimentId === id) || c.type === 'list' || c.type === 'account');
  const [refusal, setRefusal] = useState<string | null>(null);

  if (!view) return error ? <p role="alert" class="error">{describe(errorCode(error))}</p> : <p class="loading">Loading…</p>;
  const lock = editLockReason(view);
  const editable = lock === null;
  const act = (request: Request) => {
    setRefusal(null);
    send(request).catch((e: unknown) => setRefusal(describe(errorCode(e))));
  };

  return (
    <article class="experiment-view" aria-labelledby="exp-title" data-testid="experiment-view">
      <header>
        {editable ? (
          <label class="exp-name">
            <span class="visually-hidden">Experiment name</span>
            <input
              id="exp-title"
              key={view.name}
              defaultValue={view.name}
              onChange={(e) => {
                const name = e.currentTarget.value.trim();
                if (name && name !== view.name) act({ type: 'rename', id, name });
              }}
            />
          </label>
        ) : (
          <h2 id="exp-title">{view.name}</h2>
        )}
        <RowIcons row={{ public: view.public, curated: view.curated, sharedWithOthers: view.access.length > 1 }} />
        <button type="button" onClick={() => onSharing(id)}>Sharing…</button>
      </header>
      <p class="meta">
        Owner: {view.owner}. {view.access.length - 1} {view.access.length === 2 ? 'person has' : 'people have'} direct access.
        {view.public ? ' Public.' : ''}
      </p>
      {lock && <p class="lock" data-testid="read-only">Read-only: {lock}</p>}
      {refusal && <p role="alert" class="error">{refusal}</p>}
      <TagsTable view={view} editable={editable} onSet={(file, dimension, value) => act({ type: 'setTag', id, file, dimension, value })} />
      <GatesList view={view} editable={editable} onAdd={(gate) => act({ type: 'addGate', id, gate })} onRemove={(gateId) => act({ type: 'removeGate', id, gateId })} />
    </article>
  );
}
