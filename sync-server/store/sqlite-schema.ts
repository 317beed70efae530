/**
 * The embedded database's schema. Each migration runs once, in order, inside a transaction;
 * `user_version` records how far a database has come.
 */
export const migrations: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE users (
    username TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    staff INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE experiments (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES users(username),
    name TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 0,
    curated INTEGER NOT NULL DEFAULT 0,
    parent_id TEXT,
    cloned_from TEXT,
    project_id TEXT,
    trashed INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX experiments_owner ON experiments(owner);
  CREATE INDEX experiments_parent ON experiments(parent_id);
  CREATE INDEX experiments_public ON experiments(public) WHERE public = 1;
  CREATE TABLE grants (
    experiment_id TEXT NOT NULL REFERENCES experiments(id),
    username TEXT NOT NULL REFERENCES users(username),
    granted_by TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    viewed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (experiment_id, username)
  );
  CREATE INDEX grants_user ON grants(username);
  CREATE TABLE doc_updates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX doc_updates_doc ON doc_updates(doc, seq);
  CREATE TABLE client_ids (client_id INTEGER PRIMARY KEY, username TEXT NOT NULL);
  CREATE TABLE intents (
    username TEXT NOT NULL,
    draft_id TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (username, draft_id)
  );
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    experiment_id TEXT,
    verdict TEXT NOT NULL,
    code TEXT,
    detail TEXT NOT NULL
  );
  `,
];

/** Connections, their requests and one-time email links, notification preferences, the mail queue. */
migrations.push(`
  CREATE TABLE connections (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('connected', 'pre-existing')),
    since INTEGER NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
  );
  CREATE INDEX connections_b ON connections(b);
  CREATE TABLE connection_requests (
    id TEXT PRIMARY KEY,
    from_user TEXT NOT NULL REFERENCES users(username),
    to_email TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER
  );
  CREATE INDEX connection_requests_to ON connection_requests(to_email, status);
  CREATE INDEX connection_requests_from ON connection_requests(from_user, status);
  CREATE TABLE email_links (
    token_hash TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES connection_requests(id),
    action TEXT NOT NULL CHECK (action IN ('accept', 'reject')),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  CREATE TABLE user_prefs (username TEXT PRIMARY KEY REFERENCES users(username), share_emails INTEGER NOT NULL DEFAULT 1);
  CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER,
    last_error TEXT
  );
  CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL;
`);

/** Projects with their members and policy; curation requests; files (content-addressed blobs). */
migrations.push(`
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects(id),
    username TEXT NOT NULL REFERENCES users(username),
    role TEXT NOT NULL CHECK (role IN ('manager', 'leader', 'member')),
    PRIMARY KEY (project_id, username)
  );
  CREATE INDEX project_members_user ON project_members(username);
  CREATE INDEX experiments_project ON experiments(project_id);
  CREATE TABLE curation_requests (
    experiment_id TEXT PRIMARY KEY REFERENCES experiments(id),
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL
  );
`);

/**
 * Mail the server gave up on (a permanent SMTP refusal, or no delivery for days): kept for the
 * admin to see, never tried again.
 */
migrations.push(`
  ALTER TABLE mail_outbox ADD COLUMN given_up_at INTEGER;
  DROP INDEX mail_outbox_due;
  CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL AND given_up_at IS NULL;
`);

/**
 * Account lifecycle: accounts an admin disabled; each session's public id (what `cytoshare
 * sessions` shows, never the token or its hash) and when it was last used; and the log of ended
 * sessions that a running server polls to close their sockets (the admin command writes the data
 * folder directly, and several server nodes may share one database).
 */
migrations.push(`
  ALTER TABLE users ADD COLUMN disabled_at INTEGER;
  ALTER TABLE sessions ADD COLUMN public_id TEXT;
  ALTER TABLE sessions ADD COLUMN last_used_at INTEGER;
  UPDATE sessions SET public_id = lower(hex(randomblob(8)));
  CREATE UNIQUE INDEX sessions_public_id ON sessions(public_id);
  CREATE INDEX sessions_user ON sessions(username);
  CREATE TABLE session_ends (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    username TEXT NOT NULL,
    token_hash TEXT
  );
