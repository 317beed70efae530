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
import { closeSoon, keepAlive, makePeer, refuseSocket } from './socket-peer.ts';
import { syncStep1Message } from '../../shared/protocol/sync-messages.ts';

export { CLOSE_GRACE_MS } from './socket-peer.ts';

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
 * One document socket: `/sync/<docName>?token=…&v=1`. The exchange:
 * authenticate (close 4401) → check the protocol version (close 4426) → check read access
 * (close 4403; a non-reader receives nothing of the document) → `welcome`, server sync step 1 →
 * then y-websocket sync and awareness, every client update going through the validated merge.
 * Messages that arrive while the socket is being authenticated wait in order.
 */
export function acceptSocket(ws: WebSocket, socket: Duplex, req: IncomingMessage, deps: SyncDeps, opener: SocketOpener = open): void {
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
  void opener(ws, socket, req, deps)
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

/** Authenticates a socket and returns its message handler; null when the socket was refused. */
export type SocketOpener = (ws: WebSocket, socket: Duplex, req: IncomingMessage, deps: SyncDeps) => Promise<((data: Uint8Array) => void) | null>;

/** The document name of a `/sync/<name>` path, or null when it is not valid percent-encoding. */
function docNameOf(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname.slice('/sync/'.length));
  } catch {
    return null;
  }
}

/** A socket that passed the checks every socket passes: its session, and its place in the directory. */
export type Admitted = {
  url: URL;
  auth: Extract<Awaited<ReturnType<typeof authenticate>>, { ok: true }>;
  entry: DirectorySocket;
  /** What the directory's `close` (logout, expiry) runs before the socket closes. */
  onClose: (detach: () => void) => void;
};

/**
 * The checks every socket passes before it names a document: protocol version (4426), a
 * session (4401), the account's socket count (4429); then the socket is in the directory, so
 * logout and expiry reach it.
 */
export async function admit(ws: WebSocket, req: IncomingMessage, deps: Pick<SyncDeps, 'store' | 'limits' | 'sockets'>): Promise<Admitted | null> {
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
  return { url, auth, entry, onClose: (d) => (detach = d) };
}

async function open(ws: WebSocket, socket: Duplex, req: IncomingMessage, deps: SyncDeps): Promise<((data: Uint8Array) => void) | null> {
  const admitted = await admit(ws, req, deps);
  if (!admitted) return null;
  const { url, auth, entry } = admitted;
  const username = auth.actor.username;
  let detach: (() => void) | null = null;
  admitted.onClose(() => detach?.());
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
  return inOrder(ws, handleInRoom);

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

/**
 * A socket's messages, handled one after another (a later one may depend on an earlier), with
 * backpressure: a client that sends faster than its messages are handled is not read further.
 */
export function inOrder(ws: WebSocket, handle: (data: Uint8Array) => Promise<void>): (data: Uint8Array) => void {
  let backlog: Promise<void> = Promise.resolve();
  let backlogBytes = 0;
  return (data) => {
    backlogBytes += data.byteLength;
    if (backlogBytes > MAX_BACKLOG_BYTES && !ws.isPaused) ws.pause();
    backlog = backlog.then(async () => {
      await handle(data);
      backlogBytes -= data.byteLength;
      if (ws.isPaused && backlogBytes <= MAX_BACKLOG_BYTES / 2) ws.resume();
      // After a large message the event loop is let go before this socket's next one is
      // handled: messages of other sockets that arrived meanwhile (another user's edit) go
      // first, so a client pouring out large messages delays them by one message, not by its backlog.
      if (data.byteLength > YIELD_AFTER_BYTES) await new Promise((resolve) => setImmediate(resolve));
    });
  };
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
