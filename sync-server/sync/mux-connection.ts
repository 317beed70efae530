import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../../shared/codes.ts';
import { DocKind, parseDocName, type DocRef } from '../../shared/doc-layout.ts';
import { encodeControl, type ControlMessage } from '../../shared/protocol/control.ts';
import { CloseCode, MessageType, PROTOCOL_VERSION } from '../../shared/protocol/message-types.ts';
import { encodeMuxFrame, MuxMessageType, readMuxFrame } from '../../shared/protocol/mux.ts';
import { admit, inOrder, type SyncDeps } from './connection.ts';
import { canReadDoc, storedReaders } from './read-access.ts';
import type { DocRoom, RoomPeer } from './room.ts';
import type { DirectorySocket } from './socket-directory.ts';
import { closeSoon, makePeer } from './socket-peer.ts';
import { storedStep2 } from './stored-state.ts';
import { syncStep2Message } from '../../shared/protocol/sync-messages.ts';
import { mergeClientUpdate } from './validated-merge.ts';

/**
 * The multiplexed socket (`/mux`, shared/protocol/mux.ts): one WebSocket for many documents.
 *
 * Lifecycle of a document on it. A *catch-up* (sync step 1) of an experiment is answered from
 * stored state (stored-state.ts): no room is loaded, nothing stays; that is what a client
 * holding hundreds of experiments does after a day offline. Other kinds (index, connections,
 * project, catalog: a few per user, some rebuilt when loaded) are answered by their room,
 * held for the answer only. A *follow* holds the room (a loaded Y.Doc) and joins it as a peer,
 * exactly as a document socket does: live changes, writes through the validated merge,
 * revocation. A followed document counts against `socketsPerAccount` like a document socket,
 * and a logout or an expired session ends the whole socket.
 *
 * Read access is decided per document, for every catch-up and follow, by the same rule a room
 * applies (read-access.ts), from the database's sharing state: a document the account cannot
 * read, whether it exists or not, gets the same `closing NOT_A_READER` under its name. A revoked
 * follower gets `closing ACCESS_REVOKED` under that name only; its other documents go on.
 */
