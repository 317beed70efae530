import { useEffect, useState } from 'preact/hooks';
import { ErrorCode } from '../../../shared/codes.ts';
import type { View } from '../../messages.ts';
import { describe, downloadLockReason, editLockReason, errorCode } from '../describe.ts';
import { useLive } from '../hooks.ts';
import { PendingMark } from '../icons.tsx';
import { keptUploads } from '../kept-uploads.ts';
import { onChange, send } from '../rpc.ts';
import { blobPrivacy, type BlobPrivacy } from '../../../shared/fcs/index.ts';
import { PrivacyReview } from './privacy-review.tsx';
import { putWithProgress, type Progress } from './upload.ts';

/**
 * The experiment's FCS files: name, events and channels, a download button (disabled with the
 * reason when the capability table says no), and for editors an upload by file input or drag
 * and drop, with a real progress bar. After an upload the experiment is refreshed at once, so
 * the new file shows even before live sync brings the server's write. A file chosen while the
 * server cannot be reached is kept in this browser (upload-queue.ts), listed here as waiting,
 * and sent by the worker (background/upload-sender.ts) when the server answers again, whether
 * or not this page is open; here it shows the file going and then the full bar as the receipt.
 */
type Upload = { name: string; progress: Progress; done: boolean } | null;

type KeptProgress = { experimentId: string; name: string; progress: Progress; done: boolean };

/** The kept upload the worker sends now (or sent last, as the receipt), from its broadcasts. */
function useKeptProgress(): KeptProgress | null {
  const [progress, setProgress] = useState<KeptProgress | null>(null);
  useEffect(
    () =>
      onChange((c) => {
        if (c.type === 'upload') setProgress({ experimentId: c.experimentId, name: c.name, progress: { loaded: c.loaded, total: c.total }, done: c.done });
      }),
    [],
  );
  return progress;
}

const keptWords = { waiting: 'kept in this browser, waits for the server', sending: 'uploading…', refused: 'not accepted.' } as const;