`);

/**
 * Proof of email addresses. `users.email` now holds the address in force, which an account
 * has proved; an account that has proved none (a new sign-up) holds a placeholder without `@`
 * there (the column is NOT NULL UNIQUE), so no lookup by address finds it. Accounts made before
 * this version keep their address as proved: they were vouched for by the admin or signed up
 * when nothing was checked, and locking them out of their own mail would break running labs.
 * An address waiting for its code lives in `email_claims`, one per account; several accounts
 * may claim one address, and the first to prove it takes it (the other claims are dropped).
 * `code_hash` is NULL when no code was sent (the address belongs to another account).
 * `email_code_mail` counts the code mails each account caused in its current day, kept apart
 * from the claims so that dropping or proving a claim does not reset the count.
 */
migrations.push(`
  CREATE TABLE email_claims (
    username TEXT PRIMARY KEY REFERENCES users(username),
    email TEXT NOT NULL,
    code_hash TEXT,
    link_hash TEXT UNIQUE,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX email_claims_email ON email_claims(email);
  CREATE TABLE email_code_mail (username TEXT PRIMARY KEY REFERENCES users(username), window_start INTEGER NOT NULL, sent INTEGER NOT NULL);
`);

/**
 * `mail_to_budget` counts the code and "address in use" mails sent to each recipient in its
 * current day, whichever accounts asked, so many fresh accounts cannot mail-bomb one address.
 * Keyed by the SHA-256 of the address: addresses of people without an account are not kept.
 */
migrations.push(`
  CREATE TABLE mail_to_budget (address_hash TEXT PRIMARY KEY, window_start INTEGER NOT NULL, sent INTEGER NOT NULL);
`);

/** Reviewer links: one experiment shown read-only behind a secret URL (the secret as SHA-256 only). */
migrations.push(`
  CREATE TABLE review_links (
    id TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    download INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX review_links_by_experiment ON review_links (experiment_id, created_at);
`);

/** Shares waiting for a connection to be accepted (connect-then-share), and their outcome. */
migrations.push(`
  CREATE TABLE waiting_shares (
    id TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL,
    sharer TEXT NOT NULL,
    username TEXT NOT NULL,
    named_by_address INTEGER NOT NULL,
    notify INTEGER NOT NULL,
    message TEXT,
    status TEXT NOT NULL,
    code TEXT,
    created_at INTEGER NOT NULL,
    decided_at INTEGER
  );
  CREATE INDEX waiting_shares_sharer ON waiting_shares(sharer, status);
  CREATE INDEX waiting_shares_user ON waiting_shares(username, status);
`);

/**
 * Each experiment's sharing history, hash-chained per experiment (shared/audit/history-chain.ts).
 * No foreign key: the history outlives a deleted experiment.
 */
migrations.push(`
  CREATE TABLE experiment_history (
    experiment_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    verdict TEXT NOT NULL,
    code TEXT,
    detail TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (experiment_id, seq)
  );
`);

/**
 * Two-step sign-in (TOTP). `secret` is sealed with the data folder's `totp.key` (AES-256-GCM),
 * so a copy of the database alone does not give anyone the codes. `confirmed_at` is NULL while
 * the secret waits for its first code; `last_step` is the last 30-second step whose code was
 * accepted, so a code is never taken twice. Recovery codes are kept only as SHA-256.
 */
migrations.push(`
  CREATE TABLE totp (
    username TEXT PRIMARY KEY REFERENCES users(username),
    secret BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step INTEGER
  );
  CREATE TABLE totp_recovery (
    username TEXT NOT NULL REFERENCES users(username),
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (username, code_hash)
  );
`);

/** File tickets in the store (see files/stored-tickets.ts). */
migrations.push(`
  CREATE TABLE file_tickets (
    hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    purpose TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX file_tickets_by_user ON file_tickets(username, expires_at);
  CREATE INDEX file_tickets_expiry ON file_tickets(expires_at);
`);

/** Groups (a lab, a course): members (the owner among them) and experiments shared with a group. */
migrations.push(`
  CREATE TABLE user_groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE INDEX user_groups_by_owner ON user_groups(owner);
  CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, username)
  );
  CREATE INDEX group_members_by_user ON group_members(username);
  CREATE TABLE group_grants (
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    granted_by TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (experiment_id, group_id)
  );
  CREATE INDEX group_grants_by_group ON group_grants(group_id);
`);

/** Roles per person: a direct share gives full access (every grant until now) or viewer access. */
migrations.push(`
  ALTER TABLE grants ADD COLUMN role TEXT NOT NULL DEFAULT 'full' CHECK (role IN ('full', 'viewer'));
  ALTER TABLE waiting_shares ADD COLUMN role TEXT NOT NULL DEFAULT 'full' CHECK (role IN ('full', 'viewer'));
`);

/** The public catalog is read a page at a time in (name, id) order (store.publicCatalogPage). */
migrations.push(`
  CREATE INDEX experiments_catalog ON experiments(name, id) WHERE public = 1 AND trashed = 0;
`);

/**
 * Access that ends (shared/rules/expiry.ts): a grant's end (`until_at`, NULL: permanent) and when
 * its holder was warned by mail that it ends (once per end); an experiment's embargo
 * (`publish_at`: public from then, NULL: none pending).
 */
migrations.push(`
  ALTER TABLE grants ADD COLUMN until_at INTEGER;
  ALTER TABLE grants ADD COLUMN warned_at INTEGER;
  ALTER TABLE experiments ADD COLUMN publish_at INTEGER;
  ALTER TABLE waiting_shares ADD COLUMN until_at INTEGER;
  CREATE INDEX grants_until ON grants(until_at) WHERE until_at IS NOT NULL;
  CREATE INDEX experiments_publish_at ON experiments(publish_at) WHERE publish_at IS NOT NULL;
`);

/**
 * Offers of ownership (shared/rules/transfer.ts): `experiments` is the JSON list of what moves,
 * the named one first. At most one pending offer names an experiment.
 */
migrations.push(`
  CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL,
    giver TEXT NOT NULL,
    receiver TEXT NOT NULL,
    giver_leaves INTEGER NOT NULL,
    family INTEGER NOT NULL,
    experiments TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER
  );
  CREATE UNIQUE INDEX transfers_one_pending ON transfers(experiment_id) WHERE status = 'pending';
  CREATE INDEX transfers_by_giver ON transfers(giver, status);
  CREATE INDEX transfers_by_receiver ON transfers(receiver, status);