export async function openMux(ws: WebSocket, socket: Duplex, req: IncomingMessage, deps: SyncDeps): Promise<((data: Uint8Array) => void) | null> {
  const admitted = await admit(ws, req, deps);
  if (!admitted) return null;
  const { auth, entry } = admitted;
  const actor = auth.actor;
  const named = new Set<string>();
  const followed = new Map<string, { room: DocRoom; peer: RoomPeer; leave: () => void }>();
  const bucket = tokenBucket(deps.limits.muxCatchUpBurst, deps.limits.muxCatchUpsPerSecond);
  const tooSlow = (): void => {
    leaveAll();
    deps.sockets.retire(entry);
    closeSoon(ws, CloseCode.readerTooSlow, ErrorCode.READER_TOO_SLOW);
  };
  // Socket-level frames and catch-up answers, under the socket's own buffer accounting.
  const { peer: base } = makePeer(ws, socket, deps.limits, deps.sockets, actor, () => {
    throw new Error('the socket itself holds no document');
  }, tooSlow);
  const leaveAll = (): void => {
    for (const { leave } of [...followed.values()]) leave();
  };
  admitted.onClose(leaveAll);
  ws.once('close', leaveAll);
  const toDoc = (doc: string, message: ControlMessage): void => base.send(encodeMuxFrame(doc, encodeControl(message)));
  const refuseDoc = (doc: string, code: ErrorCode, message: string): void => toDoc(doc, { t: 'closing', code, message });
  toDoc('', { t: 'welcome', protocol: PROTOCOL_VERSION, username: actor.username, doc: '', access: 'self' });

  /** Counts a document against `docsPerMuxSocket` the first time the socket names it. */
  const mayName = (doc: string): boolean => {
    if (named.has(doc)) return true;
    if (named.size >= deps.limits.docsPerMuxSocket) return false;
    named.add(doc);
    return true;
  };

  async function catchUp(doc: string, ref: DocRef, stateVector: Uint8Array): Promise<void> {
    if (!bucket.take()) return refuseDoc(doc, ErrorCode.TOO_MANY_ATTEMPTS, `at most ${deps.limits.muxCatchUpsPerSecond} catch-ups a second on one connection`);
    if (ref.kind !== DocKind.experiment || (await deps.rooms.ifLoaded(doc))) {
      // Other kinds are few per user and some are rebuilt when loaded; a room loaded here may
      // still be storing a change it has acknowledged (on PostgreSQL the append commits when
      // its turn ends). Either way the room answers, after the turns before this one.
      const answer = await deps.rooms.with(doc, (room) => room.run(() => (room.canRead(actor) ? answerFrom(room, stateVector) : null)));
      return answer ? base.send(encodeMuxFrame(doc, answer)) : refuseDoc(doc, ErrorCode.NOT_A_READER, 'no access to this document');
    }
    const { sharing, project } = await storedReaders(deps.store, ref);
    if (!canReadDoc(ref, sharing, project, actor, Date.now())) return refuseDoc(doc, ErrorCode.NOT_A_READER, 'no access to this document');
    base.send(encodeMuxFrame(doc, await storedStep2(deps.store, doc, stateVector, deps.limits)));
  }

  async function follow(doc: string, stateVector: Uint8Array): Promise<void> {
    if (followed.has(doc)) return;
    if (deps.sockets.count(actor.username) >= deps.limits.socketsPerAccount) {
      return refuseDoc(doc, ErrorCode.TOO_MANY_SOCKETS, `at most ${deps.limits.socketsPerAccount} open connections per account`);
    }
    const room = await deps.rooms.hold(doc);
    if (!room.canRead(actor) || ws.readyState !== ws.OPEN || followed.has(doc)) {
      deps.rooms.release(room);
      if (!followed.has(doc)) refuseDoc(doc, ErrorCode.NOT_A_READER, 'no access to this document');
      return;
    }
    joinRoom(doc, room, stateVector);
  }

  /** Joins `room` as the peer of `doc` on this socket and answers the follower's state vector. */
  function joinRoom(doc: string, room: DocRoom, stateVector: Uint8Array): void {
    let left = false;
    const docEntry: DirectorySocket = {
      username: actor.username,
      tokenHash: auth.tokenHash,
      // A session ending closes the whole socket (through the socket's own entry); this one just goes.
      close: () => leave(),
    };
    const { peer, answerStep1 } = makePeer(ws, socket, deps.limits, deps.sockets, actor, () => room.doc, tooSlow, { doc, close: () => leave() });
    const leave = (): void => {
      if (left) return;
      left = true;
      followed.delete(doc);
      room.peers.delete(peer);
      deps.sockets.remove(docEntry);
      deps.rooms.release(room);
    };
    deps.sockets.add(docEntry, auth.expiresAt);
    followed.set(doc, { room, peer, leave });
    room.peers.add(peer);
    void room.run(() => answerStep1(stateVector)).catch(() => leave());
  }

  async function write(doc: string, message: Uint8Array, payload: Uint8Array, whole: boolean): Promise<void> {
    const held = followed.get(doc);
    if (!held || !held.room.peers.has(held.peer)) {
      return toDoc(doc, { t: 'refused', code: ErrorCode.BAD_REQUEST, message: 'follow the document before writing to it', ranges: [] });
    }
    const { room, peer } = held;
    const outcome = await room.run(() => room.locked(() => mergeClientUpdate(room, peer, payload, deps, whole ? message : null)));
    if (outcome && outcome.accepted.length > 0) deps.onAccepted(room, outcome);
  }

  async function handle(data: Uint8Array): Promise<void> {
    const frame = readMuxFrame(data);
    if (!frame) return toDoc('', { t: 'refused', code: ErrorCode.BAD_REQUEST, message: 'a frame must start with a document name', ranges: [] });
    const { doc, message } = frame;
    const ref = parseDocName(doc);
    if (ref === null) return refuseDoc(doc, ErrorCode.BAD_REQUEST, 'no such document');
    const request = readRequest(message);
    if (request === null) return toDoc(doc, { t: 'refused', code: ErrorCode.BAD_REQUEST, message: 'message not understood', ranges: [] });
    if (request.t === 'leave') return followed.get(doc)?.leave();
    if (!mayName(doc)) return refuseDoc(doc, ErrorCode.TOO_MANY_DOCUMENTS, `at most ${deps.limits.docsPerMuxSocket} documents on one connection`);
    try {
      if (request.t === 'catch-up') return await catchUp(doc, ref, request.stateVector);
      if (request.t === 'follow') return await follow(doc, request.stateVector);
      return await write(doc, message, request.payload, request.t === 'update');
    } catch (error) {
      deps.log.error('mux message failed', { doc, user: actor.username, error: String(error) });
      refuseDoc(doc, ErrorCode.INTERNAL, 'the server failed on this document');
    }
  }

  return inOrder(ws, handle);
}

type MuxRequest =
  | { t: 'catch-up'; stateVector: Uint8Array }
  | { t: 'follow'; stateVector: Uint8Array }
  | { t: 'update'; payload: Uint8Array }
  | { t: 'step2'; payload: Uint8Array }
  | { t: 'leave' };

/** A document's message, decoded whole before anything acts on it; null when it is not one the socket takes. */
function readRequest(message: Uint8Array): MuxRequest | null {
  try {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    if (type === MuxMessageType.leave) return { t: 'leave' };
    if (type === MuxMessageType.follow) return { t: 'follow', stateVector: checkedVector(decoding.readVarUint8Array(decoder)) };
    if (type !== MessageType.sync) return null;
    const step = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (step === syncProtocol.messageYjsSyncStep1) return { t: 'catch-up', stateVector: checkedVector(payload) };
    if (step === syncProtocol.messageYjsUpdate) return { t: 'update', payload };
    if (step === syncProtocol.messageYjsSyncStep2) return { t: 'step2', payload };
    return null;
  } catch {
    return null;
  }
}

/** A state vector that decodes (Y.diffUpdate would throw on one that does not). */
function checkedVector(bytes: Uint8Array): Uint8Array {
  Y.decodeStateVector(bytes);
  return bytes;
}

/** The answer of a loaded room to a sync step 1, as a document socket gives it. */
const answerFrom = (room: DocRoom, stateVector: Uint8Array): Uint8Array => syncStep2Message(room.doc, stateVector);

/** `burst` tokens, refilled at `perSecond`: a catch-up takes one. */
function tokenBucket(burst: number, perSecond: number): { take(): boolean } {
  let tokens = burst;
  let at = Date.now();
  return {
    take() {
      const now = Date.now();
      tokens = Math.min(burst, tokens + ((now - at) / 1000) * perSecond);
      at = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

