import type Database from 'better-sqlite3';
import type { GrantRow as StoredGrant } from './grant-rows.ts';
import type { SessionRow } from './sqlite-accounts.ts';

export type ExperimentRow = {
  id: string;
  owner: string;
  name: string;
  public: number;
  curated: number;
  parent_id: string | null;
  cloned_from: string | null;
  project_id: string | null;
  trashed: number;
  created_at: number;
  publish_at: number | null;
};
type GrantRow = StoredGrant & { username: string; viewed: number; warned_at: number | null };
type UserRow = { username: string; email: string; password_hash: string; staff: number; created_at: number; disabled_at: number | null };

/** The prepared statements of the store's own records (meta, users, sessions, experiments, grants, clients, intents, audit). */
export function sqliteStatements(db: Database.Database) {
  return {
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    countUsers: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users'),
    addUser: db.prepare('INSERT INTO users (username, email, password_hash, staff, created_at) VALUES (?, ?, ?, ?, ?)'),
    findByName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
    findByEmail: db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?'),
    addSession: db.prepare('INSERT INTO sessions (token_hash, username, public_id, created_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)'),
    findSession: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE token_hash = ?'),
    getExperiment: db.prepare<[string], ExperimentRow>('SELECT * FROM experiments WHERE id = ?'),
    family: db.prepare<[string], ExperimentRow>(`
      WITH RECURSIVE up(id, parent_id) AS (
        SELECT id, parent_id FROM experiments WHERE id = ?
        UNION SELECT e.id, e.parent_id FROM experiments e JOIN up ON e.id = up.parent_id
      ),
      root AS (SELECT id FROM up WHERE parent_id IS NULL OR parent_id NOT IN (SELECT id FROM experiments)),
      down(id) AS (
        SELECT id FROM root
        UNION SELECT e.id FROM experiments e JOIN down ON e.parent_id = down.id
      )
      SELECT * FROM experiments WHERE id IN (SELECT id FROM down UNION SELECT id FROM up)`),
    grants: db.prepare<[string], GrantRow>('SELECT username, granted_by, granted_at, viewed, role, until_at, warned_at FROM grants WHERE experiment_id = ?'),
    upsertExperiment: db.prepare(`
      INSERT INTO experiments (id, owner, name, public, curated, parent_id, cloned_from, project_id, trashed, created_at, publish_at)
      VALUES (@id, @owner, @name, @public, @curated, @parentId, @clonedFrom, @projectId, @trashed, @createdAt, @publishAt)
      ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, public = excluded.public, curated = excluded.curated,
        parent_id = excluded.parent_id, project_id = excluded.project_id, trashed = excluded.trashed, publish_at = excluded.publish_at`),
    deleteGrants: db.prepare('DELETE FROM grants WHERE experiment_id = ?'),
    insertGrant: db.prepare(
      'INSERT INTO grants (experiment_id, username, granted_by, granted_at, viewed, role, until_at, warned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    setName: db.prepare('UPDATE experiments SET name = ? WHERE id = ?'),
    setViewed: db.prepare('UPDATE grants SET viewed = 1 WHERE experiment_id = ? AND username = ?'),
    experimentsOf: db.prepare<[string, string, string], { id: string }>(
      `SELECT id FROM experiments WHERE owner = ? UNION SELECT experiment_id FROM grants WHERE username = ?
       UNION SELECT e.id FROM experiments e JOIN project_members m ON m.project_id = e.project_id WHERE m.username = ?`,
    ),
    publicExperiments: db.prepare<[], { id: string }>('SELECT id FROM experiments WHERE public = 1 AND trashed = 0'),
    clientOwner: db.prepare<[number], { username: string }>('SELECT username FROM client_ids WHERE client_id = ?'),
    registerClient: db.prepare('INSERT OR IGNORE INTO client_ids (client_id, username) VALUES (?, ?)'),
    findIntent: db.prepare<[string, string], { result: string }>('SELECT result FROM intents WHERE username = ? AND draft_id = ?'),
    saveIntent: db.prepare('INSERT OR IGNORE INTO intents (username, draft_id, result, created_at) VALUES (?, ?, ?, ?)'),
    audit: db.prepare(
      'INSERT INTO audit (at, actor, action, experiment_id, verdict, code, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    auditLog: db.prepare<[number], { at: number; actor: string; action: string; experiment_id: string | null; verdict: string; code: string | null; detail: string }>(
      'SELECT * FROM audit ORDER BY seq DESC LIMIT ?',
    ),
  };
}
