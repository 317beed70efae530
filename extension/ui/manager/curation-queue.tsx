import { useState } from 'preact/hooks';
import { describe, errorCode } from '../describe.ts';
import { useLive } from '../hooks.ts';
import { send } from '../rpc.ts';

/**
 * Staff only: owners' requests to curate their public experiments, oldest first, each with
 * "Mark curated" (and "Open" to look at it first). The queue is the server's, read over HTTP,
 * and read again whenever the lists change (a curated mark arrives through the catalog).
 */
export function CurationQueue({ onOpen }: { onOpen: (id: string) => void }) {
  const { data, error, reload } = useLive(() => send({ type: 'curationQueue' }), [], (c) => c.type === 'list' || c.type === 'account');
  const [refusal, setRefusal] = useState<string | null>(null);
  const curate = async (id: string) => {
    setRefusal(null);
    try {
      await send({ type: 'curate', id, curated: true });
      reload();
    } catch (failure) {
      setRefusal(describe(errorCode(failure)));
    }
  };
  return (
    <section aria-labelledby="queue-title" class="curation-queue" data-testid="curation-queue">
      <h2 id="queue-title">Curation queue</h2>
      {refusal && <p role="alert" class="error">{refusal}</p>}
      {error !== null && !data && <p role="alert" class="error">{describe(errorCode(error))}</p>}
      {data && data.length === 0 && <p class="empty">No experiment waits for curation.</p>}
      {data && data.length > 0 && (
        <ul aria-label="Curation requests">
          {[...data].sort((a, b) => a.requestedAt - b.requestedAt).map((r) => (
            <li key={r.experimentId} class="connection">
              <span>
                <strong>{r.name}</strong> by {r.owner}, asked {new Date(r.requestedAt).toLocaleDateString('en')}
              </span>
              <span class="actions">
                <button type="button" class="secondary" onClick={() => onOpen(r.experimentId)} aria-label={`Open ${r.name}`}>Open</button>
                <button type="button" onClick={() => void curate(r.experimentId)} aria-label={`Mark ${r.name} curated`}>Mark curated</button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
