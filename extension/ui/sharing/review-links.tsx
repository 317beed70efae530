import { useState } from 'preact/hooks';
import { ErrorCode } from '../../../shared/codes.ts';
import type { ReviewLinkCreated, ReviewLinkSummary } from '../../../shared/schemas/review-links.ts';
import { describe, errorCode } from '../describe.ts';
import { useLive } from '../hooks.ts';
import { send } from '../rpc.ts';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const stateOf = (l: ReviewLinkSummary) => (l.active ? 'active' : l.revokedAt !== null ? `revoked ${day(l.revokedAt)}` : 'expired');

/**
 * Reviewer links (a journal's reviewer opens the experiment read-only, without an account), for
 * those who manage sharing. The new URL carries its secret, which the server keeps only hashed:
 * it is shown here once, right after creation, and no list ever shows it again.
 */
export function ReviewLinks({ id }: { id: string }) {
  // Coming back online is a status change: the list then loads by itself.
  const { data, error, reload } = useLive(() => send({ type: 'reviewLinks', id }), [id], (c) => c.type === 'status');
  const [expires, setExpires] = useState('');
  const [download, setDownload] = useState(false);
  const [made, setMade] = useState<ReviewLinkCreated | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setFailure(null);
    try {
      await work();
      reload();
    } catch (e) {
      setFailure(describe(errorCode(e)));
    } finally {
      setBusy(false);
    }
  };
  const create = () =>
    run(async () => {
      setMade(await send({ type: 'createReviewLink', id, request: { download, ...(expires !== '' ? { expiresAt: expires } : {}) } }));
      setCopied(null);
      setExpires('');
      setDownload(false);
    });
  const revoke = (linkId: string) =>
    run(async () => {
      await send({ type: 'revokeReviewLink', id, linkId });
      if (made?.id === linkId) setMade(null);
    });
  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('Link copied');
    } catch {
      setCopied('Could not copy; select the link and copy it yourself');
    }
  };

  const offline = error !== null && errorCode(error) === ErrorCode.SERVER_UNREACHABLE;
  return (
    <section aria-labelledby="review-links-title" class="review-links" data-testid="review-links">
      <h3 id="review-links-title">Reviewer links</h3>
      <p class="why">A secret link that shows this experiment read-only to someone without an account, such as a journal's reviewer.</p>
      {offline && (
        // Offline is a state, not a failure: the links live on the server alone.
        <p class="empty" data-testid="review-links-offline">Reviewer links are kept on the server; they can be made and listed once the server can be reached.</p>
      )}
      {error !== null && !offline && <p role="alert" class="error">{describe(errorCode(error))}</p>}
      {!offline && (
        <form
          class="review-link-form"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label>
            Expires (optional) <input type="date" value={expires} min={day(Date.now() + 86_400_000)} onInput={(e) => setExpires(e.currentTarget.value)} data-testid="review-link-expires" />
          </label>
          <label>
            <input type="checkbox" checked={download} onChange={(e) => setDownload(e.currentTarget.checked)} data-testid="review-link-download" /> Allow downloads
          </label>
          <button type="submit" disabled={busy} data-testid="review-link-create">Create reviewer link</button>
        </form>
      )}
      {made && (
        <div class="review-link-new" role="group" aria-labelledby="review-link-new-title" data-testid="review-link-new">
          <p id="review-link-new-title"><strong>New reviewer link</strong>: copy it now, it is shown only this once.</p>
          <input type="text" readOnly value={made.url} aria-label="New reviewer link" onFocus={(e) => e.currentTarget.select()} data-testid="review-link-url" />
          <button type="button" onClick={() => void copy(made.url)} data-testid="review-link-copy">Copy</button>
          <span role="status" class="copied">{copied ?? ''}</span>
        </div>
      )}
      {failure && <p role="alert" class="error" data-testid="review-link-refusal">{failure}</p>}
      {data && data.length === 0 && <p class="empty">No reviewer links yet.</p>}
      {data && data.length > 0 && (
        <table class="review-link-list" aria-label="Reviewer links">
          <thead>
            <tr><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Downloads</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {data.map((l) => (
              <tr key={l.id} data-testid={`review-link-${l.id}`}>
                <td>{day(l.createdAt)}</td>
                <td>{l.expiresAt === null ? 'never' : day(l.expiresAt)}</td>
                <td>{l.download ? 'yes' : 'no'}</td>
                <td>{stateOf(l)}</td>
                <td>
                  {l.revokedAt === null && (
                    <button type="button" class="secondary" disabled={busy} onClick={() => void revoke(l.id)} aria-label={`Revoke the reviewer link made ${day(l.createdAt)} (${l.id})`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
