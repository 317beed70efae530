import type { Duplex } from 'node:stream';
import * as syncProtocol from 'y-protocols/sync';
import type { WebSocket } from 'ws';
import type { ErrorCode } from '../../shared/codes.ts';
import { encodeControl } from '../../shared/protocol/control.ts';
import { encodeMuxFrame } from '../../shared/protocol/mux.ts';
import { CloseCode, MessageType } from '../../shared/protocol/message-types.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { ServerLimits } from '../limits.ts';
import type { RoomPeer } from './room.ts';
import type { SocketDirectory } from './socket-directory.ts';
import { syncStep2Message } from '../../shared/protocol/sync-messages.ts';
import { frameHeaderLength } from './ws-frame.ts';

/**
 * After the server closes a socket it stops writing to it and waits this long for the close
 * handshake; then the socket and whatever is still queued on it are dropped. A reader that is
 * merely slow still reads the close frame (and its code) in that time.
 */
export const CLOSE_GRACE_MS = 3_000;

export function refuseSocket(ws: WebSocket, code: number, errorCode: ErrorCode, message: string): null {
  if (ws.readyState === ws.OPEN) {
    ws.send(encodeControl({ t: 'closing', code: errorCode, message }));
    closeSoon(ws, code, errorCode);
  }
  return null;
}

/**
 * Starts the close handshake and drops the socket after CLOSE_GRACE_MS whatever the peer does,
 * so a peer that never reads (or never answers) cannot keep the socket and its buffers.
 */
export function closeSoon(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.OPEN) ws.close(code, reason);
  if (ws.readyState === ws.CLOSED) return;
  const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
  timer.unref();
  ws.once('close', () => clearTimeout(timer));
}

/**
 * Pings every `idleMs / 2`; a socket that answered no ping for `idleMs` is closed (4000, not
 * final: a client that is alive reconnects). Browsers and `ws` answer pings by themselves,
 * so the stock y-websocket client needs nothing for this.
 */
export function keepAlive(ws: WebSocket, idleMs: number): void {
  let lastPong = Date.now();
  ws.on('pong', () => {
    lastPong = Date.now();
  });
  const timer = setInterval(() => {
    if (ws.readyState !== ws.OPEN) return;
    if (Date.now() - lastPong >= idleMs) {
      clearInterval(timer);
      closeSoon(ws, CloseCode.idle, 'no answer to pings');
      return;
    }
    ws.ping();
  }, Math.max(1, Math.floor(idleMs / 2)));
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}

/**
 * A room peer over one socket. Every write first looks at what the socket still holds
 * (`ws.bufferedAmount`: the bytes queued on the socket, which includes frames written straight
 * to it, plus what `ws` holds back): past `socketBufferBytes`, the reader is too slow and
 * `onTooSlow` drops it instead of queueing more. The document's own size is allowed on top,
 * once: a sync step 2 carries the whole document, and a large one must not make a new reader
 * "too slow".
 *
 * What every socket of the account holds is summed in the directory (written and not yet
 * handed to the kernel, closing sockets included until they close): past `accountBufferBytes`,
 * a socket of the account that still holds bytes is dropped as too slow before more is queued,
 * so many sockets that never read cannot together hold more than that.
 *
 * A sync step 1 costs its sender a few bytes and the server an encoding of the whole document:
 * `answerStep1` answers one only when the socket holds no earlier answer still unsent (that
 * answer, and the updates relayed after it, already carry everything a new one would), at most
 * one per `syncStep1IntervalMs`, and only when the account is within its budget, checked
 * before anything is encoded.
 */
/**
 * A document on a multiplexed socket (mux-connection.ts): every message goes out under its
 * name, and closing the peer ends that document on the socket, not the socket.
 */
export type MuxedDoc = { doc: string; close: (code: number, reason: string) => void };

export function makePeer(
  ws: WebSocket,
  socket: Duplex,
  limits: ServerLimits,
  directory: SocketDirectory,
  actor: Actor,
  docOf: () => Parameters<typeof syncStep2Message>[0],
  onTooSlow: () => void,
  muxed?: MuxedDoc,
): { peer: RoomPeer; answerStep1: (stateVector: Uint8Array) => void } {
  const username = actor.username;
  let allowance = 0;
  let dropped = false;
  let queued = 0;
  let settled = false;
  let stepTwoUnsent = false;
  let lastAnswer = -Infinity;
  ws.once('close', () => {
    settled = true;
    directory.addQueued(username, -queued);
    queued = 0;
  });
  /** Counts `bytes` as queued on this socket until the returned callback says they left. */
  const track = (bytes: number): (() => void) => {
    if (settled) return () => {};
    queued += bytes;
    directory.addQueued(username, bytes);
    let done = false;
    return () => {
      if (done || settled) return;
      done = true;
      queued -= bytes;
      directory.addQueued(username, -bytes);
    };
  };
  const tooSlow = (): false => {
    dropped = true;
    onTooSlow();
    return false;
  };
  const writable = (): boolean => {
    if (dropped || ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount > limits.socketBufferBytes + allowance) return tooSlow();
    if (queued > 0 && directory.queued(username) > limits.accountBufferBytes + allowance) return tooSlow();
    return true;
  };
  const send = (plain: Uint8Array, sent?: () => void): void => {
    const message = muxed ? encodeMuxFrame(muxed.doc, plain) : plain;
    const flushed = track(message.byteLength);
    ws.send(message, () => {
      flushed();
      sent?.();
    });
  };
  const peer: RoomPeer = {
    actor,
    send: (message) => {
      if (!writable()) return;
      if (message[0] === MessageType.sync && message[1] === syncProtocol.messageYjsSyncStep2) allowance = Math.max(allowance, message.byteLength);
      send(message);
    },
    // Straight onto the upgraded socket, the one `ws` writes to: our sockets never compress,
    // so `ws` never holds a frame back, and whole frames written in order stay in order.
    sendFrame: (frame) => {
      if (!writable()) return;
      // A frame built for document sockets is re-framed with this document's name.
      if (muxed) return send(frame.subarray(frameHeaderLength(frame)));
      const flushed = track(frame.byteLength);
      socket.write(frame, () => flushed());
    },
    control: (message) => {
      if (writable()) send(encodeControl(message));
    },
    close: (code, reason) => (muxed ? muxed.close(code, reason) : closeSoon(ws, code, reason)),
  };
  const answerStep1 = (stateVector: Uint8Array): void => {
    // A socket asking again while its account is past the budget is dropped (`writable`), even
    // when its own earlier answer makes this one redundant.
    if (!writable() || stepTwoUnsent) return;
    if (Date.now() - lastAnswer < limits.syncStep1IntervalMs) return;
    // Checked before encoding: the encoding is the cost.
    if (directory.queued(username) > limits.accountBufferBytes + allowance) {
      tooSlow();
      return;
    }
    const message = syncStep2Message(docOf(), stateVector);
    allowance = Math.max(allowance, message.byteLength);
    stepTwoUnsent = true;
    lastAnswer = Date.now();
    send(message, () => {
      stepTwoUnsent = false;
    });
  };
  return { peer, answerStep1 };
}
