import { browser } from 'wxt/browser';
import { CHANGES_PORT, ChangeMessage, Envelope, RequestError, responseSchemas, type RequestOf, type RequestType, type ResponseOf } from '../messages.ts';

/**
 * The pages' side of `messages.ts`: `send` asks the background worker and parses its answer;
 * `onChange` listens to the worker's change feed over one shared Port, reconnecting when the
 * worker restarts (an MV3 worker is stopped when idle, which closes the Port).
 */
export async function send<T extends RequestType>(request: RequestOf<T>): Promise<ResponseOf<T>> {
  const envelope = Envelope.parse(await browser.runtime.sendMessage(request));
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
