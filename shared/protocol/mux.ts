import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { z } from 'zod';

/**
 * The multiplexed socket, `/mux?token=…&v=1`: one WebSocket carrying many documents, as
 * Hocuspocus does. Every frame, both ways, is `varString(docName)` followed by one message of
 * the document socket's grammar (message-types.ts: y-websocket's sync family, our control
 * family), or one of the two below. A frame about the socket as a whole (a `closing` before the
 * socket closes, a frame not understood) names the document "".
 *
 * Per document, from the client:
 *   sync step 1   catch up: the server answers a sync step 2 against the given state vector,
 *                 read from stored state (no document is loaded for it); nothing more follows
 *   follow        `varUint(11) varUint8Array(stateVector)`: stay for live changes; the server
 *                 answers a sync step 2 from the document it now holds loaded, then relays
 *                 every change; sync updates from the client are accepted only on a followed document
 *   leave         `varUint(12)`: stop following
 * A document the client may not read, or may not add now, gets `closing {code}` under its name,
 * and that document alone ends; the socket and the others go on.
 */
export const MuxMessageType = { follow: 11, leave: 12 } as const;

/** A document name is short (doc-layout.ts); a longer one is refused before it is parsed. */
export const MAX_MUX_DOC_NAME_CHARS = 128;

const DocNameField = z.string().max(MAX_MUX_DOC_NAME_CHARS);

export function encodeMuxFrame(doc: string, message: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, doc);
  encoding.writeUint8Array(encoder, message);
  return encoding.toUint8Array(encoder);
}

/** The document name a frame is about and the message it carries; null when the frame does not say. */
export function readMuxFrame(frame: Uint8Array): { doc: string; message: Uint8Array } | null {
  try {
    const decoder = decoding.createDecoder(frame);
    // The name's length is read first, so a frame claiming a huge name is refused unread.
    const length = decoding.peekVarUint(decoder);
    if (length > MAX_MUX_DOC_NAME_CHARS * 4) return null;
    const doc = DocNameField.safeParse(decoding.readVarString(decoder));
    if (!doc.success) return null;
    return { doc: doc.data, message: frame.subarray(decoder.pos) };
  } catch {
    return null;
  }
}

export function followMessage(stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MuxMessageType.follow);
  encoding.writeVarUint8Array(encoder, stateVector);
  return encoding.toUint8Array(encoder);
}

export function leaveMessage(): Uint8Array {
  return Uint8Array.of(MuxMessageType.leave);
}
