import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { readControl } from '../../shared/protocol/control.ts';
import { MessageType, PROTOCOL_VERSION } from '../../shared/protocol/message-types.ts';
import { encodeMuxFrame, readMuxFrame } from '../../shared/protocol/mux.ts';
import { syncStep1Message } from '../../shared/protocol/sync-messages.ts';
import { syncUrl } from './api.ts';
import type { LinkOptions } from './doc-link.ts';

/**
 * Catching up many documents over one multiplexed socket (`/mux`, shared/protocol/mux.ts)
 * instead of one socket each: every document's state vector goes out at once, the server
 * answers each from stored state, and the answers are applied as they come. Read-only: edits
 * waiting in the outbox still go over their document's own socket (sync-engine.ts), where
 * the acks that settle them come.
 */
export type MuxDocResult = { ok: true } | { ok: false; code: string };
export type MuxCatchUpOutcome =
  | { t: 'done'; results: Map<string, MuxDocResult> }
  /** The socket never opened (or the server has no `/mux`): the caller falls back to document sockets. */
  | { t: 'unreachable' }
  /** The server closed the socket for good (4400–4499: signed out, …). */
  | { t: 'closed'; code: number };

/** Fewer documents than this go over their own sockets: one socket each costs no more. */
export const MUX_FROM_DOCS = 3;
/** Documents asked on one multiplexed socket (the server's bound, docsPerMuxSocket, is higher). */
export const MUX_DOCS_PER_SOCKET = 500;

type SocketLike = {
  binaryType: string;
  readyState: number;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: (() => void) | null;
  send(data: Uint8Array): void;
  close(): void;
};

export function muxUrl(server: string, token: string): string {
  const url = new URL(syncUrl(server).replace(/\/sync$/, '/mux'));
  url.searchParams.set('token', token);
  url.searchParams.set('v', String(PROTOCOL_VERSION));
  return url.toString();
}

/**
 * Catches up `docs` over one socket; resolves when every document has its answer (or its
 * refusal), the socket closes, or `timeoutMs` passes (documents without an answer by then are
 * missing from `results`).
 */
export function catchUpOverMux(docs: ReadonlyMap<string, Y.Doc>, options: LinkOptions, timeoutMs: number): Promise<MuxCatchUpOutcome> {
  const Socket = (options.WebSocketPolyfill ?? globalThis.WebSocket) as (new (url: string) => SocketLike) | undefined;
  if (!Socket) return Promise.resolve({ t: 'unreachable' });
  return new Promise((resolve) => {
    const results = new Map<string, MuxDocResult>();
    let opened = false;
    let settled = false;
    const ws = new Socket(muxUrl(options.server, options.token));
    ws.binaryType = 'arraybuffer';
    const finish = (outcome: MuxCatchUpOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(opened ? { t: 'done', results } : { t: 'unreachable' }), timeoutMs);
    const answered = (name: string, result: MuxDocResult): void => {
      if (!docs.has(name) || results.has(name)) return;
      results.set(name, result);
      if (results.size === docs.size) finish({ t: 'done', results });
    };
    ws.onopen = () => {
      opened = true;
      for (const [name, doc] of docs) ws.send(encodeMuxFrame(name, syncStep1Message(doc)));
      if (docs.size === 0) finish({ t: 'done', results });
    };
    ws.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const frame = readMuxFrame(new Uint8Array(event.data));
      if (!frame) return;
      const doc = docs.get(frame.doc);
      try {
        const decoder = decoding.createDecoder(frame.message);
        const type = decoding.readVarUint(decoder);
        if (type === MessageType.control) {
          const control = readControl(decoder);
          if (control?.t === 'closing' && frame.doc !== '') answered(frame.doc, { ok: false, code: control.code });
          return;
        }
        if (type !== MessageType.sync || !doc) return;
        const step = decoding.readVarUint(decoder);
        if (step !== syncProtocol.messageYjsSyncStep2 && step !== syncProtocol.messageYjsUpdate) return;
        Y.applyUpdate(doc, decoding.readVarUint8Array(decoder), MUX_ORIGIN);
        if (step === syncProtocol.messageYjsSyncStep2) answered(frame.doc, { ok: true });
      } catch {
        answered(frame.doc, { ok: false, code: 'BAD_REQUEST' });
      }
    };
    ws.onclose = (event) => {
      if (event.code >= 4400 && event.code < 4500) finish({ t: 'closed', code: event.code });
      else finish(opened ? { t: 'done', results } : { t: 'unreachable' });
    };
    ws.onerror = () => undefined;
  });
}

/** The origin of what a catch-up applies (a remote change, like the provider's). */
export const MUX_ORIGIN = Symbol('mux');
