/**
 * Message types on a document socket. 0–3 are y-websocket's own (sync, awareness, auth, query
 * awareness), so the stock provider talks to our server unchanged; 10 is our control family,
 * which the stock provider ignores and our client core handles.
 */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  control: 10,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Bumped on any incompatible change to the messages; sent as the `v` query parameter. */
export const PROTOCOL_VERSION = 1;

/**
 * WebSocket close codes. y-websocket treats 4400–4499 as final and stops reconnecting, which is
 * what most of these need: the client must act (sign in, drop the copy, reset) first. The two
 * below 4400 are not final: reconnecting is the cure.
 */
export const CloseCode = {
  notSignedIn: 4401,
  notAReader: 4403,
  unknownDocument: 4404,
  resetRequired: 4409,
  protocolVersion: 4426,
  /** The account has as many sockets open as it may; close one first. */
  tooManySockets: 4429,
  /** The reader fell too far behind (its socket buffer passed the limit). Not final: a fresh sync catches up. */
  readerTooSlow: 4008,
  /** No answer to pings for too long. Not final. */
  idle: 4000,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Largest WebSocket message the server processes. One message is decoded, checked and applied
 * in one go, holding the server's event loop (and the document) for everyone else; at this
 * size that is about 20 ms (bench/attack-cost.ts). A larger one is refused with
 * UPDATE_TOO_COSTLY and the socket closed (4409). The client core sends larger updates, such
 * as a whole document after a long offline spell, in slices under this size
 * (extension/core/update-slices.ts); an experiment document is metadata, rarely above it.
 */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** Past this the server does not even read a message: `ws` closes the socket with 1009. */
export const MAX_FRAME_BYTES = 8 * MAX_MESSAGE_BYTES;
/** Largest HTTP JSON body the server reads. */
export const MAX_JSON_BYTES = 256 * 1024;
