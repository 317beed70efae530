import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../../shared/codes.ts';
import { parseDocName } from '../../shared/doc-layout.ts';
import { encodeControl } from '../../shared/protocol/control.ts';
import { accessOf } from '../../shared/rules/access.ts';
import { CloseCode, MessageType, PROTOCOL_VERSION } from '../../shared/protocol/message-types.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import { authenticate } from '../auth/sessions.ts';
import type { ServerLimits } from '../limits.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import type { ClientRegistry } from './client-registry.ts';
import type { DocRoom, RoomPeer } from './room.ts';
import type { Rooms } from './rooms.ts';
import { mergeClientUpdate, type MergeOutcome } from './validated-merge.ts';
import { syncStep1Message, syncStep2Message } from './wire.ts';

export type SyncDeps = {
  store: Store;
  rooms: Rooms;
  registry: ClientRegistry;
  log: Logger;
  limits: ServerLimits;
  onAccepted: (room: DocRoom, outcome: MergeOutcome) => void;
};

/** Refused updates in a row after which a client is told to reset instead of trying again. */
const MAX_REFUSALS_IN_A_ROW = 20;

/**
 * One document socket: `/sync/<docName>?token=…&v=1`. The exchange:
 * authenticate (close 4401) → check the protocol version (close 4426) → check read access
 * (close 4403; a non-reader receives nothing of the document) → `welcome`, server sync step 1 →
 * then y-websocket sync and awareness, every client update going through the validated merge.
 * Messages that arrive while the socket is being authenticated wait in order.
 */
export function acceptSocket(ws: WebSocket, socket: Duplex, req: IncomingMessage, deps: SyncDeps): void {
  const early: Uint8Array[] = [];
  let onMessage: ((data: Uint8Array) => void) | null = null;
  ws.on('message', (data: Buffer) => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (onMessage) onMessage(bytes);
    else early.push(bytes);
  });
  ws.on('error', () => ws.terminate());
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
    ws.close(code, errorCode);
  }
  return null;
}

async function open(ws: WebSocket, socket: Duplex, req: IncomingMessage, deps: SyncDeps): Promise<((data: Uint8Array) => void) | null> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const version = url.searchParams.get('v');
  if (version !== null && version !== String(PROTOCOL_VERSION)) {
    return refuseSocket(ws, CloseCode.protocolVersion, ErrorCode.PROTOCOL_VERSION, `server speaks protocol ${PROTOCOL_VERSION}`);
  }
  const auth = await authenticate(deps.store, url.searchParams.get('token'));
  if (!auth.ok) return refuseSocket(ws, CloseCode.notSignedIn, auth.code, 'sign in first');
  const name = decodeURIComponent(url.pathname.slice('/sync/'.length));
  if (parseDocName(name) === null) return refuseSocket(ws, CloseCode.unknownDocument, ErrorCode.BAD_REQUEST, 'no such document');
  const room = await deps.rooms.hold(name);
  if (!room.canRead(auth.actor) || ws.readyState !== ws.OPEN) {
    deps.rooms.release(room);
    return refuseSocket(ws, CloseCode.notAReader, ErrorCode.NOT_A_READER, 'no access to this document');
  }
  const peer = makePeer(ws, socket, auth.actor);
  room.peers.add(peer);
  ws.on('close', () => {
    if (room.peers.delete(peer) || room.holds > 0) deps.rooms.release(room);
  });
  const access = room.sharing ? accessOf(room.sharing, auth.actor.username, room.project) : 'self';
  peer.control({ t: 'welcome', protocol: PROTOCOL_VERSION, username: auth.actor.username, doc: name, access });
  peer.send(syncStep1Message(room.doc));
  let refusedInARow = 0;
  return (data) => {
    void room
      .run(() => handleMessage(room, peer, data, deps))
      .then((outcome) => {
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
  };
}

async function handleMessage(room: DocRoom, peer: RoomPeer, data: Uint8Array, deps: SyncDeps): Promise<MergeOutcome | null> {
  if (!room.peers.has(peer)) return null;
  const decoder = decoding.createDecoder(data);
  let type: number;
  try {
    type = decoding.readVarUint(decoder);
    if (type === MessageType.sync) {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (step === syncProtocol.messageYjsSyncStep1) {
        peer.send(syncStep2Message(room.doc, payload));
        return null;
      }
      if (step === syncProtocol.messageYjsUpdate) return await mergeClientUpdate(room, peer, payload, deps, data);
      // Step 2 carries the client's whole state, mostly known already: only the net is stored.
      if (step === syncProtocol.messageYjsSyncStep2) return await mergeClientUpdate(room, peer, payload, deps);
    } else if (type === MessageType.awareness) {
      // Presence is relayed as it comes; it is never stored and never decides anything.
      room.broadcast(data, peer);
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

function makePeer(ws: WebSocket, socket: Duplex, actor: Actor): RoomPeer {
  return {
    actor,
    send: (message) => {
      if (ws.readyState === ws.OPEN) ws.send(message);
    },
    // Straight onto the upgraded socket, the one `ws` writes to: our sockets never compress,
    // so `ws` never holds a frame back, and whole frames written in order stay in order.
    sendFrame: (frame) => {
      if (ws.readyState === ws.OPEN) socket.write(frame);
    },
    control: (message) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeControl(message));
    },
    close: (code, reason) => ws.close(code, reason),
  };
}
