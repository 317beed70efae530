import { ErrorCode } from '../../shared/codes.ts';
import type { ConnectionStatus, Draft } from '../core/contract.ts';
import type { UploadQueue } from '../core/upload-queue.ts';
import type { ChangeMessage } from '../messages.ts';
import { describe, errorCode } from '../ui/describe.ts';
import { refusalCode, refusalWords } from '../ui/manager/upload.ts';

/**
 * Sends the FCS files kept in this browser (upload-queue.ts) once the server answers again,
 * from the worker: the only sender, so it runs with no page open and never twice for one entry
 * (the pages only show the queue and the progress this broadcasts). Oldest first; a file for an
 * experiment still being created waits for the creation to be accepted. Accepted: the entry
 * leaves the queue and the experiment is refreshed. Refused: it stays with the reason. No
 * answer: it waits again, and the sender tries again after `retryMs` or the next reconnection.
 *
 * A service worker has no XMLHttpRequest and Chrome streams a request body only over HTTP/2, so
 * progress is per file (started, done), not per byte as a page's own upload shows it.
 */
export type UploadSenderCore = {
  status(): ConnectionStatus;
  drafts(): Promise<Draft[]>;
  uploadTicket(experimentId: string, name: string): Promise<{ url: string }>;
  refresh(ids: string[], lists: boolean): Promise<unknown>;
  emit(change: { type: 'drafts' }): void;
};

type UploadChange = Extract<ChangeMessage, { type: 'upload' }>;

export type UploadSenderDeps = {
  core: UploadSenderCore;
  queue: UploadQueue;
  broadcast: (change: UploadChange) => void;
  fetchImpl?: typeof fetch;
  retryMs?: number;
};

const RETRY_MS = 15_000;
const UNREACHABLE: ReadonlySet<string> = new Set([ErrorCode.SERVER_UNREACHABLE, ErrorCode.NOT_SIGNED_IN, ErrorCode.SESSION_EXPIRED]);

export function createUploadSender(deps: UploadSenderDeps): { run(): void; stop(): void } {
  const { core, queue, broadcast } = deps;
  const put = deps.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let running = false;
  let again = false;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const changed = () => core.emit({ type: 'drafts' });

  async function sendOne(upload: Awaited<ReturnType<UploadQueue['list']>>[number]): Promise<'sent' | 'refused' | 'unreachable'> {
    const blob = await queue.blob(upload.id);
    if (!blob) return 'refused';
    const base = { type: 'upload', uploadId: upload.id, experimentId: upload.experimentId, name: upload.name, total: upload.size } as const;
    await queue.setState(upload.id, 'sending');
    changed();
    broadcast({ ...base, loaded: 0, done: false });
    const back = async (outcome: 'unreachable' | { code: string; words: string }) => {
      if (outcome === 'unreachable') await queue.setState(upload.id, 'waiting');
      else await queue.setState(upload.id, 'refused', outcome);
      changed();
      return outcome === 'unreachable' ? 'unreachable' : 'refused';
    };
    let response: Response;
    try {
      const { url } = await core.uploadTicket(upload.experimentId, upload.name);
      response = await put(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: blob });
    } catch (failure) {
      const code = errorCode(failure);
      // A fetch that got no answer throws a plain TypeError: the server is away.
      return back(UNREACHABLE.has(code) || code === ErrorCode.INTERNAL ? 'unreachable' : { code, words: describe(code) });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const code = refusalCode(response.status, text);
      return back(code === ErrorCode.SERVER_UNREACHABLE ? 'unreachable' : { code, words: refusalWords(response.status, text) });
    }
    await queue.remove(upload.id);
    broadcast({ ...base, loaded: upload.size, done: true });
    await core.refresh([upload.experimentId], false).catch(() => null);
    changed();
    return 'sent';
  }

  async function drain(): Promise<void> {
    if (stopped || (core.status() !== 'online' && core.status() !== 'syncing')) return;
    // The worker is the only sender and this the only run: an entry left `sending` was cut off.
    await queue.resetSending();
    const creating = new Set(
      (await core.drafts()).flatMap((d) => (d.kind === 'intent' && d.state === 'pending' && (d.intent.type === 'create' || d.intent.type === 'clone') ? [d.intent.type === 'create' ? d.intent.experimentId : d.intent.newId] : [])),
    );
    for (const upload of (await queue.list()).filter((u) => u.state === 'waiting' && !creating.has(u.experimentId))) {
      if (stopped) return;
      if ((await sendOne(upload)) === 'unreachable') {
        clearTimeout(retry);
        retry = setTimeout(run, deps.retryMs ?? RETRY_MS);
        return;
      }
    }
  }

  function run(): void {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          await drain();
        } while (again && !stopped);
      } catch (error) {
        console.warn('cytoshare: sending kept uploads failed', error);
      } finally {
        running = false;
      }
    })();
  }

  return {
    run,
    stop() {
      stopped = true;
      clearTimeout(retry);
    },
  };
}
