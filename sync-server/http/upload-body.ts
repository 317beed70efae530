import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../shared/codes.ts';
import { checkHeaderStart, HEADER_LENGTH, parseFcsMetadata, type FcsError, type FcsResult } from '../../shared/fcs/index.ts';
import { readHeader } from '../../shared/fcs/header.ts';
import type { Blobs } from '../files/blobs.ts';
import { withFileSource } from '../files/file-source.ts';
import { HttpError } from './json.ts';

/** An upload's body on disk, whole and hashed, not yet a blob (see `Blobs.adopt`). */
export type ReceivedUpload = { ok: true; temp: string; sha256: string; size: number };
/** The body's first bytes are not an FCS file: refused before the rest was read. */
export type RefusedUpload = { ok: false; error: FcsError };

export type ReceiveOptions = {
  blobs: Blobs;
  /** Bytes the body may have; past them it is cut off with 413. */
  maxBytes: number;
  /** A body that brings no byte for this long is abandoned (its socket destroyed). */
  idleMs: number;
};

/** The `Content-Length` the client declared, or null for a chunked body. */
export function declaredLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new HttpError(400, ErrorCode.BAD_REQUEST, 'bad Content-Length');
  return n;
}

/**
 * Streams an upload's body into a temporary file of the blob store, hashing it on the way, so
 * memory stays flat whatever the file's size: one chunk at a time, the next read only once the
 * last is on disk. The first bytes are checked as they come (the "FCS" magic, then the 58-byte
 * HEADER), so a body that is not an FCS file is refused without reading the rest; the caller
 * answers and closes the connection. Every way out but success removes the temporary file:
 * a refusal, a body over `maxBytes` (413), a client that disconnects, or one that stalls longer
 * than `idleMs` (its socket is destroyed, which also frees whatever the caller holds for it).
 */
export async function receiveUpload(req: IncomingMessage, opts: ReceiveOptions): Promise<ReceivedUpload | RefusedUpload> {
  const declared = declaredLength(req);
  const temp = opts.blobs.tempPath();
  const file = await open(temp, 'wx');
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  let done = false;
  let stalled = false;
  const stall = setTimeout(() => {
    stalled = true;
    req.destroy();
  }, opts.idleMs);
  try {
    // destroyOnReturn false: leaving the loop early leaves the socket open for the refusal.
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      stall.refresh();
      size += chunk.length;
      if (size > opts.maxBytes) throw new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE, `an upload may be at most ${opts.maxBytes} bytes`);
      if (head.length < HEADER_LENGTH) {
        head = Buffer.concat([head, chunk.subarray(0, HEADER_LENGTH - head.length)]);
        const refused = checkStart(head, declared);
        if (refused) return { ok: false, error: refused };
      }
      hash.update(chunk);
      await file.write(chunk);
    }
    await file.close();
    done = true;
    return { ok: true, temp, sha256: hash.digest('hex'), size };
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // The socket is gone: nobody reads an answer, but the route ends quietly, not as a failure.
    if (stalled) throw new HttpError(408, ErrorCode.BAD_REQUEST, `no bytes of the upload for ${opts.idleMs} ms`);
    if (req.destroyed) throw new HttpError(400, ErrorCode.BAD_REQUEST, 'the upload was cut off');
    throw error;
  } finally {
    clearTimeout(stall);
    if (!done) {
      await file.close().catch(() => undefined);
      rmSync(temp, { force: true });
    }
  }
}

/** The first bytes against what an FCS file starts with; with the declared length, TEXT's end too. */
function checkStart(head: Uint8Array, declared: number | null): FcsError | null {
  const early = checkHeaderStart(head);
  if (early) return early.error;
  if (head.length < HEADER_LENGTH || declared === null) return null;
  const h = readHeader(head, declared);
  return h.ok ? null : h.error;
}

/**
 * Parses a received upload's metadata from disk: only its HEADER and TEXT segments are read
 * (each at most `maxTextBytes`); the DATA segment is checked by its bounds and length.
 */
export function parseReceived(path: string, maxTextBytes: number): FcsResult {
  return withFileSource(path, (source) => parseFcsMetadata(source, { maxTextBytes }));
}
