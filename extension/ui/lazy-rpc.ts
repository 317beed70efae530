import type { ChangeMessage, RequestOf, RequestType, ResponseOf } from '../messages.ts';

/**
 * `rpc.ts` for code the popup draws first with: the same calls, but the module (and with it
 * zod and every message schema, most of the popup's script) is loaded on first use instead of
 * before the first paint. Pages that import rpc.ts anyway (the manager, settings) pay one
 * resolved import per call.
 */
let held: Promise<void> = Promise.resolve();
/** True from `holdRpc` until rpc.ts is loaded: the change feed is not listened to meanwhile. */
let deaf = false;
const rpc = () => held.then(() => import('./rpc.ts'));

/** The longest rpc.ts is held back, should the release never come. */
const HOLD_MOST_MS = 500;

/**
 * Holds rpc.ts back until the returned release is called: the popup paints its snapshot first,
 * then spends the time evaluating zod and the schemas.
 */
export function holdRpc(): () => void {
  let release = () => {};
  deaf = true;
  held = new Promise<void>((resolve) => {
    release = resolve;
    setTimeout(resolve, HOLD_MOST_MS);
  });
  void rpc().then(() => (deaf = false));
  return release;
}

export async function send<T extends RequestType>(request: RequestOf<T>): Promise<ResponseOf<T>> {
  return (await rpc()).send(request);
}

export async function readAnswer<T extends RequestType>(type: T, raw: unknown): Promise<ResponseOf<T>> {
  return (await rpc()).readAnswer(type, raw);
}

/**
 * Listens from when rpc.ts is loaded. A listener that came while it was held back is then told
 * that anything may have changed (as rpc.ts says after the worker restarts): what it loaded
 * from the early answers may have changed before the feed was listened to.
 */
export function onChange(listener: (change: ChangeMessage) => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  const missed = deaf;
  void rpc().then((m) => {
    if (stopped) return;
    stop = m.onChange(listener);
    if (missed) listener({ type: 'account' });
  });
  return () => {
    stopped = true;
    stop?.();
  };
}
