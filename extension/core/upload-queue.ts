import { ErrorCode } from '../../shared/codes.ts';
import type { CytoshareDb } from './browser-db.ts';
import { RuleRefusal } from './contract.ts';
import { newDraftId } from './ids.ts';
import { PendingUpload, PendingUploadRecord, type PendingUploadState } from './pending-upload.ts';

export { PendingUpload, PendingUploadRecord, PendingUploadState } from './pending-upload.ts';

/**
 * FCS files chosen while the server was away. Each is one Dexie record holding the bytes (a
 * Blob) with its experiment, name and state, written in one transaction: an entry is whole or
 * absent, and `keep` resolves only once it is committed, so "kept" is never said of bytes that
 * are not on disk. The entry stays until the upload is accepted (then removed) or refused
 * (kept with the reason until the person discards it).
 *
 * States: `waiting` for the server; `sending` while the worker uploads it (the worker is the
 * only sender, extension/background/upload-sender.ts, so a `sending` entry found when it starts
 * a round was cut off and waits again); `refused` with the server's code and the words shown for it.
 */
export class UploadQueue {
  constructor(private readonly db: CytoshareDb) {}

  /**
   * Keeps the file for a later upload. Refused at once (nothing stored) when the experiment
   * already waits for a file of that name: tags are keyed by file name.
   */
  async keep(experimentId: string, name: string, blob: Blob, now = Date.now()): Promise<PendingUpload> {
    const entry = PendingUpload.parse({ id: newDraftId(), experimentId, name, size: blob.size, createdAt: now, state: 'waiting' });
    await this.db.transaction('rw', this.db.uploads, async () => {
      const same = await this.db.uploads.where('experimentId').equals(experimentId).filter((u) => u.name === name && u.state !== 'refused').count();
      if (same > 0) throw new RuleRefusal(ErrorCode.FILE_NAME_TAKEN, 'a file of that name already waits to upload', ['name']);
      await this.db.uploads.add({ ...entry, blob });
    });
    return entry;
  }

  /** Every entry, oldest first, without the bytes. */
  async list(): Promise<PendingUpload[]> {
    const rows = await this.db.uploads.orderBy('createdAt').toArray();
    return rows.map((row) => {
      const parsed = PendingUploadRecord.safeParse(row);
      if (!parsed.success) throw new Error(`the kept upload ${String(row.id)} is corrupt`);
      const { blob: _blob, ...entry } = parsed.data;
      return entry;
    });
  }

  /** The kept bytes, or null once the entry is gone. */
  async blob(id: string): Promise<Blob | null> {
    return (await this.db.uploads.get(id))?.blob ?? null;
  }

  async setState(id: string, state: PendingUploadState, refusal?: { code: string; words: string }): Promise<void> {
    await this.db.transaction('rw', this.db.uploads, async () => {
      const row = await this.db.uploads.get(id);
      if (!row) return;
      const { code: _code, words: _words, ...rest } = row;
      await this.db.uploads.put({ ...rest, state, ...(state === 'refused' && refusal ? refusal : {}) });
    });
  }

  async remove(id: string): Promise<void> {
    await this.db.uploads.delete(id);
  }

  /** Entries left `sending` by an interrupted sender wait again; only the one sender calls it. */
  async resetSending(): Promise<void> {
    await this.db.transaction('rw', this.db.uploads, async () => {
      const stale = await this.db.uploads.filter((u) => u.state === 'sending').toArray();
      for (const row of stale) await this.db.uploads.put({ ...row, state: 'waiting' });
    });
  }
}
