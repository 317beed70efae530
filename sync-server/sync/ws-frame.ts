/**
 * One unmasked, final, binary WebSocket frame (RFC 6455 §5.2) around `payload`: a server's
 * frame to a client. Built once for a message that goes to many readers, so each of them costs
 * one socket write instead of a fresh header, a corked two-part write and its bookkeeping.
 */
export function binaryFrame(payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x82; // FIN + opcode 2 (binary)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 0x10000) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.set(payload, headerLength);
  return frame;
}

/** Where the payload of a frame built by `binaryFrame` starts. */
export function frameHeaderLength(frame: Uint8Array): number {
  const length = frame[1]! & 0x7f;
  return length < 126 ? 2 : length === 126 ? 4 : 10;
}
