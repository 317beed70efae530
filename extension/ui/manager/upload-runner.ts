import { ErrorCode } from '../../../shared/codes.ts';
import type { State } from '../../messages.ts';
import { describe, errorCode } from '../describe.ts';
import { keptUploads } from '../kept-uploads.ts';
import { send } from '../rpc.ts';
import { putWithProgress, type Progress } from './upload.ts';

/**
 * Sends the uploads kept in this browser (upload-queue.ts) once the server answers again. It
 * runs in the manager page, because only a page can report upload progress (XMLHttpRequest;
 * an extension's service worker has none), and one page at a time sends: the holder of the
 * account's uploads lock (Web Locks, shared by every tab of the extension). Uploads go oldest
 * first; one into an experiment still being created waits for the creation to be accepted.
 * An accepted upload leaves the queue and its experiment is refreshed; a refused one stays with
 * the reason; no answer puts it back to waiting and the runner tries again later.
 */
export type RunnerProgress = { uploadId: string; experimentId: string; name: string; progress: Progress; done: boolean };

const RETRY_MS = 15_000;
const AUTH_CODES: ReadonlySet<string> = new Set([ErrorCode.SERVER_UNREACHABLE, ErrorCode.NOT_SIGNED_IN, ErrorCode.SESSION_EXPIRED]);

let shown: RunnerProgress | null = null;
const listeners = new Set<(progress: RunnerProgress | null) => void>();
let latest: State | null = null;
let running = false;
let again = false;
let retry: ReturnType<typeof setTimeout> | undefined;

export function runnerProgress(): RunnerProgress | null {
  return shown;
}

export function onRunnerProgress(listener: (progress: RunnerProgress | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function publish(progress: RunnerProgress | null): void {
  shown = progress;
  for (const listener of listeners) listener(progress);
}

const notify = () => send({ type: 'uploadsChanged' }).catch(() => null);

/** Call with every new state: sends what waits if the server is reachable and nobody else sends. */
export function runKeptUploads(state: State): void {
  latest = state;
  if (running) {
    again = true;
    return;
  }
  running = true;
  void (async () => {
    try {
      do {
        again = false;
        const now = latest;
        if (now) await drainOnce(now);
      } while (again);
    } catch (error) {
      console.warn('cytoshare: sending kept uploads failed', error);
    } finally {
      running = false;
    }
  })();
}

async function drainOnce(state: State): Promise<void> {
  const account = state.account;
  if (!account || (state.status !== 'online' && state.status !== 'syncing')) return;
  if (!state.uploads.some((u) => u.state !== 'refused')) return;
  const locks = navigator.locks;
  const work = async () => {
    const queue = keptUploads(account);
    // Whoever holds the lock is the only sender: an entry left `sending` belongs to a closed page.
    await queue.resetSending();
    const creating = new Set(state.drafts.flatMap((d) => (d.kind === 'intent' && d.state === 'pending' && (d.intent.type === 'create' || d.intent.type === 'clone') ? [d.intent.type === 'create' ? d.intent.experimentId : d.intent.newId] : [])));
    for (;;) {
      const next = (await queue.list()).find((u) => u.state === 'waiting' && !creating.has(u.experimentId));
      if (!next) return;
      if ((await sendOne(next)) === 'unreachable') {
        clearTimeout(retry);
        retry = setTimeout(() => latest && runKeptUploads(latest), RETRY_MS);
        return;
      }
    }
  };
  if (locks) await locks.request(`${account.server} ${account.username} uploads`, { ifAvailable: true }, (lock) => (lock ? work() : undefined));
  else await work();

  async function sendOne(upload: State['uploads'][number]): Promise<'sent' | 'refused' | 'unreachable'> {
    const queue = keptUploads(account as NonNullable<State['account']>);
    const base = { uploadId: upload.id, experimentId: upload.experimentId, name: upload.name };
    const blob = await queue.blob(upload.id);
    if (!blob) return 'refused';
    await queue.setState(upload.id, 'sending');
    await notify();
    // A refusal of this one must not wipe the receipt of one sent just before it.
    const receipt = shown?.done ? shown : null;
    publish({ ...base, progress: { loaded: 0, total: upload.size }, done: false });
    const back = async (outcome: 'unreachable' | { code: string; words: string }) => {
      publish(receipt);
      if (outcome === 'unreachable') await queue.setState(upload.id, 'waiting');
      else await queue.setState(upload.id, 'refused', outcome);
      await notify();
      return outcome === 'unreachable' ? 'unreachable' : 'refused';
    };
    let url: string;
    try {
      url = (await send({ type: 'uploadTicket', id: upload.experimentId, name: upload.name })).url;
    } catch (failure) {
      const code = errorCode(failure);
      return back(AUTH_CODES.has(code) ? 'unreachable' : { code, words: describe(code) });
    }
    const outcome = await putWithProgress(url, blob, (progress) => publish({ ...base, progress, done: false }));
    if (!outcome.ok) return back(outcome.code === ErrorCode.SERVER_UNREACHABLE ? 'unreachable' : { code: outcome.code, words: outcome.words });
    await queue.remove(upload.id);
    // The finished bar stays, full, as the receipt (as for a direct upload).
    publish({ ...base, progress: { loaded: upload.size, total: upload.size }, done: true });
    await send({ type: 'refresh', id: upload.experimentId }).catch(() => null);
    await notify();
    return 'sent';
  }
}
