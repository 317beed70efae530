import type { Generated } from 'kysely';

/**
 * The PostgreSQL schema: the tables as Kysely sees them (so queries are checked against the
 * columns, with no row types written by hand); pg-migrations.ts creates them. Times are
 * milliseconds since the epoch in `bigint` columns, read back as numbers (see pg-store.ts).
 */
export interface PgSchema {
  meta: { key: string; value: string };
  users: { username: string; email: string; password_hash: string; staff: boolean; created_at: number; disabled_at: number | null };
  sessions: { token_hash: string; username: string; public_id: string; created_at: number; expires_at: number; last_used_at: number | null };
  session_ends: { seq: Generated<number>; at: number; username: string; token_hash: string | null };
  experiments: {
    id: string;
    owner: string;
    name: string;
    public: boolean;
    curated: boolean;
    parent_id: string | null;
    cloned_from: string | null;
    project_id: string | null;
    trashed: boolean;
    created_at: number;
    publish_at: Generated<number | null>;
  };
  grants: {
    experiment_id: string;
    username: string;
    granted_by: string;
    granted_at: number;
    viewed: Generated<boolean>;
    role: Generated<'full' | 'viewer'>;
    until_at: Generated<number | null>;
    warned_at: Generated<number | null>;
  };
  doc_updates: { seq: Generated<number>; doc: string; data: Uint8Array; clocks: Generated<Uint8Array | null>; deletes: Generated<Uint8Array | null> };
  client_ids: { client_id: number; username: string };
  intents: { username: string; draft_id: string; result: string; created_at: number };
  audit: { seq: Generated<number>; at: number; actor: string; action: string; experiment_id: string | null; verdict: string; code: string | null; detail: string };
  connections: { a: string; b: string; status: 'connected' | 'pre-existing'; since: number };
  connection_requests: { id: string; from_user: string; to_email: string; status: 'pending' | 'accepted' | 'rejected'; created_at: number; decided_at: number | null };
  email_links: { token_hash: string; request_id: string; action: 'accept' | 'reject'; expires_at: number; used_at: number | null };
  user_prefs: { username: string; share_emails: boolean };
  mail_outbox: {
    id: Generated<number>;
    to_addr: string;
    subject: string;
    text_body: string;
    html_body: string | null;
    created_at: number;
    attempts: Generated<number>;
    next_attempt_at: number;
    sent_at: number | null;
    last_error: string | null;
    given_up_at: number | null;
  };
  projects: { id: string; name: string; policy: string; created_at: number };
  project_members: { project_id: string; username: string; role: 'manager' | 'leader' | 'member' };
  curation_requests: { experiment_id: string; requested_by: string; requested_at: number };
  email_claims: {
    username: string;
    email: string;
    code_hash: string | null;
    link_hash: string | null;
    expires_at: number;
    attempts: number;
    created_at: number;
  };
  email_code_mail: { username: string; window_start: number; sent: number };
  mail_to_budget: { address_hash: string; window_start: number; sent: number };
  blobs: { sha256: string; size: number; touched_at: number };
  blob_chunks: { sha256: string; n: number; data: Uint8Array };
  review_links: {
    id: string;
    experiment_id: string;
    secret_hash: string;
    created_by: string;
    created_at: number;
    expires_at: number | null;
    download: boolean;
    revoked_at: number | null;
  };
  totp: { username: string; secret: Uint8Array; created_at: number; confirmed_at: number | null; last_step: number | null };
  totp_recovery: { username: string; code_hash: string; used_at: number | null };
  experiment_history: {
    experiment_id: string;
    seq: number;
    at: number;
    actor: string;
    action: string;
    verdict: string;
    code: string | null;
    detail: string;
    hash: string;
  };
  file_tickets: { hash: string; username: string; session_hash: string; purpose: string; expires_at: number };
  waiting_shares: {
    id: string;
    experiment_id: string;
    sharer: string;
    username: string;
    named_by_address: boolean;
    notify: boolean;
    message: string | null;
    status: 'waiting' | 'refused' | 'done';
    code: string | null;
    created_at: number;
    decided_at: number | null;
    role: 'full' | 'viewer';
    until_at: Generated<number | null>;
  };
  user_groups: { id: string; name: string; owner: string; created_at: number };
  group_members: { group_id: string; username: string; added_at: number };
  group_grants: { experiment_id: string; group_id: string; granted_by: string; granted_at: number };
  transfers: {
    id: string;
    experiment_id: string;
    giver: string;
    receiver: string;
    giver_leaves: boolean;
    family: boolean;
    experiments: string;
    status: string;
    created_at: number;
    decided_at: number | null;
  };
  group_grant_views: { experiment_id: string; group_id: string; username: string };
  throttle_counters: { scope: string; key: string; state: string; expires_at: number; holds_delay: boolean; written_at: number };
  history_checkpoints: { experiment_id: string; seq: number; hash: string };
}
