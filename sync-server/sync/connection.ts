import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../../shared/codes.ts';
import { parseDocName } from '../../shared/doc-layout.ts';
import { encodeControl } from '../../shared/protocol/control.ts';
import { accessOf } from '../../shared/rules/access.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import { CloseCode, MAX_MESSAGE_BYTES, MessageType, PROTOCOL_VERSION } from '../../shared/protocol/message-types.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import { authenticate } from '../auth/sessions.ts';
import type { ServerLimits } from '../limits.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { bookOf, decodeAwareness, encodeAwarenessMessage, judgeAwareness, type AwarenessSpeaker } from './awareness-check.ts';
import type { PresenceAcross } from './presence-across-nodes.ts';
import type { ClientRegistry } from './client-registry.ts';
import type { DocRoom, RoomPeer } from './room.ts';
import type { Rooms } from './rooms.ts';
import type { DirectorySocket, SocketDirectory } from './socket-directory.ts';
import { mergeClientUpdate, type MergeOutcome } from './validated-merge.ts';
import { syncStep1Message, syncStep2Message } from './wire.ts';

export type SyncDeps = {
  store: Store;
  rooms: Rooms;
  registry: ClientRegistry;
  log: Logger;
  limits: ServerLimits;
  /** Every open document socket, by session and account: logout and expiry close them. */
  sockets: SocketDirectory;
  onAccepted: (room: DocRoom, outcome: MergeOutcome) => void;
  /** Other nodes on the database hear checked presence through it; null on one node. */
  presence: PresenceAcross | null;
};

/** Bytes of one socket's messages waiting to be handled before the server stops reading it. */
const MAX_BACKLOG_BYTES = 4 * MAX_MESSAGE_BYTES;
/** A message larger than this lets the event loop go before the same socket's next one is handled. */
const YIELD_AFTER_BYTES = 16 * 1024;
/** Refused updates in a row after which a client is told to reset instead of trying again. */
const MAX_REFUSALS_IN_A_ROW = 20;
/** Refused presence messages after which the socket is closed: the stock client never sends one. */
const MAX_AWARENESS_REFUSALS = 10;
/** RFC 6455 "policy violation": the socket broke the protocol's rules; reconnecting is allowed. */
const CLOSE_POLICY_VIOLATION = 1008;
/**
 * After the server closes a socket it stops writing to it and waits this long for the close
 * handshake; then the socket and whatever is still queued on it are dropped. A reader that is
 * merely slow still reads the close frame (and its code) in that time.
 */
export const CLOSE_GRACE_MS = 3_000;

/**
 * One document socket: `/sync/<docName>?token=…&v=1`. The exchange:
 * authenticate (close 4401) → check the protocol version (close 4426) → check read access
 * (close 4403; a non-reader receives nothing of the document) → `welcome`, server sync step 1 →
 * then y-websocket sync and awareness, every client update going through the validated merge.
 * Messages that arrive while the socket is being authenticated wait in order.
 */
export function acceptSocket(ws: WebSocket, socket: Duplex, req: IncomingMessage, deps: SyncDeps): void {
  const early: Uint8Array[] = [];
  let earlyBytes = 0;
  let onMessage: ((data: Uint8Array) => void) | null = null;
  ws.on('message', (data: Buffer) => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength > MAX_MESSAGE_BYTES) {
      // Refused before it is decoded: decoding alone would hold the event loop too long.
      if (!onMessage) return ws.terminate();
      onMessage = () => undefined;
      return refuseSocket(ws, CloseCode.resetRequired, ErrorCode.UPDATE_TOO_COSTLY, `a message may hold at most ${MAX_MESSAGE_BYTES} bytes; send it in smaller parts`);
    }
    if (onMessage) return onMessage(bytes);
    // What waits for authentication is bounded like a reader's backlog.
    earlyBytes += bytes.byteLength;
    if (earlyBytes > deps.limits.socketBufferBytes) ws.terminate();
    else early.push(bytes);
  });
  ws.on('error', () => ws.terminate());
  keepAlive(ws, deps.limits.socketIdleMs);
  void open(ws, socket, req, deps)
    .then((session) => {
      if (!session) return;
      onMessage = session;
      for (const bytes of early.splice(0)) session(bytes);
    })
    .catch((error: unknown) => {
      // A store or load failure refuses this socket; it must never become an unhandled rejection.
      deps.log.error('sync socket failed to open', { error: String(error) });
      refuseSocket(ws, CloseCode.resetRequired, ErrorCode.INTERNAL, 'the server failed to open this document');
    });
}