export function FilesSection({ view }: { view: View }) {
  const files = view.files ?? [];
  const downloadLock = downloadLockReason(view);
  const uploadLock = editLockReason(view);
  const [upload, setUpload] = useState<Upload>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'done' | 'kept'; text: string } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [review, setReview] = useState<{ file: File; privacy: BlobPrivacy } | null>(null);
  const state = useLive(() => send({ type: 'state' }), [], (c) => c.type === 'drafts' || c.type === 'account').data;
  const kept = (state?.uploads ?? []).filter((u) => u.experimentId === view.id);
  const running = useKeptProgress();
  const shownUpload: Upload = upload && !upload.done ? upload : running?.experimentId === view.id ? running : upload;

  /** The server is away: the bytes go into this browser's database, and only then is that said. */
  const keep = async (file: Blob, name: string) => {
    setUpload(null);
    const account = state?.account;
    try {
      if (!account) throw Object.assign(new Error('not signed in'), { code: ErrorCode.NOT_SIGNED_IN });
      await keptUploads(account).keep(view.id, name, file);
    } catch (failure) {
      setMessage({ kind: 'error', text: `${name} could not be kept for later. ${describe(errorCode(failure))}` });
      return;
    }
    setMessage({ kind: 'kept', text: `${name} is kept in this browser and will upload when the server is back.` });
    await send({ type: 'uploadsChanged' }).catch(() => {});
  };

  const start = async (file: Blob, name: string) => {
    setReview(null);
    setMessage(null);
    setUpload({ name: name, progress: { loaded: 0, total: file.size }, done: false });
    try {
      const { url } = await send({ type: 'uploadTicket', id: view.id, name: name });
      const outcome = await putWithProgress(url, file, (progress) => setUpload({ name: name, progress, done: false }));
      if (!outcome.ok && outcome.code === ErrorCode.SERVER_UNREACHABLE) return await keep(file, name);
      if (!outcome.ok) {
        setUpload(null);
        setMessage({ kind: 'error', text: `${name} was not accepted. ${outcome.words}` });
        return;
      }
      // The finished bar stays, full, until the next upload: it is the receipt.
      setUpload({ name: name, progress: { loaded: file.size, total: file.size }, done: true });
      setMessage({ kind: 'done', text: `${name} uploaded.` });
      await send({ type: 'refresh', id: view.id }).catch(() => {});
    } catch (failure) {
      if (errorCode(failure) === ErrorCode.SERVER_UNREACHABLE) return await keep(file, name);
      setUpload(null);
      setMessage({ kind: 'error', text: `${name} was not uploaded. ${describe(errorCode(failure))}` });
    }
  };

  /** The privacy check first; a file it cannot read goes as it is, for the server to judge. */
  const choose = async (file: File) => {
    setMessage(null);
    const privacy = await blobPrivacy(file).catch(() => null);
    if (privacy?.ok && privacy.findings.length > 0) setReview({ file, privacy });
    else await start(file, file.name);
  };

  const discard = async (id: string) => {
    if (!state?.account) return;
    await keptUploads(state.account).remove(id);
    await send({ type: 'uploadsChanged' }).catch(() => {});
  };

  const download = async (fileId: string) => {
    setMessage(null);
    try {
      const { name, url } = await send({ type: 'download', id: view.id, fileId });
      // The server answers with an attachment, so the browser saves it rather than showing it.
      Object.assign(document.createElement('a'), { href: url, download: name }).click();
    } catch (failure) {
      setMessage({ kind: 'error', text: describe(errorCode(failure)) });
    }
  };

  return (
    <section aria-labelledby="files-title" class="files" data-testid="files">
      <h3 id="files-title">FCS files</h3>
      {files.length === 0 ? (
        <p class="empty">No files yet.</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="files-table">
            <caption class="visually-hidden">FCS files of this experiment</caption>
            <thead>
              <tr><th scope="col">File</th><th scope="col">Events</th><th scope="col">Channels</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {files.map((f) => (
                <tr key={f.id} data-testid="file-row">
                  <th scope="row">{f.name}</th>
                  <td>{f.events.toLocaleString('en')}</td>
                  <td title={(f.channels ?? []).map((c) => c.label ?? c.name).join(', ')}>
                    {f.channels ? `${f.channels.length}: ${f.channels.map((c) => c.name).join(', ')}` : '—'}
                  </td>
                  <td>
                    <button type="button" class="secondary" disabled={downloadLock !== null} aria-describedby={downloadLock ? 'download-lock' : undefined} onClick={() => void download(f.id)} aria-label={`Download ${f.name}`}>
                      Download
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {downloadLock && files.length > 0 && <p class="lock" id="download-lock" data-testid="download-lock">Download: {downloadLock}</p>}
      {kept.length > 0 && (
        <ul class="kept-uploads" aria-label="Files waiting to upload" data-testid="kept-uploads">
          {kept.map((u) => (
            <li key={u.id} data-testid="kept-upload" data-state={u.state}>
              <PendingMark label={u.state === 'refused' ? 'Upload refused' : 'Upload waiting to sync'} /> <strong>{u.name}</strong> — {keptWords[u.state]}
              {u.state === 'refused' && <span class="reason"> {u.words ?? describe(u.code)}</span>}
              {u.state === 'refused' && (
                <button type="button" class="secondary" onClick={() => void discard(u.id)} aria-label={`Discard ${u.name}`}>
                  Discard
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {uploadLock === null && (
        <div
          class={`dropzone${dragging ? ' dragging' : ''}`}
          role="region"
          aria-label="Drop FCS files here to upload them"
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            const file = e.dataTransfer?.files[0];
            if (file && !(upload && !upload.done)) void choose(file);
          }}
        >
          <label>
            Upload an FCS file (or drop it here)
            <input
              type="file"
              accept=".fcs,.lmd,application/vnd.isac.fcs"
              disabled={upload !== null && !upload.done}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = '';
                if (file) void choose(file);
              }}
            />
          </label>
        </div>
      )}
      {review && (
        <PrivacyReview name={review.file.name} original={review.file} privacy={review.privacy} onUpload={(body) => void start(body, review.file.name)} onCancel={() => setReview(null)} />
      )}
      {shownUpload && (
        <p class="upload-progress">
          <label>
            {shownUpload.done ? 'Uploaded' : 'Uploading'} {shownUpload.name}
            <progress data-testid="upload-progress" max={Math.max(shownUpload.progress.total, 1)} value={shownUpload.progress.loaded} />
          </label>
        </p>
      )}
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} class={message.kind === 'error' ? 'error' : 'done'} data-testid={`upload-${message.kind === 'error' ? 'refusal' : message.kind}`}>
          {message.text}
        </p>
      )}
    </section>
  );
}
