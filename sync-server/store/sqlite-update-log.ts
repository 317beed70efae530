import type Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { readJournal, UpdateJournal, type JournalEntry } from './update-journal.ts';
import type { CatchUpRow, DocumentLog, SnapshotSummary, UpdateLog } from './store.ts';

/** How long appended updates may wait in the journal before a drain moves them into SQLite. */
const DRAIN_AFTER_MS = 50;
/** A journal this long is drained at the next turn of the event loop instead. */
const DRAIN_AT_ENTRIES = 1_000;
const DRAIN_RETRY_MS = 1_000;

/**
 * Whose journal this is. The server owns it: it appends, drains and recovers. A tool opening the
 * data folder beside a running server (`cytoshare admin`) only reads it, so what it loads
 * includes updates the server has acknowledged but not yet drained, and it never empties the
 * file under the server.
 */
export type JournalRole = { owner: UpdateJournal } | { reader: string } | null;

/**
 * The update log on SQLite. Sequence numbers are handed out here rather than by SQLite: a
 * journaled update has no row yet. The counter starts after the highest number SQLite and the
 * journal hold, and one process owns the data folder, so numbers never repeat.
 */
export class SqliteUpdateLog implements UpdateLog {
  private readonly st;
  private nextSeq: number;
  private drainTimer: NodeJS.Timeout | null = null;
  private drainSoon: NodeJS.Immediate | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly journal: JournalRole,
    /** False while a unit of work holds the connection: a drain then waits (see `drainInBackground`). */
    private readonly mayWrite: () => boolean,
  ) {
    this.st = {
      loadUpdates: db.prepare<[string], { seq: number; data: Buffer }>('SELECT seq, data FROM doc_updates WHERE doc = ? ORDER BY seq'),
      docNames: db.prepare<[number, string], { doc: string }>('SELECT DISTINCT doc FROM doc_updates WHERE substr(doc, 1, ?) = ? ORDER BY doc'),
      insertUpdate: db.prepare('INSERT OR IGNORE INTO doc_updates (seq, doc, data) VALUES (?, ?, ?)'),
      insertSnapshot: db.prepare('INSERT INTO doc_updates (seq, doc, data, clocks, deletes) VALUES (?, ?, ?, ?, ?)'),
      catchUpRows: db.prepare<[string], { seq: number; bytes: number; data: Buffer | null; clocks: Buffer | null; deletes: Buffer | null }>(
        'SELECT seq, length(data) AS bytes, CASE WHEN clocks IS NULL THEN data END AS data, clocks, deletes FROM doc_updates WHERE doc = ? ORDER BY seq',
      ),
      deleteTailUpTo: db.prepare('DELETE FROM doc_updates WHERE doc = ? AND seq <= ? AND seq <> ?'),
      lastSeq: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'doc_updates'"),
      deleteUpdatesUpTo: db.prepare('DELETE FROM doc_updates WHERE doc = ? AND seq <= ?'),
      deleteDocument: db.prepare('DELETE FROM doc_updates WHERE doc = ?'),
    };
    // What a crashed server left in its journal was acknowledged: it goes in before anything is read.
    if (journal && 'owner' in journal) journal.owner.drain((entries) => this.insertUpdates(entries));
    this.nextSeq = (this.st.lastSeq.get()?.seq ?? 0) + 1;
  }

  /** True for the server's own log: an append writes the journal file, never the connection. */
  get appendsToJournal(): boolean {
    return this.journal !== null && 'owner' in this.journal;
  }

  private insertUpdates(entries: readonly JournalEntry[]): void {
    this.db.transaction(() => {
      for (const { seq, doc, update } of entries) this.st.insertUpdate.run(seq, doc, Buffer.from(update.buffer, update.byteOffset, update.byteLength));
    })();
  }

  /** What the server's journal holds that SQLite does not have yet (a reader's view). */
  private journaled(): JournalEntry[] {
    if (!this.journal || !('reader' in this.journal) || !existsSync(this.journal.reader)) return [];
    return readJournal(readFileSync(this.journal.reader));
  }

  /** Moves every journaled update into SQLite in one transaction. Anything that reads or deletes `doc_updates` calls this first. */
  drain(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    if (this.drainSoon) clearImmediate(this.drainSoon);
    this.drainTimer = null;
    this.drainSoon = null;
    if (this.journal && 'owner' in this.journal) this.journal.owner.drain((entries) => this.insertUpdates(entries));
  }

  private scheduleDrain(journal: UpdateJournal): void {
    if (journal.size >= DRAIN_AT_ENTRIES) {
      this.drainSoon ??= setImmediate(() => this.drainInBackground());
    } else if (!this.drainTimer) {
      this.drainTimer = setTimeout(() => this.drainInBackground(), DRAIN_AFTER_MS);
      this.drainTimer.unref();
    }
  }

  /**
   * A drain nobody waits for. If SQLite refuses (busy, disk full), or a unit of work holds the
   * connection (its rollback would take the drained rows along while the file is emptied), the
   * updates stay in the journal, durable, and the drain is tried again later; loads and
   * compactions drain before they read, and surface the error to their caller.
   */
  private drainInBackground(): void {
    try {
      if (!this.mayWrite()) throw new Error('a unit of work is open');
      this.drain();
    } catch {
      this.drainTimer = setTimeout(() => this.drainInBackground(), this.mayWrite() ? DRAIN_RETRY_MS : DRAIN_AFTER_MS);
      this.drainTimer.unref();
    }
  }

  /** Stops the drain timers and moves what is left into SQLite (it stays in the file if that fails). */
  close(): void {
    try {
      this.drain();
    } catch {
      // The updates stay in the journal, durable; the next start moves them into SQLite.
    }
    if (this.journal && 'owner' in this.journal) this.journal.owner.close();
  }

  async storedDocNames(prefix: string): Promise<string[]> {
    this.drain();
    const names = new Set(this.st.docNames.all(prefix.length, prefix).map((r) => r.doc));
    for (const entry of this.journaled()) if (entry.doc.startsWith(prefix)) names.add(entry.doc);
    return [...names].sort();
  }

  loadUpdates(doc: string): Promise<{ updates: Uint8Array[]; lastSeq: number }> {
    return this.updatesSince(doc, 0);
  }

  async updatesSince(doc: string, seq: number): Promise<{ updates: Uint8Array[]; lastSeq: number }> {
    this.drain();
    const rows: Array<{ seq: number; data: Uint8Array }> = this.st.loadUpdates.all(doc);
    // A record already drained (a crash between the drain's commit and the emptying) counts once.
    const have = new Set(rows.map((r) => r.seq));
    for (const e of this.journaled()) if (e.doc === doc && !have.has(e.seq)) rows.push({ seq: e.seq, data: e.update });
    const after = rows.filter((r) => r.seq > seq).sort((a, b) => a.seq - b.seq);
    return { updates: after.map((r) => new Uint8Array(r.data)), lastSeq: after.at(-1)?.seq ?? seq };
  }

  async appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    const seq = this.nextSeq++;
    if (this.journal && 'owner' in this.journal) {
      this.journal.owner.append({ seq, doc, update });
      this.scheduleDrain(this.journal.owner);
    } else {
      this.insertUpdates([{ seq, doc, update }]);
    }
    return seq;
  }

  async compact(doc: string, state: Uint8Array, uptoSeq: number, summary?: SnapshotSummary): Promise<void> {
    this.drain();
    const seq = this.nextSeq++;
    this.db.transaction(() => {
      // Nothing to replace: the document was deleted meanwhile, and must not come back.
      if (this.st.deleteUpdatesUpTo.run(doc, uptoSeq).changes === 0) return;
      if (summary) this.st.insertSnapshot.run(seq, doc, Buffer.from(state), Buffer.from(summary.clocks), summary.deletes && Buffer.from(summary.deletes));
      else this.st.insertUpdate.run(seq, doc, Buffer.from(state));
    })();
  }

  async compactTail(doc: string, keepSeq: number, state: Uint8Array, uptoSeq: number): Promise<void> {
    this.drain();
    const seq = this.nextSeq++;
    this.db.transaction(() => {
      if (this.st.deleteTailUpTo.run(doc, uptoSeq, keepSeq).changes === 0) return;
      this.st.insertUpdate.run(seq, doc, Buffer.from(state));
    })();
  }

  async catchUpRows(doc: string): Promise<CatchUpRow[]> {
    this.drain();
    const rows: CatchUpRow[] = this.st.catchUpRows.all(doc).map(({ seq, bytes, data, clocks, deletes }) =>
      clocks ? { seq, bytes, data: null, summary: { clocks: new Uint8Array(clocks), deletes: deletes && new Uint8Array(deletes) } } : { seq, bytes, data: new Uint8Array(data!), summary: null },
    );
    const have = new Set(rows.map((r) => r.seq));
    for (const e of this.journaled()) if (e.doc === doc && !have.has(e.seq)) rows.push({ seq: e.seq, bytes: e.update.byteLength, data: e.update, summary: null });
    return rows.sort((a, b) => a.seq - b.seq);
  }

  async deleteDocument(doc: string): Promise<void> {
    this.drain();
    this.st.deleteDocument.run(doc);
  }

  /** Documents locked now: the end of the last holder's turn of each (see `lockDocument`). */
  private readonly held = new Map<string, Promise<unknown>>();

  /**
   * One process owns the data folder, so holders are only in this one: they take turns on a
   * promise chain per document (its rooms already take a document's changes one at a time, so
   * this rarely waits). Journal appends are durable when they return.
   */
  lockDocument<T>(doc: string, work: (log: DocumentLog) => Promise<T>): Promise<T> {
    const before = this.held.get(doc);
    const log: DocumentLog = { append: (update) => this.appendUpdate(doc, update) };
    const turn = before ? before.then(() => work(log), () => work(log)) : work(log);
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.held.set(doc, settled);
    void settled.then(() => {
      if (this.held.get(doc) === settled) this.held.delete(doc);
    });
    return turn;
  }
}
