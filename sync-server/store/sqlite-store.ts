import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ServerMode } from '../../shared/schemas/entities.ts';
import { migrations } from './sqlite-schema.ts';
import { sqliteSocial } from './sqlite-social.ts';
import { sqliteWaitingShares } from './sqlite-waiting-shares.ts';
import { sqliteTransfers } from './sqlite-transfers.ts';
import { sqliteProjects } from './sqlite-projects.ts';
import { sqliteFileTickets } from './sqlite-file-tickets.ts';
import { sqliteThrottle } from './sqlite-throttle.ts';
import { sqliteCatalog } from './sqlite-catalog.ts';
import { sqliteReviewLinks } from './sqlite-review-links.ts';
import { sqliteTotp } from './sqlite-totp.ts';
import { sqliteGroups } from './sqlite-groups.ts';
import { sqliteExpiry } from './sqlite-expiry.ts';
import { provedEmail, sqliteEmailClaims, unprovedEmail } from './sqlite-email-claims.ts';
import { JOURNAL_FILE, UpdateJournal } from './update-journal.ts';
import { SqliteUpdateLog } from './sqlite-update-log.ts';
import { grantOfRow, roleColumn } from './grant-rows.ts';
import type { AuditRecord, ExperimentRecord, GrantRecord, HistoryAppend, SessionRecord, Store, StoreTx, UserRecord } from './store.ts';
import { sqliteHistory, type SqliteHistory } from './sqlite-history.ts';
import type { ChainHead } from '../../shared/audit/history-chain.ts';
import { sessionFromRow, sqliteAccounts } from './sqlite-accounts.ts';
import { sqliteStatements, type ExperimentRow } from './sqlite-statements.ts';
import { UnitOfWorkGate } from './sqlite-unit-of-work.ts';

export type SqliteStoreOptions = {
  /**
   * The sync server's own store: document updates are made durable through the update journal
   * (see update-journal.ts) and moved into SQLite in batches. Tools that open the data folder
   * beside a running server (`cytoshare admin`) leave it off, so they never touch its journal;
   * they never write document updates either; what they load includes the journal's updates.
   */
  journal?: boolean;
};

/** The database's file name in the data folder. */
export const DATABASE_FILE = 'cytoshare.sqlite';

/** The embedded default: one SQLite file in the data folder, WAL so readers never block. */
export function openSqliteStore(dataDir: string, options: SqliteStoreOptions = {}): Store {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Checkpoints run on the checkpointer thread, never inside an update on this one.
  db.pragma('wal_autocheckpoint = 0');
  migrate(db);
  const checkpointer = new Worker(new URL('./checkpointer.mjs', import.meta.url), {
    workerData: { file: join(dataDir, DATABASE_FILE), intervalMs: 1_000 },
  });
  checkpointer.unref();
  // Without its thread the log would grow for ever: SQLite checkpoints on this one instead.
  // (An unhandled worker error would also bring the whole server down.)
  checkpointer.on('error', () => {
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  });
  const gate = new UnitOfWorkGate();
  const path = join(dataDir, JOURNAL_FILE);
  const log = new SqliteUpdateLog(db, options.journal ? { owner: new UpdateJournal(path) } : { reader: path }, () => !gate.open);
  const records = new SqliteStore(db, checkpointer, log, gate);
  const store = Object.assign(records, sqliteSocial(db), sqliteProjects(db), sqliteAccounts(db), sqliteEmailClaims(db), sqliteReviewLinks(db), sqliteWaitingShares(db), sqliteTotp(db), sqliteFileTickets(db), sqliteThrottle(db), sqliteCatalog(db), sqliteExpiry(db), sqliteGroups(db, ownExperimentReaders(records)), sqliteTransfers(db)) as unknown as Store;
  return gate.guard(store, log);
}

