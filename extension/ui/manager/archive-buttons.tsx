import { useState } from 'preact/hooks';
import { ArchiveError } from '../../../shared/archive/errors.ts';
import { describeCode, ErrorCode } from '../../../shared/codes.ts';
import type { View } from '../../messages.ts';
import { describe, downloadLockReason, errorCode } from '../describe.ts';
import { exportInBrowser, importInBrowser } from './archive-browser.ts';

/**
 * Export (in an experiment's actions) and Import (in the manager's header) of experiment
 * archives: the same ZIP as `cytoshare export` / `import`. A refused archive says why, with the
 * stable reason, and nothing is created.
 */
type Status = { kind: 'busy' | 'done' | 'error'; text: string } | null;

function failureWords(failure: unknown): string {
  if (failure instanceof ArchiveError) return `${describeCode(ErrorCode.ARCHIVE_INVALID)} (${failure.reason}: ${failure.message})`;
  if (failure instanceof DOMException && failure.name === 'AbortError') return 'Cancelled.';
  return describe(errorCode(failure));
}

function StatusLine({ status, id }: { status: Status; id: string }) {
  if (!status) return null;
  return <span role={status.kind === 'error' ? 'alert' : 'status'} class={status.kind === 'error' ? 'error' : 'done'} data-testid={id}> {status.text}</span>;
}

export function ExportArchive({ view }: { view: View }) {
  const [status, setStatus] = useState<Status>(null);
  const lock = downloadLockReason(view);
  const run = () => {
    setStatus({ kind: 'busy', text: 'Exporting…' });
    exportInBrowser(view, (text) => setStatus({ kind: 'busy', text }))
      .then(() => setStatus({ kind: 'done', text: 'Archive saved.' }))
      .catch((failure: unknown) => setStatus({ kind: 'error', text: failureWords(failure) }));
  };
  return (
    <p class="archive-export">
      <button type="button" class="secondary" disabled={lock !== null || status?.kind === 'busy'} aria-describedby={lock ? 'archive-lock' : undefined} onClick={run}>
        Export archive (.zip)
      </button>
      {lock && <span class="why" id="archive-lock"> {lock}</span>}
      <StatusLine status={status} id="archive-export-status" />
    </p>
  );
}

export function ImportArchive() {
  const [status, setStatus] = useState<Status>(null);
  const start = (file: File) => {
    setStatus({ kind: 'busy', text: 'Importing…' });
    importInBrowser(file, (text) => setStatus({ kind: 'busy', text }))
      .then((id) => {
        setStatus({ kind: 'done', text: 'Imported.' });
        location.hash = `exp=${id}`;
      })
      .catch((failure: unknown) => setStatus({ kind: 'error', text: failureWords(failure) }));
  };
  return (
    <p class="archive-import">
      <label>
        Import archive
        <input
          type="file"
          accept=".zip,application/zip"
          disabled={status?.kind === 'busy'}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) start(file);
          }}
        />
      </label>
      <StatusLine status={status} id="archive-import-status" />
    </p>
  );
}
