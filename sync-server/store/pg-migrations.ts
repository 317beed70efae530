import { sql, type Kysely } from 'kysely';
import type { PgSchema } from './pg-schema.ts';

/**
 * Each migration runs once, in order, in the transaction that holds the migration lock (see
 * `migrate`); `schema_migrations` records which ran. Never edit one that has shipped: add one.
 */
const migrations: string[] = [
  `
  CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE users (
    username text PRIMARY KEY,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    staff boolean NOT NULL DEFAULT false,
    created_at bigint NOT NULL,
    disabled_at bigint
  );
  CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    username text NOT NULL REFERENCES users(username),
    public_id text NOT NULL UNIQUE,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    last_used_at bigint
  );
  CREATE INDEX sessions_user ON sessions(username);
  CREATE TABLE session_ends (seq bigserial PRIMARY KEY, at bigint NOT NULL, username text NOT NULL, token_hash text);
  CREATE TABLE experiments (
    id text PRIMARY KEY,
    owner text NOT NULL REFERENCES users(username),
    name text NOT NULL,
    public boolean NOT NULL DEFAULT false,
    curated boolean NOT NULL DEFAULT false,
    parent_id text,
    cloned_from text,
    project_id text,
    trashed boolean NOT NULL DEFAULT false,
    created_at bigint NOT NULL
  );
  CREATE INDEX experiments_owner ON experiments(owner);
  CREATE INDEX experiments_parent ON experiments(parent_id);
  CREATE INDEX experiments_project ON experiments(project_id);
  CREATE INDEX experiments_public ON experiments(public) WHERE public;
  CREATE TABLE grants (
    experiment_id text NOT NULL REFERENCES experiments(id),
    username text NOT NULL REFERENCES users(username),
    granted_by text NOT NULL,
    granted_at bigint NOT NULL,
    viewed boolean NOT NULL DEFAULT false,
    PRIMARY KEY (experiment_id, username)
  );
  CREATE INDEX grants_user ON grants(username);
  CREATE TABLE doc_updates (seq bigserial PRIMARY KEY, doc text NOT NULL, data bytea NOT NULL);
  CREATE INDEX doc_updates_doc ON doc_updates(doc, seq);
  CREATE TABLE client_ids (client_id bigint PRIMARY KEY, username text NOT NULL);
  CREATE TABLE intents (
    username text NOT NULL,
    draft_id text NOT NULL,
    result text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (username, draft_id)
  );
  CREATE TABLE audit (
    seq bigserial PRIMARY KEY,
    at bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    experiment_id text,
    verdict text NOT NULL,
    code text,
    detail text NOT NULL
  );
  CREATE TABLE connections (
    a text NOT NULL,
    b text NOT NULL,
    status text NOT NULL CHECK (status IN ('connected', 'pre-existing')),
    since bigint NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
  );
  CREATE INDEX connections_b ON connections(b);
  CREATE TABLE connection_requests (
    id text PRIMARY KEY,
    from_user text NOT NULL REFERENCES users(username),
    to_email text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at bigint NOT NULL,
    decided_at bigint
  );
  CREATE INDEX connection_requests_to ON connection_requests(to_email, status);
  CREATE INDEX connection_requests_from ON connection_requests(from_user, status);
  CREATE TABLE email_links (
    token_hash text PRIMARY KEY,
    request_id text NOT NULL REFERENCES connection_requests(id),
    action text NOT NULL CHECK (action IN ('accept', 'reject')),
    expires_at bigint NOT NULL,
    used_at bigint
  );
  CREATE TABLE user_prefs (username text PRIMARY KEY REFERENCES users(username), share_emails boolean NOT NULL DEFAULT true);
  CREATE TABLE mail_outbox (
    id bigserial PRIMARY KEY,
    to_addr text NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text,
    created_at bigint NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    sent_at bigint,
    last_error text,
    given_up_at bigint
  );
  CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL AND given_up_at IS NULL;
  CREATE TABLE projects (id text PRIMARY KEY, name text NOT NULL, policy text NOT NULL, created_at bigint NOT NULL);
  CREATE TABLE project_members (
    project_id text NOT NULL REFERENCES projects(id),
    username text NOT NULL REFERENCES users(username),
    role text NOT NULL CHECK (role IN ('manager', 'leader', 'member')),
    PRIMARY KEY (project_id, username)
  );
  CREATE INDEX project_members_user ON project_members(username);
  CREATE TABLE curation_requests (
    experiment_id text PRIMARY KEY REFERENCES experiments(id),
    requested_by text NOT NULL,
    requested_at bigint NOT NULL
  );
  CREATE TABLE email_claims (
    username text PRIMARY KEY REFERENCES users(username),
    email text NOT NULL,
    code_hash text,
    link_hash text UNIQUE,
    expires_at bigint NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    created_at bigint NOT NULL
  );
  CREATE INDEX email_claims_email ON email_claims(email);
  CREATE TABLE email_code_mail (username text PRIMARY KEY REFERENCES users(username), window_start bigint NOT NULL, sent integer NOT NULL);
  CREATE TABLE mail_to_budget (address_hash text PRIMARY KEY, window_start bigint NOT NULL, sent integer NOT NULL);
  `,
  // FCS files, when they live in the database: one row per file, its bytes in chunks of a few
  // hundred KiB (bytea values are read whole, so a file is never one value).
  `
  CREATE TABLE blobs (sha256 text PRIMARY KEY, size bigint NOT NULL, touched_at bigint NOT NULL);
  CREATE TABLE blob_chunks (
    sha256 text NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE,
    n integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (sha256, n)
  );
  `,
  // Reviewer links (the secret as SHA-256 only) and shares waiting for a connection.
  `
  CREATE TABLE review_links (
    id text PRIMARY KEY,
    experiment_id text NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    secret_hash text NOT NULL,
    created_by text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    download boolean NOT NULL,
    revoked_at bigint
  );
  CREATE INDEX review_links_by_experiment ON review_links (experiment_id, created_at);
  CREATE TABLE waiting_shares (
    id text PRIMARY KEY,
    experiment_id text NOT NULL,
    sharer text NOT NULL,
    username text NOT NULL,
    named_by_address boolean NOT NULL,
    notify boolean NOT NULL,
    message text,
    status text NOT NULL,
    code text,
    created_at bigint NOT NULL,
    decided_at bigint
  );
  CREATE INDEX waiting_shares_sharer ON waiting_shares (sharer, status);
  CREATE INDEX waiting_shares_user ON waiting_shares (username, status);
  `,
  // Each experiment's sharing history, hash-chained per experiment; no foreign key, as the
  // history outlives a deleted experiment.
  `
  CREATE TABLE experiment_history (
    experiment_id text NOT NULL,
    seq bigint NOT NULL,
    at bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    verdict text NOT NULL,
    code text,
    detail text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (experiment_id, seq)
  );
  `,
  // Two-step sign-in: the secret sealed with the server's totp.key, recovery codes as SHA-256.
  `
  CREATE TABLE totp (
    username text PRIMARY KEY REFERENCES users(username),
    secret bytea NOT NULL,
    created_at bigint NOT NULL,
    confirmed_at bigint,
    last_step bigint
  );
  CREATE TABLE totp_recovery (
    username text NOT NULL REFERENCES users(username),
    code_hash text NOT NULL,
    used_at bigint,
    PRIMARY KEY (username, code_hash)
  );
  `,
  // File tickets in the database, so that one issued by a server node is good at every node.
  `
  CREATE TABLE file_tickets (
    hash text PRIMARY KEY,
    username text NOT NULL,
    session_hash text NOT NULL,
    purpose text NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX file_tickets_by_user ON file_tickets (username, expires_at);
  CREATE INDEX file_tickets_expiry ON file_tickets (expires_at);
  `,
  // Groups (a lab, a course): members (the owner among them) and experiments shared with a group.
  `
  CREATE TABLE user_groups (id text PRIMARY KEY, name text NOT NULL, owner text NOT NULL, created_at bigint NOT NULL);
  CREATE INDEX user_groups_by_owner ON user_groups (owner);
  CREATE TABLE group_members (
    group_id text NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    username text NOT NULL,
    added_at bigint NOT NULL,
    PRIMARY KEY (group_id, username)
  );
  CREATE INDEX group_members_by_user ON group_members (username);
  CREATE TABLE group_grants (
    experiment_id text NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    group_id text NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    granted_by text NOT NULL,
    granted_at bigint NOT NULL,
    PRIMARY KEY (experiment_id, group_id)
  );
  CREATE INDEX group_grants_by_group ON group_grants (group_id);
  `,
  // Roles per person: a direct share gives full access (every grant until now) or viewer access.
  `
  ALTER TABLE grants ADD COLUMN role text NOT NULL DEFAULT 'full' CHECK (role IN ('full', 'viewer'));
  ALTER TABLE waiting_shares ADD COLUMN role text NOT NULL DEFAULT 'full' CHECK (role IN ('full', 'viewer'));
  `,

  // The public catalog is read a page at a time in (name, id) order (store.publicCatalogPage).
  `
  CREATE INDEX experiments_catalog ON experiments (name COLLATE "C", id COLLATE "C") WHERE public AND NOT trashed;
  `,
  // Access that ends: a grant's end and when its holder was warned; an experiment's embargo.
  `
  ALTER TABLE grants ADD COLUMN until_at bigint;
  ALTER TABLE grants ADD COLUMN warned_at bigint;
  ALTER TABLE experiments ADD COLUMN publish_at bigint;
  ALTER TABLE waiting_shares ADD COLUMN until_at bigint;
  CREATE INDEX grants_until ON grants (until_at) WHERE until_at IS NOT NULL;
  CREATE INDEX experiments_publish_at ON experiments (publish_at) WHERE publish_at IS NOT NULL;
  `,
  // Offers of ownership: `experiments` is the JSON list of what moves; one pending offer per named experiment.
  `
  CREATE TABLE transfers (
    id text PRIMARY KEY,
    experiment_id text NOT NULL,
    giver text NOT NULL,
    receiver text NOT NULL,
    giver_leaves boolean NOT NULL,
    family boolean NOT NULL,
    experiments text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled')),
    created_at bigint NOT NULL,
    decided_at bigint
  );
  CREATE UNIQUE INDEX transfers_one_pending ON transfers (experiment_id) WHERE status = 'pending';
  CREATE INDEX transfers_by_giver ON transfers (giver, status);
  CREATE INDEX transfers_by_receiver ON transfers (receiver, status);
  `,

  // The Inbox for group shares: who marked each group share viewed, gone with the share.
  `
  CREATE TABLE group_grant_views (
    experiment_id text NOT NULL,
    group_id text NOT NULL,
    username text NOT NULL,
    PRIMARY KEY (experiment_id, group_id, username),
    FOREIGN KEY (experiment_id, group_id) REFERENCES group_grants (experiment_id, group_id) ON DELETE CASCADE
  );
  `,
  // Login and sign-up throttle counters, shared by the nodes; bounded per scope (see updateThrottle).
  `
  CREATE TABLE throttle_counters (
    scope text NOT NULL,
    key text NOT NULL,
    state text NOT NULL,
    expires_at bigint NOT NULL,
    holds_delay boolean NOT NULL,
    written_at bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );
  CREATE INDEX throttle_counters_expiry ON throttle_counters (scope, expires_at);
  CREATE INDEX throttle_counters_eviction ON throttle_counters (scope, holds_delay, written_at);
  `,
  // Per experiment, the newest history entry checked back to entry 1 (see historyCheckpoint).
  `
  CREATE TABLE history_checkpoints (
    experiment_id text PRIMARY KEY,
    seq bigint NOT NULL,
    hash text NOT NULL
  );
  `,
  // A compaction's snapshot keeps its summary beside it (where its structs end, its deletions),
  // so a returning client that holds the snapshot is answered without reading it.
  `
  ALTER TABLE doc_updates ADD COLUMN clocks bytea;
  ALTER TABLE doc_updates ADD COLUMN deletes bytea;
  `,
  // Offers may be withdrawn (the named experiment deleted while the offer waited); ones already left pending so are.
  `
  ALTER TABLE transfers DROP CONSTRAINT transfers_status_check;
  ALTER TABLE transfers ADD CONSTRAINT transfers_status_check CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled', 'withdrawn'));
  UPDATE transfers SET status = 'withdrawn', decided_at = (extract(epoch FROM now()) * 1000)::bigint
    WHERE status = 'pending' AND NOT EXISTS (SELECT 1 FROM experiments e WHERE e.id = transfers.experiment_id);
  `,
];

/** The advisory lock key of migrations (any constant no other lock uses: `hashtext` keys are documents). */
const MIGRATION_LOCK = 0x63797473;

/**
 * Brings the database's schema up to date. Several servers may start at once: the first to take
 * the lock migrates, the others wait for it and then find nothing left to do. Returns how many
 * migrations ran.
 */
export async function migrate(db: Kysely<PgSchema>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)`.execute(trx);
    const done = await sql<{ version: number | null }>`SELECT max(version) AS version FROM schema_migrations`.execute(trx);
    const from = done.rows[0]?.version ?? 0;
    for (let i = from; i < migrations.length; i++) {
      await sql.raw(migrations[i] as string).execute(trx);
      await sql`INSERT INTO schema_migrations (version, applied_at) VALUES (${i + 1}, ${Date.now()})`.execute(trx);
    }
    return migrations.length - from;
  });
}

export const SCHEMA_VERSION = migrations.length;
