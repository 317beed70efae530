import type Database from 'better-sqlite3';
import type { ConnectionRecord, ConnectionRequestRecord, ConnectionStatus, EmailLinkRecord, MailRecord, Store } from './store.ts';

type SocialPart = Pick<
  Store,
  | 'connectionsOf'
  | 'getConnection'
  | 'saveConnection'
  | 'deleteConnection'
  | 'sharedExperimentCount'
  | 'sharingPairs'
  | 'saveRequest'
  | 'getRequest'
  | 'pendingRequests'
  | 'saveEmailLink'
  | 'getEmailLink'
  | 'useEmailLink'
  | 'shareEmailsEnabled'
  | 'setShareEmails'
  | 'enqueueMail'
  | 'dueMail'
  | 'claimMail'
  | 'markMailSent'
  | 'markMailFailed'
  | 'markMailGivenUp'
  | 'pendingMailCount'
  | 'undeliverableMail'
  | 'requeueMail'
>;

type RequestRow = { id: string; from_user: string; to_email: string; status: ConnectionRequestRecord['status']; created_at: number; decided_at: number | null };
type MailRow = {
  id: number;
  to_addr: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  sent_at: number | null;
  last_error: string | null;
  given_up_at: number | null;
};

const pair = (x: string, y: string): [string, string] => (x < y ? [x, y] : [y, x]);
const toRequest = (r: RequestRow): ConnectionRequestRecord => ({
  id: r.id,
  fromUser: r.from_user,
  toEmail: r.to_email,
  status: r.status,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

/** Connections, requests, email links, preferences and the mail queue on SQLite. */
export function sqliteSocial(db: Database.Database): SocialPart {
  // Members of a group shared with an experiment share it too: the connection stays while they do.
  const members = `SELECT owner AS user, id AS exp FROM experiments WHERE trashed = 0
                   UNION SELECT g.username, g.experiment_id FROM grants g JOIN experiments e ON e.id = g.experiment_id WHERE e.trashed = 0
                   UNION SELECT m.username, gg.experiment_id FROM group_grants gg JOIN group_members m ON m.group_id = gg.group_id
                     JOIN experiments e ON e.id = gg.experiment_id WHERE e.trashed = 0`;
  // Mail sent before bodies were cleared on sending: cleared now, once (cheap when none is left).
  db.prepare("UPDATE mail_outbox SET text_body = '', html_body = NULL WHERE sent_at IS NOT NULL AND (text_body != '' OR html_body IS NOT NULL)").run();
  const st = {
    connectionsOf: db.prepare<[string, string], ConnectionRecord>('SELECT a, b, status, since FROM connections WHERE a = ? OR b = ?'),
    getConnection: db.prepare<[string, string], ConnectionRecord>('SELECT a, b, status, since FROM connections WHERE a = ? AND b = ?'),
    saveConnection: db.prepare(
      'INSERT INTO connections (a, b, status, since) VALUES (?, ?, ?, ?) ON CONFLICT(a, b) DO UPDATE SET status = excluded.status',
    ),
    deleteConnection: db.prepare('DELETE FROM connections WHERE a = ? AND b = ?'),
    shared: db.prepare<[string, string], { n: number }>(
      `WITH m AS (${members}) SELECT count(*) AS n FROM m x JOIN m y ON x.exp = y.exp WHERE x.user = ? AND y.user = ?`,
    ),
    pairs: db.prepare<[], { a: string; b: string }>(
      `WITH m AS (${members}) SELECT DISTINCT x.user AS a, y.user AS b FROM m x JOIN m y ON x.exp = y.exp WHERE x.user < y.user`,
    ),
    saveRequest: db.prepare(`INSERT INTO connection_requests (id, from_user, to_email, status, created_at, decided_at)
      VALUES (@id, @fromUser, @toEmail, @status, @createdAt, @decidedAt)
      ON CONFLICT(id) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at`),
    getRequest: db.prepare<[string], RequestRow>('SELECT * FROM connection_requests WHERE id = ?'),
    pendingFrom: db.prepare<[string], RequestRow>("SELECT * FROM connection_requests WHERE from_user = ? AND status = 'pending'"),
    pendingTo: db.prepare<[string], RequestRow>("SELECT * FROM connection_requests WHERE to_email = ? AND status = 'pending'"),
    saveLink: db.prepare('INSERT INTO email_links (token_hash, request_id, action, expires_at, used_at) VALUES (?, ?, ?, ?, NULL)'),
    getLink: db.prepare<[string], { token_hash: string; request_id: string; action: 'accept' | 'reject'; expires_at: number; used_at: number | null }>(
      'SELECT * FROM email_links WHERE token_hash = ?',
    ),
    useLink: db.prepare('UPDATE email_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL'),
    getPrefs: db.prepare<[string], { share_emails: number }>('SELECT share_emails FROM user_prefs WHERE username = ?'),
    setPrefs: db.prepare(
      'INSERT INTO user_prefs (username, share_emails) VALUES (?, ?) ON CONFLICT(username) DO UPDATE SET share_emails = excluded.share_emails',
    ),
    enqueue: db.prepare(
      'INSERT INTO mail_outbox (to_addr, subject, text_body, html_body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    due: db.prepare<[number, number], MailRow>(
      'SELECT * FROM mail_outbox WHERE sent_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?',
    ),
    claim: db.prepare('UPDATE mail_outbox SET next_attempt_at = ? WHERE id = ? AND sent_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= ?'),
    givenUp: db.prepare('UPDATE mail_outbox SET attempts = attempts + 1, given_up_at = ?, last_error = ? WHERE id = ?'),
    requeue: db.prepare('UPDATE mail_outbox SET given_up_at = NULL, created_at = ?, next_attempt_at = ? WHERE id = ? AND given_up_at IS NOT NULL'),
    undeliverable: db.prepare<[number], MailRow>('SELECT * FROM mail_outbox WHERE given_up_at IS NOT NULL ORDER BY given_up_at DESC, id DESC LIMIT ?'),
    // The body goes once sent: it may hold a verification code or a connection's accept/decline
    // link, and a copy of the database must not answer those. Recipient, subject and times stay.
    sent: db.prepare("UPDATE mail_outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL, text_body = '', html_body = NULL WHERE id = ?"),
    failed: db.prepare('UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?'),
    pendingMail: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM mail_outbox WHERE sent_at IS NULL AND given_up_at IS NULL'),
  };
  return {
    async connectionsOf(username) {
      return st.connectionsOf.all(username, username);
    },
    async getConnection(x, y) {
      return st.getConnection.get(...pair(x, y)) ?? null;
    },
    async saveConnection(x, y, status: ConnectionStatus, since) {
      st.saveConnection.run(...pair(x, y), status, since);
    },
    async deleteConnection(x, y) {
      st.deleteConnection.run(...pair(x, y));
    },
    async sharedExperimentCount(x, y) {
      return st.shared.get(x, y)?.n ?? 0;
    },
    async sharingPairs() {
      return st.pairs.all().map((r) => [r.a, r.b] as [string, string]);
    },
    async saveRequest(request) {
      st.saveRequest.run(request);
    },
    async getRequest(id) {
      const row = st.getRequest.get(id);
      return row ? toRequest(row) : null;
    },
    async pendingRequests({ fromUser, toEmail }) {
      const rows = [...(fromUser ? st.pendingFrom.all(fromUser) : []), ...(toEmail ? st.pendingTo.all(toEmail) : [])];
      return rows.map(toRequest);
    },
    async saveEmailLink(link: EmailLinkRecord) {
      st.saveLink.run(link.tokenHash, link.requestId, link.action, link.expiresAt);
    },
    async getEmailLink(tokenHash) {
      const row = st.getLink.get(tokenHash);
      return row ? { tokenHash: row.token_hash, requestId: row.request_id, action: row.action, expiresAt: row.expires_at, usedAt: row.used_at } : null;
    },
    async useEmailLink(tokenHash, at) {
      return st.useLink.run(at, tokenHash).changes === 1;
    },
    async shareEmailsEnabled(username) {
      return (st.getPrefs.get(username)?.share_emails ?? 1) === 1;
    },
    async setShareEmails(username, enabled) {
      st.setPrefs.run(username, enabled ? 1 : 0);
    },
    async enqueueMail(mail) {
      return Number(st.enqueue.run(mail.to, mail.subject, mail.text, mail.html, mail.at, mail.at).lastInsertRowid);
    },
    async dueMail(now, limit): Promise<MailRecord[]> {
      return st.due.all(now, limit).map(mailRecord);
    },
    async claimMail(id, now, until) {
      return st.claim.run(until, id, now).changes === 1;
    },
    async markMailSent(id, at) {
      st.sent.run(at, id);
    },
    async markMailFailed(id, nextAttemptAt, error) {
      st.failed.run(nextAttemptAt, error.slice(0, 500), id);
    },
    async markMailGivenUp(id, at, error) {
      st.givenUp.run(at, error.slice(0, 500), id);
    },
    async requeueMail(id, at) {
      return st.requeue.run(at, at, id).changes === 1;
    },
    async undeliverableMail(limit) {
      return st.undeliverable.all(limit).map(mailRecord);
    },
    async pendingMailCount() {
      return st.pendingMail.get()?.n ?? 0;
    },
  };
}

function mailRecord(r: MailRow): MailRecord {
  return {
    id: r.id,
    to: r.to_addr,
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    sentAt: r.sent_at,
    lastError: r.last_error,
    givenUpAt: r.given_up_at,
  };
}