`);

/** The Inbox for group shares: who marked each group share viewed, gone with the share. */
migrations.push(`
  CREATE TABLE group_grant_views (
    experiment_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    username TEXT NOT NULL,
    PRIMARY KEY (experiment_id, group_id, username),
    FOREIGN KEY (experiment_id, group_id) REFERENCES group_grants(experiment_id, group_id) ON DELETE CASCADE
  );
`);

/** Login and sign-up throttle counters (the store's copy; one process keeps them in memory, see updateThrottle). */
migrations.push(`
  CREATE TABLE throttle_counters (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    holds_delay INTEGER NOT NULL,
    written_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  );
  CREATE INDEX throttle_counters_expiry ON throttle_counters(scope, expires_at);
  CREATE INDEX throttle_counters_eviction ON throttle_counters(scope, holds_delay, written_at);
`);

/** Per experiment, the newest history entry checked back to entry 1 (see historyCheckpoint). */
migrations.push(`
  CREATE TABLE history_checkpoints (
    experiment_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
  );
`);

/**
 * A compaction's snapshot keeps its summary beside it (where its structs end, its deletions), so
 * a returning client that holds the snapshot is answered without reading it (stored-state.ts).
 */
migrations.push(`
  ALTER TABLE doc_updates ADD COLUMN clocks BLOB;
  ALTER TABLE doc_updates ADD COLUMN deletes BLOB;
`);

/**
 * Offers may be `withdrawn`: the named experiment was deleted for good while the offer waited.
 * SQLite cannot change a CHECK in place, so the table is rebuilt; offers already left pending
 * by a deleted experiment are withdrawn now.
 */
migrations.push(`
  CREATE TABLE transfers_next (
    id TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL,
    giver TEXT NOT NULL,
    receiver TEXT NOT NULL,
    giver_leaves INTEGER NOT NULL,
    family INTEGER NOT NULL,
    experiments TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled', 'withdrawn')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER
  );
  INSERT INTO transfers_next (id, experiment_id, giver, receiver, giver_leaves, family, experiments, status, created_at, decided_at)
    SELECT id, experiment_id, giver, receiver, giver_leaves, family, experiments, status, created_at, decided_at FROM transfers;
  DROP TABLE transfers;
  ALTER TABLE transfers_next RENAME TO transfers;
  CREATE UNIQUE INDEX transfers_one_pending ON transfers(experiment_id) WHERE status = 'pending';
  CREATE INDEX transfers_by_giver ON transfers(giver, status);
  CREATE INDEX transfers_by_receiver ON transfers(receiver, status);
  UPDATE transfers SET status = 'withdrawn', decided_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000
    WHERE status = 'pending' AND experiment_id NOT IN (SELECT id FROM experiments);
`);