function refuseSocket(ws: WebSocket, code: number, errorCode: ErrorCode, message: string): null {
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
function closeSoon(ws: WebSocket, code: number, reason: string): void {
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
function keepAlive(ws: WebSocket, idleMs: number): void {
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

/** The document name of a `/sync/<name>` path, or null when it is not valid percent-encoding. */
function docNameOf(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname.slice('/sync/'.length));
  } catch {
    return null;
  }
}

async function open(ws: WebSocket, socket: Duplex, req: IncomingMessage, deps: SyncDeps): Promise<((data: Uint8Array) => void) | null> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const version = url.searchParams.get('v');
  if (version !== null && version !== String(PROTOCOL_VERSION)) {
    return refuseSocket(ws, CloseCode.protocolVersion, ErrorCode.PROTOCOL_VERSION, `server speaks protocol ${PROTOCOL_VERSION}`);
  }
  const token = url.searchParams.get('token');
  const auth = await authenticate(deps.store, token);
  if (!auth.ok) return refuseSocket(ws, CloseCode.notSignedIn, auth.code, 'sign in first');
  if (ws.readyState !== ws.OPEN) return null;
  const username = auth.actor.username;
  // Counted and added with no await between, so concurrent opens cannot all pass the count.
  if (deps.sockets.count(username) >= deps.limits.socketsPerAccount) {
    return refuseSocket(ws, CloseCode.tooManySockets, ErrorCode.TOO_MANY_SOCKETS, `at most ${deps.limits.socketsPerAccount} open connections per account`);
  }
  let detach: (() => void) | null = null;
  const entry: DirectorySocket = {
    username,
    tokenHash: auth.tokenHash,
    close: (closeCode, code, message) => {
      detach?.();
      if (ws.readyState === ws.OPEN) ws.send(encodeControl({ t: 'closing', code, message }));
      closeSoon(ws, closeCode, code);
    },
  };
  deps.sockets.add(entry, auth.expiresAt);
  ws.once('close', () => deps.sockets.remove(entry));
  // A logout that ran while this socket was being authenticated found nothing to close: ask again.
  const still = await authenticate(deps.store, token);
  if (!still.ok) {
    deps.sockets.remove(entry);
    return refuseSocket(ws, CloseCode.notSignedIn, still.code, 'sign in first');
  }
  const name = docNameOf(url.pathname);
  if (name === null || parseDocName(name) === null) {
    deps.sockets.remove(entry);
    return refuseSocket(ws, CloseCode.unknownDocument, ErrorCode.BAD_REQUEST, 'no such document');
  }
  const room = await deps.rooms.hold(name);
  if (!room.canRead(auth.actor) || ws.readyState !== ws.OPEN) {
    deps.rooms.release(room);
    deps.sockets.remove(entry);
    return refuseSocket(ws, CloseCode.notAReader, ErrorCode.NOT_A_READER, 'no access to this document');
  }
  const speaker: AwarenessSpeaker = { username, ids: new Set(), maxIds: deps.limits.clientIdsPerSocket };
  const { peer, answerStep1 } = makePeer(ws, socket, deps.limits, deps.sockets, auth.actor, () => room.doc, () => {
    // Too far behind: nothing more is written to it, and its backlog goes with the socket. It
    // stays in the directory (counted against socketsPerAccount) until it has closed: its
    // buffers live until then, and reopening at once must not get round the cap.
    detach?.();
    deps.sockets.retire(entry);
    closeSoon(ws, CloseCode.readerTooSlow, ErrorCode.READER_TOO_SLOW);
  });
  let released = false;
  detach = () => {
    room.peers.delete(peer);
    if (released) return;
    released = true;
    bookOf(room).leave(speaker.ids);
    deps.rooms.release(room);
  };
  room.peers.add(peer);
  ws.once('close', () => detach?.());
  const access = room.sharing ? accessOf(inForce(room.sharing, Date.now()), username, room.project) : 'self';
  peer.control({ t: 'welcome', protocol: PROTOCOL_VERSION, username, doc: name, access });
  peer.send(syncStep1Message(room.doc));
  let refusedInARow = 0;
  const presence: PresenceState = { speaker, refusals: 0, answerStep1 };
  // This socket's messages, handled one after another (a later one may depend on an earlier).
  let backlog: Promise<void> = Promise.resolve();
  let backlogBytes = 0;
  return (data) => {
    backlogBytes += data.byteLength;
    // Backpressure: a client that sends faster than its messages are handled is not read further.
    if (backlogBytes > MAX_BACKLOG_BYTES && !ws.isPaused) ws.pause();
    backlog = backlog.then(async () => {
      await handleInRoom(data);
      backlogBytes -= data.byteLength;
      if (ws.isPaused && backlogBytes <= MAX_BACKLOG_BYTES / 2) ws.resume();
      // After a large message the event loop is let go before this socket's next one enters the
      // room: messages of other sockets that arrived meanwhile (another user's edit) go first,
      // so a client pouring out large messages delays them by one message, not by its backlog.
      if (data.byteLength > YIELD_AFTER_BYTES) await new Promise((resolve) => setImmediate(resolve));
    });
  };

  function handleInRoom(data: Uint8Array): Promise<void> {
    return room
      .run(() => handleMessage(room, peer, data, deps, presence))
      .then((outcome) => {
        if (presence.refusals > MAX_AWARENESS_REFUSALS && room.peers.has(peer)) {
          detach?.();
          peer.control({ t: 'closing', code: ErrorCode.AWARENESS_INVALID, message: 'too many refused presence messages' });
          closeSoon(ws, CLOSE_POLICY_VIOLATION, ErrorCode.AWARENESS_INVALID);
        }
        if (!outcome) return;
        refusedInARow = outcome.refused.length > 0 && outcome.accepted.length === 0 ? refusedInARow + 1 : 0;
        if (refusedInARow > MAX_REFUSALS_IN_A_ROW) {
          peer.control({ t: 'closing', code: ErrorCode.RESET_REQUIRED, message: 'too many refused changes' });
          peer.close(CloseCode.resetRequired, ErrorCode.RESET_REQUIRED);
        }
        if (outcome.accepted.length > 0) deps.onAccepted(room, outcome);
      })
      .catch((error: unknown) => {
        deps.log.error('sync message failed', { doc: room.name, user: peer.actor.username, error: String(error) });
        peer.control({ t: 'closing', code: ErrorCode.INTERNAL, message: 'the server failed; reload from the server' });
        peer.close(CloseCode.resetRequired, ErrorCode.INTERNAL);
      });
  }
}