/** The store's experiment readers and `setViewed`, bound before `sqliteGroups` puts its own (with group grants) over them. */
function ownExperimentReaders(records: SqliteStore): Pick<StoreTx, 'getExperiment' | 'getFamily' | 'setViewed'> {
  return { getExperiment: records.getExperiment.bind(records), getFamily: records.getFamily.bind(records), setViewed: records.setViewed.bind(records) };
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let i = version; i < migrations.length; i++) {
    db.transaction(() => {
      db.exec(migrations[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

class SqliteStore
  implements
    Omit<
      Store,
      | keyof SqliteUpdateLog
      | keyof ReturnType<typeof sqliteSocial>
      | keyof ReturnType<typeof sqliteProjects>
      | keyof ReturnType<typeof sqliteAccounts>
      | keyof ReturnType<typeof sqliteEmailClaims>
      | keyof ReturnType<typeof sqliteReviewLinks>
      | keyof ReturnType<typeof sqliteWaitingShares>
      | keyof ReturnType<typeof sqliteTransfers>
      | keyof ReturnType<typeof sqliteTotp>
      | keyof ReturnType<typeof sqliteFileTickets>
      | keyof ReturnType<typeof sqliteThrottle>
      | Exclude<keyof ReturnType<typeof sqliteGroups>, 'getExperiment' | 'getFamily' | 'setViewed'>
      | keyof ReturnType<typeof sqliteCatalog>
      | keyof ReturnType<typeof sqliteExpiry>
    >
{
  private readonly st: ReturnType<typeof sqliteStatements>;
  private readonly history: SqliteHistory;

  constructor(
    private readonly db: Database.Database,
    private readonly checkpointer: Worker,
    private readonly log: SqliteUpdateLog,
    private readonly gate: UnitOfWorkGate,
  ) {
    this.history = sqliteHistory(db);
    this.st = sqliteStatements(db);
  }

  /** The update log's methods, on this object so the store is one value (see openSqliteStore). */
  loadUpdates: SqliteUpdateLog['loadUpdates'] = (doc) => this.log.loadUpdates(doc);
  updatesSince: SqliteUpdateLog['updatesSince'] = (doc, seq) => this.log.updatesSince(doc, seq);
  /** One process owns the data folder: there are no other nodes to tell, nor to wait for. */
  readonly bus = null;
  lockNamed<T>(_name: string, work: () => Promise<T>): Promise<T> {
    return work();
  }
  storedDocNames: SqliteUpdateLog['storedDocNames'] = (prefix) => this.log.storedDocNames(prefix);
  appendUpdate: SqliteUpdateLog['appendUpdate'] = (doc, update) => this.log.appendUpdate(doc, update);
  compact: SqliteUpdateLog['compact'] = (doc, state, uptoSeq, summary) => this.log.compact(doc, state, uptoSeq, summary);
  compactTail: SqliteUpdateLog['compactTail'] = (doc, keepSeq, state, uptoSeq) => this.log.compactTail(doc, keepSeq, state, uptoSeq);
  catchUpRows: SqliteUpdateLog['catchUpRows'] = (doc) => this.log.catchUpRows(doc);
  deleteDocument: SqliteUpdateLog['deleteDocument'] = (doc) => this.log.deleteDocument(doc);
  lockDocument: SqliteUpdateLog['lockDocument'] = (doc, work) => this.log.lockDocument(doc, work);

  /** The unit of work gets this very object, past the gate: it holds the connection. */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.gate.run(this.db, this as unknown as StoreTx, work);
  }

  async close(): Promise<void> {
    await this.gate.idle();
    this.log.close();
    // threadId is -1 once the thread has exited (it failed, see openSqliteStore).
    if (this.checkpointer.threadId !== -1) {
      const stopped = new Promise<void>((resolve) => {
        this.checkpointer.once('message', () => resolve());
        this.checkpointer.once('error', () => resolve());
        this.checkpointer.once('exit', () => resolve());
      });
      this.checkpointer.postMessage('stop');
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 2_000))]);
    }
    await this.checkpointer.terminate();
    this.db.close();
  }

  async getMode(): Promise<ServerMode | null> {
    const row = this.st.getMeta.get('mode');
    return row ? (row.value as ServerMode) : null;
  }
  async setMode(mode: ServerMode): Promise<void> {
    this.st.setMeta.run('mode', mode);
  }

  async sharedSecret(name: string, fresh: string): Promise<string> {
    const key = `secret:${name}`;
    if (!this.st.getMeta.get(key)) this.st.setMeta.run(key, fresh);
    return this.st.getMeta.get(key)!.value;
  }

  async countUsers(): Promise<number> {
    return this.st.countUsers.get()?.n ?? 0;
  }
  async addUser(u: UserRecord): Promise<void> {
    this.st.addUser.run(u.username, u.email === '' ? unprovedEmail(u.username) : u.email, u.passwordHash, u.staff ? 1 : 0, u.createdAt);
  }
  /**
   * A username never holds `@` and an address always does, so a reference is looked up as one
   * or the other: an address finds only the account that proved it (an unproved account's
   * column holds a placeholder without `@`).
   */
  async findUser(ref: string): Promise<UserRecord | null> {
    const row = ref.includes('@') ? this.st.findByEmail.get(ref.toLowerCase()) : this.st.findByName.get(ref);
    return row
      ? { username: row.username, email: provedEmail(row.email), passwordHash: row.password_hash, staff: row.staff === 1, createdAt: row.created_at, disabledAt: row.disabled_at }
      : null;
  }

  async addSession(s: SessionRecord): Promise<void> {
    this.st.addSession.run(s.tokenHash, s.username, s.publicId, s.createdAt, s.expiresAt, s.lastUsedAt);
  }
  async findSession(tokenHash: string): Promise<SessionRecord | null> {
    const row = this.st.findSession.get(tokenHash);
    return row ? sessionFromRow(row) : null;
  }

  private toRecord(row: ExperimentRow): ExperimentRecord {
    const grants: ExperimentRecord['grants'] = {};
    for (const g of this.st.grants.all(row.id)) grants[g.username] = grantOfRow(g);
    return {
      id: row.id,
      owner: row.owner,
      name: row.name,
      grants,
      public: row.public === 1,
      curated: row.curated === 1,
      parentId: row.parent_id,
      clonedFrom: row.cloned_from,
      projectId: row.project_id,
      trashed: row.trashed === 1,
      createdAt: row.created_at,
      ...(row.publish_at !== null ? { publishAt: row.publish_at } : {}),
    };
  }

  async getExperiment(id: string): Promise<ExperimentRecord | null> {
    const row = this.st.getExperiment.get(id);
    return row ? this.toRecord(row) : null;
  }
  async getFamily(id: string): Promise<ExperimentRecord[]> {
    return this.st.family.all(id).map((row) => this.toRecord(row));
  }
  async grantsOf(experimentId: string): Promise<Record<string, GrantRecord>> {
    const out: Record<string, GrantRecord> = {};
    for (const g of this.st.grants.all(experimentId)) out[g.username] = { ...grantOfRow(g), viewed: g.viewed === 1 };
    return out;
  }
  async saveExperiments(records: ExperimentRecord[]): Promise<void> {
    this.db.transaction(() => {
      for (const r of records) {
        const kept = new Map(this.st.grants.all(r.id).map((g) => [g.username, g]));
        this.st.upsertExperiment.run({
          id: r.id,
          owner: r.owner,
          name: r.name,
          public: r.public ? 1 : 0,
          curated: r.curated ? 1 : 0,
          parentId: r.parentId,
          clonedFrom: r.clonedFrom,
          projectId: r.projectId,
          trashed: r.trashed ? 1 : 0,
          createdAt: r.createdAt,
          publishAt: r.publishAt ?? null,
        });
        this.st.deleteGrants.run(r.id);
        for (const [user, g] of Object.entries(r.grants)) {
          const had = kept.get(user);
          // The end-of-access warning was for that end: a new end is warned about again.
          const warned = had && had.until_at === (g.until ?? null) ? had.warned_at : null;
          this.st.insertGrant.run(r.id, user, g.by, g.at, had?.viewed ?? 0, roleColumn(g), g.until ?? null, warned);
        }
      }
    })();
  }
  async setName(experimentId: string, name: string): Promise<void> {
    this.st.setName.run(name, experimentId);
  }
  async setViewed(experimentId: string, username: string): Promise<void> {
    this.st.setViewed.run(experimentId, username);
  }
  async experimentsOf(username: string): Promise<string[]> {
    return this.st.experimentsOf.all(username, username, username).map((r) => r.id);
  }
  async publicExperiments(): Promise<string[]> {
    return this.st.publicExperiments.all().map((r) => r.id);
  }

  async clientOwners(clientIds: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const id of clientIds) {
      const row = this.st.clientOwner.get(id);
      if (row) out.set(id, row.username);
    }
    return out;
  }
  async registerClients(clientIds: number[], username: string): Promise<void> {
    this.db.transaction(() => {
      for (const id of clientIds) this.st.registerClient.run(id, username);
    })();
  }

  async findIntentResult(username: string, draftId: string): Promise<string | null> {
    return this.st.findIntent.get(username, draftId)?.result ?? null;
  }
  async saveIntentResult(username: string, draftId: string, resultJson: string, audit: AuditRecord, history?: HistoryAppend): Promise<void> {
    this.db.transaction(() => {
      this.st.saveIntent.run(username, draftId, resultJson, audit.at);
      this.writeAudit(audit);
      if (history) this.history.append(history);
    })();
  }
  async experimentHistory(experimentId: string) {
    return this.history.experimentHistory(experimentId);
  }
  async experimentHistoryPage(experimentId: string, afterSeq: number, limit: number) {
    return this.history.experimentHistoryPage(experimentId, afterSeq, limit);
  }
  async historyCheckpoint(experimentId: string) {
    return this.history.historyCheckpoint(experimentId);
  }
  async advanceHistoryCheckpoint(experimentId: string, head: ChainHead) {
    return this.history.advanceHistoryCheckpoint(experimentId, head);
  }
  async appendHistory(history: HistoryAppend): Promise<void> {
    this.db.transaction(() => this.history.append(history))();
  }
  async audit(record: AuditRecord): Promise<void> {
    this.writeAudit(record);
  }
  private writeAudit(r: AuditRecord): void {
    this.st.audit.run(r.at, r.actor, r.action, r.experimentId, r.verdict, r.code, JSON.stringify(r.detail ?? null));
  }
  async auditLog(limit: number): Promise<AuditRecord[]> {
    return this.st.auditLog.all(limit).map((r) => ({
      at: r.at,
      actor: r.actor,
      action: r.action,
      experimentId: r.experiment_id,
      verdict: r.verdict === 'accepted' ? 'accepted' : 'refused',
      code: r.code,
      detail: JSON.parse(r.detail) as unknown,
    }));
  }
}
