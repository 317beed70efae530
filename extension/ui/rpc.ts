import { browser } from 'wxt/browser';
import { CHANGES_PORT, ChangeMessage, Envelope, RequestError, responseSchemas, type RequestOf, type RequestType, type ResponseOf } from '../messages.ts';

/**
 * The pages' side of `messages.ts`: `send` asks the background worker and parses its answer;
 * `onChange` listens to the worker's change feed over one shared Port, reconnecting when the
 * worker restarts (an MV3 worker is stopped when idle, which closes the Port).
 */
/** Requests that only read, so asking again after a lost answer changes nothing. */
const READS: ReadonlySet<RequestType> = new Set(['state', 'list', 'inbox', 'show', 'connections']);

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
  const envelope = Envelope.parse(raw);
  if (!envelope.ok) throw new RequestError(envelope.code, envelope.message);
  return responseSchemas[request.type].parse(envelope.value) as ResponseOf<T>;
}

type Listener = (change: ChangeMessage) => void;
const listeners = new Set<Listener>();
let port: ReturnType<typeof browser.runtime.connect> | null = null;

function connect(): void {
  port = browser.runtime.connect({ name: CHANGES_PORT });
  port.onMessage.addListener((raw: unknown) => {
    const change = ChangeMessage.safeParse(raw);
    if (!change.success) return;
    for (const listener of listeners) listener(change.data);
  });
  port.onDisconnect.addListener(() => {
    port = null;
    // The worker went away; anything may have changed while it restarts.
    setTimeout(() => {
      if (listeners.size === 0) return;
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
