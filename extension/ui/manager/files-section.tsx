import { useState } from 'preact/hooks';
import type { View } from '../../messages.ts';
import { describe, downloadLockReason, editLockReason, errorCode } from '../describe.ts';
import { send } from '../rpc.ts';
import { putWithProgress, type Progress } from './upload.ts';

/**
 * The experiment's FCS files: name, events and channels, a download button (disabled with the
 * reason when the capability table says no), and for editors an upload by file input or drag
 * and drop, with a real progress bar. After an upload the experiment is refreshed at once, so
 * the new file shows even before live sync brings the server's write.
 */
type Upload = { name: string; progress: Progress; done: boolean } | null;

export function FilesSection({ view }: { view: View }) {
  const files = view.files ?? [];
  const downloadLock = downloadLockReason(view);
  const uploadLock = editLockReason(view);
  const [upload, setUpload] = useState<Upload>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'done'; text: string } | null>(null);
  const [dragging, setDragging] = useState(false);

  const start = async (file: File) => {
    setMessage(null);
    setUpload({ name: file.name, progress: { loaded: 0, total: file.size }, done: false });
    try {
      const { url } = await send({ type: 'uploadTicket', id: view.id, name: file.name });
      const outcome = await putWithProgress(url, file, (progress) => setUpload({ name: file.name, progress, done: false }));
      if (!outcome.ok) {
        setUpload(null);
        setMessage({ kind: 'error', text: `${file.name} was not accepted. ${outcome.words}` });
        return;
      }
      // The finished bar stays, full, until the next upload: it is the receipt.
      setUpload({ name: file.name, progress: { loaded: file.size, total: file.size }, done: true });
      setMessage({ kind: 'done', text: `${file.name} uploaded.` });
      await send({ type: 'refresh', id: view.id }).catch(() => {});
    } catch (failure) {
      setUpload(null);
      setMessage({ kind: 'error', text: `${file.name} was not uploaded. ${describe(errorCode(failure))}` });
    }
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
            if (file && !(upload && !upload.done)) void start(file);
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
                if (file) void start(file);
              }}
            />
          </label>
        </div>
      )}
      {upload && (
        <p class="upload-progress">
          <label>
            {upload.done ? 'Uploaded' : 'Uploading'} {upload.name}
            <progress data-testid="upload-progress" max={Math.max(upload.progress.total, 1)} value={upload.progress.loaded} />
          </label>
        </p>
      )}
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} class={message.kind === 'error' ? 'error' : 'done'} data-testid={message.kind === 'error' ? 'upload-refusal' : 'upload-done'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
