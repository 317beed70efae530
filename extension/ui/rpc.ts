import { browser } from 'wxt/browser';
import { CHANGES_PORT, ChangeMessage, Envelope, RequestError, responseSchemas, type RequestOf, type RequestType, type ResponseOf, type WatchMessage } from '../messages.ts';

/**
 * The pages' side of `messages.ts`: `send` asks the background worker and parses its answer;
 * `onChange` listens to the worker's change feed over one shared Port, reconnecting when the
 * worker restarts (an MV3 worker is stopped when idle, which closes the Port).
 */
/** Requests that only read, so asking again after a lost answer changes nothing. */
const READS: ReadonlySet<RequestType> = new Set(['state', 'list', 'inbox', 'show', 'connections', 'projects', 'project', 'curationQueue', 'history', 'address', 'density', 'settings']);

export async function send<T extends RequestType>(request: RequestOf<T>): Promise<ResponseOf<T>> {
  let raw: unknown;
  try {
    raw = await browser.runtime.sendMessage(request);
  } catch (error) {
    // The worker was stopped or restarted while answering: a read is simply asked again.
    if (!READS.has(request.type)) throw error;
    await new Promise((resolve) => setTimeout(resolve, 200));
    raw = await browser.runtime.sendMessage(request);
  }
  return readAnswer(request.type, raw);
}

/** An answer of the worker, checked against its request type's schema; a refusal throws. */
export function readAnswer<T extends RequestType>(type: T, raw: unknown): ResponseOf<T> {
  const envelope = Envelope.parse(raw);
  if (!envelope.ok) throw new RequestError(envelope.code, envelope.message);
  return responseSchemas[type].parse(envelope.value) as ResponseOf<T>;
}

type Listener = (change: ChangeMessage) => void;
const listeners = new Set<Listener>();
let port: ReturnType<typeof browser.runtime.connect> | null = null;

/** Experiments this page shows, counted: the worker keeps their live connections open. */
const watching = new Map<string, number>();

function postWatches(): void {
  try {
    port?.postMessage({ type: 'watch', ids: [...watching.keys()] } satisfies WatchMessage);
  } catch {
    // The port is closing; `connect` posts the set again on the new one.
  }
}

/**
 * Asks the worker to keep this experiment live while the page shows it; returns the release.
 * The set travels over the change Port, so a closed tab releases everything with its Port.
 */
export function watchExperiment(id: string): () => void {
  watching.set(id, (watching.get(id) ?? 0) + 1);
  if (port === null) connect();
  else postWatches();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (watching.get(id) ?? 1) - 1;
    if (left > 0) watching.set(id, left);
    else watching.delete(id);
    postWatches();
  };
}

function connect(): void {
  port = browser.runtime.connect({ name: CHANGES_PORT });
  if (watching.size > 0) postWatches();
  port.onMessage.addListener((raw: unknown) => {
    const change = ChangeMessage.safeParse(raw);
    if (!change.success) return;
    for (const listener of listeners) listener(change.data);
  });
  port.onDisconnect.addListener(() => {
    port = null;
    // The worker went away; anything may have changed while it restarts.
    setTimeout(() => {
      if (listeners.size === 0 && watching.size === 0) return;
      connect();
      for (const listener of listeners) listener({ type: 'account' });
    }, 250);
  });
}

export function onChange(listener: Listener): () => void {
  listeners.add(listener);
  if (port === null) connect();
  return () => {
    listeners.delete(listener);
  };
}
