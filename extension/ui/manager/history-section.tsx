import { ErrorCode } from '../../../shared/codes.ts';
import { useState } from 'preact/hooks';
import type { ChainVerdict, HistoryEntry } from '../../../shared/audit/history-chain.ts';
import { historyCsv } from '../../../shared/audit/history-csv.ts';
import { describe, errorCode } from '../describe.ts';
import { useLive } from '../hooks.ts';
import { send } from '../rpc.ts';

const PAGE = 10;

function whatHappened(e: HistoryEntry): string {
  const d = e.detail !== null && typeof e.detail === 'object' ? (e.detail as Record<string, unknown>) : {};
  // A group's decisions carry the group (`@name`); other entries' `name` is the experiment's own.
  const parts = [typeof d.group === 'string' && typeof d.name === 'string' ? `@${d.name}` : '', typeof d.user === 'string' ? `with ${d.user}` : '', typeof d.parentId === 'string' ? `under ${d.parentId}` : '', typeof d.via === 'string' ? `(through ${d.via})` : ''];
  return [e.action, ...parts].filter((p) => p !== '').join(' ');
}

function save(text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  Object.assign(document.createElement('a'), { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The experiment's sharing history for those who may read it (owner, full access, staff):
 * newest first, a page at a time. "Verify" asks the server to check the whole hash chain
 * again and shows its answer; the exports are the entries as received, with their hashes, so
 * `cytoshare audit` or anyone with the chain rules can check them independently.
 */
export function HistorySection({ id }: { id: string }) {
  const { data, error, reload } = useLive(() => send({ type: 'history', id }), [id], (c) => c.type === 'experiment' && c.experimentId === id);
  const [page, setPage] = useState(0);
  const [shown, setShown] = useState<ChainVerdict | null>(null);
  const [checking, setChecking] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const verify = async () => {
    setChecking(true);
    setFailure(null);
    try {
      setShown((await send({ type: 'history', id })).verification);
      reload();
    } catch (e) {
      setFailure(describe(errorCode(e)));
    } finally {
      setChecking(false);
    }
  };

  const newestFirst = data ? [...data.entries].reverse() : [];
  const pages = Math.max(1, Math.ceil(newestFirst.length / PAGE));
  const at = Math.min(page, pages - 1);
  return (
    <section aria-labelledby="history-title" class="history" data-testid="history">
      <h3 id="history-title">History</h3>
      {error !== null && !data && (errorCode(error) === ErrorCode.SERVER_UNREACHABLE
        // Offline is a state, not a failure: the history lives on the server alone.
        ? <p class="empty" data-testid="history-offline">The history is kept on the server; it shows here once the server can be reached.</p>
        : <p role="alert" class="error">{describe(errorCode(error))}</p>)}
      {failure && <p role="alert" class="error">{failure}</p>}
      {data && newestFirst.length === 0 && <p class="empty">No sharing decisions yet.</p>}
      {newestFirst.length > 0 && (
        <ol aria-label="Sharing history, newest first" class="history-entries">
          {newestFirst.slice(at * PAGE, (at + 1) * PAGE).map((e) => (
            <li key={e.seq} data-testid="history-entry">
              <span class="seq">#{e.seq}</span> <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleString('en')}</time>{' '}
              <strong>{e.actor}</strong> {whatHappened(e)}: {e.verdict === 'accepted' ? 'accepted' : `refused (${e.code ?? '?'})`}
            </li>
          ))}
        </ol>
      )}
      <div class="actions">
        {pages > 1 && (
          <>
            <button type="button" class="secondary" disabled={at === 0} onClick={() => setPage(at - 1)}>Newer</button>
            <span>Page {at + 1} of {pages}</span>
            <button type="button" class="secondary" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>Older</button>
          </>
        )}
        <button type="button" onClick={() => void verify()} disabled={checking}>{checking ? 'Verifying…' : 'Verify'}</button>
        <button type="button" class="secondary" disabled={!data} onClick={() => data && save(historyCsv(data.entries), 'text/csv', `history-${id}.csv`)}>Export CSV</button>
        <button type="button" class="secondary" disabled={!data} onClick={() => data && save(`${JSON.stringify(data, null, 2)}\n`, 'application/json', `history-${id}.json`)}>Export JSON</button>
      </div>
      {shown && (
        <p role="status" data-testid="history-verdict" class={shown.intact ? 'ok' : 'error'}>
          {shown.intact ? `Intact: ${shown.entries} entries, every hash checks out.` : `Broken at entry ${shown.seq}: ${shown.message}`}
        </p>
      )}
    </section>
  );
}
