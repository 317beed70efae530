import { Inflate } from 'fflate';
import { ArchiveCaps } from './manifest.ts';
import { ArchiveReason, refuse } from './errors.ts';
import { checkArchivePath, foldPath } from './paths.ts';

/**
 * Reading a ZIP from a random-access source (a file on disk, a browser Blob) through its
 * central directory. Streaming readers that walk local headers cannot tell where an entry
 * written with a data descriptor ends (fflate's streaming writer always writes one) except by
 * guessing at signature bytes, which an FCS file's binary data may contain. The directory
 * says exactly where every entry's bytes are; only fflate's inflater touches the contents.
 *
 * Nothing here trusts a size field for memory: inflated bytes are counted as they come out and
 * the entry is refused the moment it passes the bound its caller gives.
 */
export type ArchiveSource = {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The bytes [offset, offset + length) in chunks, read as they are consumed. */
  stream(offset: number, length: number): AsyncIterable<Uint8Array>;
};

export type ZipEntry = {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
  /** Where the entry's compressed bytes start (after its local header). */
  dataOffset: number;
  directory: boolean;
};

const SIG_EOCD = 0x06054b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_MIN = 22;
const notZip = (why: string): never => refuse(ArchiveReason.notAZip, why);

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

function decodeName(bytes: Uint8Array, utf8: boolean): string {
  if (utf8 || bytes.every((b) => b < 0x80)) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return notZip('an entry name is not valid UTF-8');
    }
  }
  // Old tools write names in the DOS code page; anything outside ASCII is read as Latin-1.
  return String.fromCharCode(...bytes);
}

/** The archive's entries, checked: safe paths, no duplicates, no overlapping data, no encryption. */
export async function readDirectory(src: ArchiveSource): Promise<ZipEntry[]> {
  if (src.size < EOCD_MIN) notZip('too short to be a ZIP archive');
  if (src.size > ArchiveCaps.archiveBytes) refuse(ArchiveReason.tooLarge, `archives up to ${ArchiveCaps.archiveBytes} bytes are read`);
  const tailLength = Math.min(src.size, EOCD_MIN + 0xffff);
  const tail = await src.read(src.size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - EOCD_MIN; i >= 0; i--) {
    if (u32(tail, i) === SIG_EOCD && i + EOCD_MIN + u16(tail, i + 20) === tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) notZip('no end of central directory record');
  const count = u16(tail, eocd + 10);
  const dirSize = u32(tail, eocd + 12);
  const dirOffset = u32(tail, eocd + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) refuse(ArchiveReason.tooLarge, 'ZIP64 archives are not supported');
  if (u16(tail, eocd + 4) !== 0 || u16(tail, eocd + 8) !== count) notZip('multi-part archives are not supported');
  if (count > ArchiveCaps.entries) refuse(ArchiveReason.tooLarge, `more than ${ArchiveCaps.entries} entries`);
  if (dirSize > ArchiveCaps.directoryBytes) refuse(ArchiveReason.tooLarge, 'the central directory is too large');
  const eocdOffset = src.size - tailLength + eocd;
  if (dirOffset + dirSize > eocdOffset) notZip('the central directory lies outside the archive');
  const dir = await src.read(dirOffset, dirSize);

  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > dir.length || u32(dir, at) !== SIG_CENTRAL) notZip('a damaged central directory');
    const flags = u16(dir, at + 8);
    const method = u16(dir, at + 10);
    const compressedSize = u32(dir, at + 20);
    const nameLength = u16(dir, at + 28);
    const skip = u16(dir, at + 30) + u16(dir, at + 32);
    const localOffset = u32(dir, at + 42);
    if (at + 46 + nameLength + skip > dir.length) notZip('a damaged central directory');
    const name = decodeName(dir.subarray(at + 46, at + 46 + nameLength), (flags & 0x800) !== 0);
    at += 46 + nameLength + skip;
    if (flags & 1) refuse(ArchiveReason.unsupportedCompression, `entry ${name} is encrypted`);
    if (compressedSize === 0xffffffff || localOffset === 0xffffffff) refuse(ArchiveReason.tooLarge, 'ZIP64 entries are not supported');
    const directory = name.endsWith('/');
    checkArchivePath(directory ? name.slice(0, -1) : name);
    // Names compare as case-folded too: on a case-insensitive disk two of them are one file.
    const key = foldPath(name);
    if (seen.has(key)) refuse(ArchiveReason.duplicateEntry, `entry ${name} appears twice`);
    seen.add(key);
    if (method !== 0 && method !== 8) refuse(ArchiveReason.unsupportedCompression, `entry ${name} uses compression method ${method}`);
    entries.push({ name, method, compressedSize, localOffset, dataOffset: -1, directory });
  }

  // Each entry's local header must agree with the directory, and no two entries' bytes may
  // overlap: overlapping entries are how a small archive inflates to terabytes.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (const [i, entry] of byOffset.entries()) {
    if (entry.localOffset + 30 > dirOffset) notZip(`entry ${entry.name} lies outside the archive`);
    const head = await src.read(entry.localOffset, 30);
    if (u32(head, 0) !== SIG_LOCAL) notZip(`entry ${entry.name} has no local header`);
    const nameLength = u16(head, 26);
    const localName = await src.read(entry.localOffset + 30, nameLength);
    if (decodeName(localName, (u16(head, 6) & 0x800) !== 0) !== entry.name) notZip(`entry ${entry.name} is named differently in its local header`);
    entry.dataOffset = entry.localOffset + 30 + nameLength + u16(head, 28);
    const end = entry.dataOffset + entry.compressedSize;
    const next = byOffset[i + 1]?.localOffset ?? dirOffset;
    if (end > next) refuse(ArchiveReason.overlappingEntries, `entry ${entry.name} overlaps the next one`);
  }
  return entries;
}