/** What one socket has said in presence messages (the ids it speaks for, its refusals), and how it answers a sync step 1. */
type PresenceState = { speaker: AwarenessSpeaker; refusals: number; answerStep1: (stateVector: Uint8Array) => void };

async function handleMessage(room: DocRoom, peer: RoomPeer, data: Uint8Array, deps: SyncDeps, presence: PresenceState): Promise<MergeOutcome | null> {
  if (!room.peers.has(peer)) return null;
  const decoder = decoding.createDecoder(data);
  let type: number;
  try {
    type = decoding.readVarUint(decoder);
    if (type === MessageType.sync) {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (step === syncProtocol.messageYjsSyncStep1) {
        presence.answerStep1(payload);
        return null;
      }
      if (step === syncProtocol.messageYjsUpdate) return await room.locked(() => mergeClientUpdate(room, peer, payload, deps, data));
      // Step 2 carries the client's whole state, mostly known already: only the net is stored.
      if (step === syncProtocol.messageYjsSyncStep2) return await room.locked(() => mergeClientUpdate(room, peer, payload, deps));
    } else if (type === MessageType.awareness) {
      // Presence is never stored and never decides anything, but readers apply it: it is
      // checked, and what passes is relayed in a fresh encoding.
      await relayAwareness(room, peer, decoder, deps, presence);
      return null;
    } else if (type === MessageType.queryAwareness) {
      return null;
    }
  } catch {
    // Falls through to the refusal below: a truncated or garbled frame changes nothing.
  }
  peer.control({ t: 'refused', code: ErrorCode.BAD_REQUEST, message: 'message not understood', ranges: [] });
  return null;
}

async function relayAwareness(room: DocRoom, peer: RoomPeer, decoder: decoding.Decoder, deps: SyncDeps, presence: PresenceState): Promise<void> {
  const decoded = decodeAwareness(decoder, { maxEntries: deps.limits.awarenessEntriesPerMessage, maxStateBytes: deps.limits.awarenessStateBytes });
  const verdict = decoded.ok
    ? await judgeAwareness(
        bookOf(room),
        presence.speaker,
        decoded.entries,
        async (id) => (deps.registry.ownsAll([id], presence.speaker.username) ? presence.speaker.username : ((await deps.store.clientOwners([id])).get(id) ?? null)),
        // An unowned id announced here becomes this account's, as if written (see judgeAwareness).
        async (ids) => {
          const claim = await deps.registry.claim(ids, presence.speaker.username, {
            socketAllowance: presence.speaker.maxIds - presence.speaker.ids.size,
            perAccountPerDay: deps.limits.clientIdsPerAccountPerDay,
          });
          if (claim.ok) return { ok: true };
          return { ok: false, reason: claim.code === ErrorCode.FOREIGN_CLIENT_ID ? 'a presence state of another account’s client' : 'too many new client ids' };
        },
      )
    : decoded;
  if (!verdict.ok) {
    presence.refusals++;
    peer.control({ t: 'refused', code: ErrorCode.AWARENESS_INVALID, message: verdict.reason, ranges: [] });
    return;
  }
  if (verdict.relay.length > 0 && room.peers.has(peer)) {
    room.broadcast(encodeAwarenessMessage(verdict.relay), peer);
    deps.presence?.said(room, presence.speaker.username, verdict.relay);
  }
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
function makePeer(
  ws: WebSocket,
  socket: Duplex,
  limits: ServerLimits,
  directory: SocketDirectory,
  actor: Actor,
  docOf: () => Parameters<typeof syncStep2Message>[0],
  onTooSlow: () => void,
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
  const send = (message: Uint8Array, sent?: () => void): void => {
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
      const flushed = track(frame.byteLength);
      socket.write(frame, () => flushed());
    },
    control: (message) => {
      if (writable()) send(encodeControl(message));
    },
    close: (code, reason) => closeSoon(ws, code, reason),
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
