import * as decoding from 'lib0/decoding';
import type * as encoding from 'lib0/encoding';
import { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { readControl, type ControlMessage } from '../../shared/protocol/control.ts';
import { CloseCode, MessageType, PROTOCOL_VERSION } from '../../shared/protocol/message-types.ts';
import { syncUrl } from './api.ts';
import { sliceSyncMessage } from './update-slices.ts';

/**
 * One document's socket: the stock y-websocket provider, plus a handler for our control
 * messages (type 10) and a peek at the server's sync step 1, whose state vector tells which of
 * our edits the server already holds (an edit delivered just before a crash is never acked
 * again, since it is no longer new to the server).
 */
export type DocLinkEvents = {
  onControl?: (message: ControlMessage) => void;
  onServerVector?: (vector: Map<number, number>) => void;
  /** A final close (4400–4499): the provider will not reconnect by itself. */
  onFinalClose?: (code: number) => void;
  onStatus?: (status: 'connected' | 'disconnected' | 'connecting') => void;
  onSynced?: () => void;
};

export type LinkOptions = {
  server: string;
  token: string;
  /** Node has no global WebSocket: pass `ws`'s class there. */
  WebSocketPolyfill?: unknown;
  maxBackoffTime?: number;
};

type Handler = (encoder: encoding.Encoder, decoder: decoding.Decoder, provider: WebsocketProvider, emitSynced: boolean, type: number) => void;

export class DocLink {
  readonly provider: WebsocketProvider;
  private readonly awareness: Awareness;

  constructor(
    readonly docName: string,
    readonly doc: Y.Doc,
    options: LinkOptions,
    events: DocLinkEvents,
  ) {
    this.awareness = new Awareness(doc);
    const opts: ConstructorParameters<typeof WebsocketProvider>[3] = {
      params: { token: options.token, v: String(PROTOCOL_VERSION) },
      disableBc: true,
      connect: false,
      awareness: this.awareness,
      maxBackoffTime: options.maxBackoffTime ?? 2500,
    };
    // Every message the provider sends goes through a socket that slices oversized sync messages.
    const Base = (options.WebSocketPolyfill ?? globalThis.WebSocket) as typeof WebSocket | undefined;
    if (Base) opts.WebSocketPolyfill = slicingSocket(Base);
    this.provider = new WebsocketProvider(syncUrl(options.server), docName, doc, opts);
    const handlers = this.provider.messageHandlers as unknown as Handler[];
    const syncHandler = handlers[MessageType.sync];
    handlers[MessageType.sync] = (encoder, decoder, provider, emitSynced, type) => {
      // Peek without consuming: the stock handler reads the same bytes next.
      const peek = decoding.clone(decoder);
      if (decoding.readVarUint(peek) === 0) {
        try {
          events.onServerVector?.(Y.decodeStateVector(decoding.readVarUint8Array(peek)));
        } catch {
          // A malformed step 1 is the stock handler's to report.
        }
      }
      syncHandler?.(encoder, decoder, provider, emitSynced, type);
    };
    handlers[MessageType.control] = (_encoder, decoder) => {
      const message = readControl(decoder);
      if (message) events.onControl?.(message);
    };
    this.provider.on('status', ({ status }) => events.onStatus?.(status));
    this.provider.on('sync', (synced: boolean) => {
      if (synced) events.onSynced?.();
    });
    this.provider.on('closed', ({ code }) => events.onFinalClose?.(code));
    this.provider.connect();
  }

  get synced(): boolean {
    return this.provider.synced;
  }

  get connected(): boolean {
    return this.provider.wsconnected;
  }

  /** True while a socket is being opened (not during the backoff pause between attempts). */
  get connecting(): boolean {
    return this.provider.wsconnecting;
  }

  destroy(): void {
    this.provider.destroy();
    this.awareness.destroy();
  }
}

export const finalCloseMeaning = (code: number): 'auth' | 'removed' | 'reset' | 'other' =>
  code === CloseCode.notSignedIn ? 'auth' : code === CloseCode.notAReader ? 'removed' : code === CloseCode.resetRequired ? 'reset' : 'other';

/**
 * Opens a link and resolves once the first sync completed, or rejects when the first attempt
 * fails (server unreachable) or the server closes for good. Used by one-shot callers (the CLI).
 */
export function linkAndSync(
  docName: string,
  doc: Y.Doc,
  options: LinkOptions,
  events: DocLinkEvents,
  timeoutMs: number,
): Promise<{ link: DocLink; outcome: 'synced' | 'unreachable' | { closed: number } }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: 'synced' | 'unreachable' | { closed: number }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ link, outcome });
    };
    const link = new DocLink(docName, doc, options, {
      ...events,
      onSynced: () => {
        events.onSynced?.();
        finish('synced');
      },
      onFinalClose: (code) => {
        events.onFinalClose?.(code);
        finish({ closed: code });
      },
    });
    link.provider.on('connection-close', (event: CloseEvent | null) => {
      // A close before any sync with no final code means the server is not there (or went away).
      if (event === null || event.code < 4400 || event.code >= 4500) {
        if (!link.synced) finish('unreachable');
      }
    });
    link.provider.on('connection-error', () => {
      if (!link.synced) finish('unreachable');
    });
    const timer = setTimeout(() => finish('unreachable'), timeoutMs);
  });
}

/**
 * The provider's socket class, but a sync message over MAX_MESSAGE_BYTES (a whole document's
 * step 2 after a long offline spell, one huge transaction) goes out as several messages under
 * it, which the server takes one by one instead of refusing the whole.
 */
function slicingSocket(Base: typeof WebSocket): typeof WebSocket {
  return class SlicingSocket extends Base {
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (!(data instanceof Uint8Array)) return super.send(data);
      for (const message of sliceSyncMessage(data)) super.send(message);
    }
  };
}
