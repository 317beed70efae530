import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * An append-only file in front of the `doc_updates` table. Every accepted update must be durable
 * before anyone is told of it, and that write sits on the path of every edit: a SQLite commit
 * costs 15–60 µs (file locks, a page frame for the table, one for its index, one for the
 * sequence), where one `write(2)` to this file costs about 1 µs. So an update is durable once it
 * is in the journal; a drain moves what has gathered into SQLite in one transaction, off the
 * path of any edit, and empties the file.
 *
 * Durability is the same as SQLite's WAL at `synchronous = NORMAL`, which the rest of the store
 * uses: a crash of the process loses nothing written; a power cut may lose the last moments.
 * A crash between a drain's commit and the file being emptied is harmless: records carry their
 * sequence number, and recovery inserts them with `INSERT OR IGNORE`.
 *
 * Record: u32 body length, u32 CRC-32 of the body, body = f64 seq, u16 doc name length, doc
 * name (UTF-8), update bytes. All little-endian. A torn last record fails its length or CRC
 * check and is dropped: its write never returned, so it was never acknowledged.
 */
export type JournalEntry = { seq: number; doc: string; update: Uint8Array };

/** The journal's file name in the data folder. */
export const JOURNAL_FILE = 'updates.journal';

const HEADER = 8;
const SEQ_AND_NAME = 10;

export class UpdateJournal {
  private readonly fd: number;
  /** Entries in the file, in order: what an earlier process left, then what was appended since. */
  private pending: JournalEntry[];

  constructor(readonly path: string) {
    const bytes = readFileOrEmpty(path);
    const { entries, end } = readRecords(bytes);
    this.pending = entries;
    this.fd = openSync(path, 'a');
    // A torn record left at the end would hide every record appended after it from the next recovery.
    if (end < bytes.length) ftruncateSync(this.fd, end);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Writes one entry; when this returns, the entry survives a crash of the process. */
  append(entry: JournalEntry): void {
    const record = encodeRecord(entry);
    let written = 0;
    while (written < record.length) written += writeSync(this.fd, record, written);
    this.pending.push(entry);
  }

  /**
   * Hands every entry in the file to `store`, then empties the file. If `store` throws, the
   * entries stay, in the file and here, for the next drain.
   */
  drain(store: (entries: readonly JournalEntry[]) => void): void {
    if (this.pending.length === 0) return;
    store(this.pending);
    this.pending = [];
    ftruncateSync(this.fd, 0);
  }

  close(): void {
    closeSync(this.fd);
  }
}

export function encodeRecord({ seq, doc, update }: JournalEntry): Buffer {
  // The name is written straight into the record: one allocation per update, not two.
  const nameLength = Buffer.byteLength(doc, 'utf8');
  const record = Buffer.allocUnsafe(HEADER + SEQ_AND_NAME + nameLength + update.length);
  const body = record.subarray(HEADER);
  body.writeDoubleLE(seq, 0);
  body.writeUInt16LE(nameLength, 8);
  body.write(doc, SEQ_AND_NAME, 'utf8');
  body.set(update, SEQ_AND_NAME + nameLength);
  record.writeUInt32LE(body.length, 0);
  record.writeUInt32LE(crc32(body), 4);
  return record;
}

/** Every whole record of `bytes`, in order, up to the first torn or damaged one. */
export function readJournal(bytes: Buffer): JournalEntry[] {
  return readRecords(bytes).entries;
}

/** The whole records of `bytes` and the offset where they end. */
function readRecords(bytes: Buffer): { entries: JournalEntry[]; end: number } {
  const out: JournalEntry[] = [];
  let at = 0;
  while (bytes.length - at >= HEADER) {
    const length = bytes.readUInt32LE(at);
    const end = at + HEADER + length;
    if (length < SEQ_AND_NAME || end > bytes.length) break;
    const body = bytes.subarray(at + HEADER, end);
    if (crc32(body) !== bytes.readUInt32LE(at + 4)) break;
    const nameLength = body.readUInt16LE(8);
    if (SEQ_AND_NAME + nameLength > body.length) break;
    out.push({
      seq: body.readDoubleLE(0),
      doc: body.toString('utf8', SEQ_AND_NAME, SEQ_AND_NAME + nameLength),
      update: new Uint8Array(body.subarray(SEQ_AND_NAME + nameLength)),
    });
    at = end;
  }
  return { entries: out, end: at };
}

function readFileOrEmpty(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}
