import type { Grant, ServerMode, SharingState } from '../../shared/schemas/entities.ts';

/**
 * The data-access port of the server. Every method is async so a PostgreSQL adapter can sit
 * behind the same interface; the embedded SQLite adapter answers synchronously underneath.
 * Callers never build SQL: adding a backend means implementing this interface once.
 */
export type UserRecord = { username: string; email: string; passwordHash: string; staff: boolean; createdAt: number };
export type SessionRecord = { tokenHash: string; username: string; createdAt: number; expiresAt: number };
export type ExperimentRecord = SharingState & { name: string; createdAt: number };
export type GrantRecord = Grant & { viewed: boolean };
export type AuditRecord = {
  at: number;
  actor: string;
  action: string;
  experimentId: string | null;
  verdict: 'accepted' | 'refused';
  code: string | null;
  detail: unknown;
};

export interface Store {
  close(): Promise<void>;

  getMode(): Promise<ServerMode | null>;
  setMode(mode: ServerMode): Promise<void>;

  countUsers(): Promise<number>;
  addUser(user: UserRecord): Promise<void>;
  findUser(usernameOrEmail: string): Promise<UserRecord | null>;

  addSession(session: SessionRecord): Promise<void>;
  findSession(tokenHash: string): Promise<SessionRecord | null>;
  deleteSession(tokenHash: string): Promise<void>;

  getExperiment(id: string): Promise<ExperimentRecord | null>;
  /** The experiment and every experiment linked to it through parent links, transitively. */
  getFamily(id: string): Promise<ExperimentRecord[]>;
  grantsOf(experimentId: string): Promise<Record<string, GrantRecord>>;
  /** Writes the new sharing state of several experiments in one transaction. */
  saveExperiments(records: ExperimentRecord[]): Promise<void>;
  setName(experimentId: string, name: string): Promise<void>;
  setViewed(experimentId: string, username: string): Promise<void>;
  /** Experiment ids the user owns or holds a grant on (what their index document lists). */
  experimentsOf(username: string): Promise<string[]>;
  publicExperiments(): Promise<string[]>;

  loadUpdates(doc: string): Promise<{ updates: Uint8Array[]; lastSeq: number }>;
  appendUpdate(doc: string, update: Uint8Array): Promise<number>;
  /** Replaces every update of `doc` up to `uptoSeq` by one merged state, atomically. */
  compact(doc: string, state: Uint8Array, uptoSeq: number): Promise<void>;

  clientOwners(clientIds: number[]): Promise<Map<number, string>>;
  registerClients(clientIds: number[], username: string): Promise<void>;

  /** The stored answer to an intent, so a resent draft gets the same verdict. */
  findIntentResult(username: string, draftId: string): Promise<string | null>;
  saveIntentResult(username: string, draftId: string, resultJson: string, audit: AuditRecord): Promise<void>;
  audit(record: AuditRecord): Promise<void>;
  auditLog(limit: number): Promise<AuditRecord[]>;
}