/** Inflated pieces are at most this many times the compressed piece fed in (deflate's ratio). */
const FEED_BYTES = 8 * 1024;

/**
 * Streams one entry's inflated bytes to `onChunk`, refusing it once more than `limit` bytes
 * come out. Compressed input is fed in small pieces, so one piece of a bomb inflates to a few
 * MB at most before it is counted. Returns the number of bytes inflated.
 */
export async function inflateEntry(src: ArchiveSource, entry: ZipEntry, limit: number, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<number> {
  let total = 0;
  const out: Uint8Array[] = [];
  let ended = false;
  const count = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > limit) refuse(ArchiveReason.sizeExceeded, `entry ${entry.name} inflates past ${limit} bytes`);
  };
  const inflater = entry.method === 8 ? new Inflate((chunk, final) => {
    out.push(chunk);
    if (final) ended = true;
  }) : null;
  const drain = async () => {
    for (const chunk of out.splice(0)) {
      count(chunk);
      if (chunk.length > 0) await onChunk(chunk);
    }
  };
  for await (const piece of src.stream(entry.dataOffset, entry.compressedSize)) {
    // A stored piece comes out as it went in: no need to cut it.
    const step = inflater === null ? piece.length : FEED_BYTES;
    for (let at = 0; at < piece.length; at += step) {
      const part = piece.subarray(at, at + step);
      if (inflater === null) out.push(part);
      else {
        if (ended) refuse(ArchiveReason.notAZip, `entry ${entry.name} has bytes after its compressed end`);
        try {
          inflater.push(part, false);
        } catch {
          refuse(ArchiveReason.notAZip, `entry ${entry.name} is not valid deflate data`);
        }
      }
      await drain();
    }
  }
  if (inflater !== null && !ended) {
    try {
      inflater.push(new Uint8Array(0), true);
    } catch {
      refuse(ArchiveReason.notAZip, `entry ${entry.name} is cut short`);
    }
    await drain();
  }
  return total;
}
