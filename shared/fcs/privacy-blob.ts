/**
 * The privacy check over a Blob (a File picked in the browser, or `openAsBlob` of a file on
 * disk): only the HEADER and TEXT bytes are read, and a scrubbed copy is a Blob of a new start
 * followed by a lazy slice of the original, so neither the check nor the copy holds the file.
 */
import { HEADER_LENGTH, readHeader } from './header.ts';
import { locateFcsData, type FcsDataLocation, type FcsSource } from './parse.ts';
import { findPrivacyRisks, scrubbedStart, type PrivacyFinding, type ScrubRefusal } from './privacy.ts';
import type { FcsError, FcsFile } from './types.ts';

export type BlobPrivacy = {
  ok: true;
  findings: PrivacyFinding[];
  /** A copy without `remove`, or the reason it cannot be made. */
  scrub(remove: readonly string[]): { ok: true; blob: Blob } | ScrubRefusal;
};

/** TEXT is read whole into memory up to this size (real ones are kilobytes); the server's bound. */
export const PRIVACY_TEXT_MAX = 16 * 1024 * 1024;

export async function blobPrivacy(blob: Blob, maxTextBytes = PRIVACY_TEXT_MAX): Promise<BlobPrivacy | { ok: false; error: FcsError }> {
  const first = new Uint8Array(await blob.slice(0, HEADER_LENGTH).arrayBuffer());
  const header = readHeader(first, blob.size);
  if (!header.ok) return header;
  // HEADER through the end of the primary TEXT: all the parser reads (a supplemental TEXT past
  // it reads as missing bytes, and the file is then left to the server to judge).
  const prefixEnd = Math.min(blob.size, header.header.text[1] + 1, HEADER_LENGTH + maxTextBytes);
  const prefix = new Uint8Array(await blob.slice(0, prefixEnd).arrayBuffer());
  const source: FcsSource = { size: blob.size, read: (from, to) => prefix.subarray(Math.min(from, prefix.length), Math.min(to, prefix.length)) };
  const located = locateFcsData(source, { maxTextBytes });
  if (!located.ok) return located;
  const { file, data } = located as { file: FcsFile; data: FcsDataLocation };
  return {
    ok: true,
    findings: findPrivacyRisks(file.keywords),
    scrub(remove) {
      const start = scrubbedStart(file, data, remove);
      if (!start.ok) return start;
      return { ok: true, blob: new Blob([start.head, blob.slice(start.dataFrom, start.dataTo)], { type: blob.type }) };
    },
  };
}
