import { sql, type Kysely } from 'kysely';
import type { PgSchema } from './pg-schema.ts';
import type { ConnectionRequestRecord, MailRecord, StoreTx } from './store.ts';

type SocialPart = Pick<
  StoreTx,
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

const pair = (x: string, y: string): [string, string] => (x < y ? [x, y] : [y, x]);

const toRequest = (r: PgSchema['connection_requests']): ConnectionRequestRecord => ({
  id: r.id,
  fromUser: r.from_user,
  toEmail: r.to_email,
  status: r.status,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

type MailRow = Omit<PgSchema['mail_outbox'], 'id' | 'attempts'> & { id: number; attempts: number };

const toMail = (r: MailRow): MailRecord => ({
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
});

/** Who is on which live experiment: the owner and each grantee (the same view as SQLite's). */
// Members of a group shared with an experiment share it too: the connection stays while they do.
const MEMBERS = sql`SELECT owner AS member, id AS exp FROM experiments WHERE NOT trashed
  UNION SELECT g.username, g.experiment_id FROM grants g JOIN experiments e ON e.id = g.experiment_id WHERE NOT e.trashed
  UNION SELECT m.username, gg.experiment_id FROM group_grants gg JOIN group_members m ON m.group_id = gg.group_id
    JOIN experiments e ON e.id = gg.experiment_id WHERE NOT e.trashed`;

/** Connections, requests, email links, preferences and the mail queue on PostgreSQL. */
export function pgSocial(db: Kysely<PgSchema>): SocialPart {
  return {
    async connectionsOf(username) {
      return db.selectFrom('connections').selectAll().where((eb) => eb.or([eb('a', '=', username), eb('b', '=', username)])).execute();
    },
    async getConnection(x, y) {
      const [a, b] = pair(x, y);
      return (await db.selectFrom('connections').selectAll().where('a', '=', a).where('b', '=', b).executeTakeFirst()) ?? null;
    },
    async saveConnection(x, y, status, since) {
      const [a, b] = pair(x, y);
      await db
        .insertInto('connections')
        .values({ a, b, status, since })
        .onConflict((oc) => oc.columns(['a', 'b']).doUpdateSet({ status }))
        .execute();
    },
    async deleteConnection(x, y) {
      const [a, b] = pair(x, y);
      await db.deleteFrom('connections').where('a', '=', a).where('b', '=', b).execute();
    },
    async sharedExperimentCount(x, y) {
      const r = await sql<{ n: string }>`WITH m AS (${MEMBERS}) SELECT count(*) AS n FROM m x JOIN m y ON x.exp = y.exp WHERE x.member = ${x} AND y.member = ${y}`.execute(db);
      return Number(r.rows[0]?.n ?? 0);
    },
    async sharingPairs() {
      const r = await sql<{ a: string; b: string }>`WITH m AS (${MEMBERS}) SELECT DISTINCT x.member AS a, y.member AS b FROM m x JOIN m y ON x.exp = y.exp WHERE x.member < y.member`.execute(db);
      return r.rows.map((row) => [row.a, row.b] as [string, string]);
    },
    async saveRequest(r) {
      await db
        .insertInto('connection_requests')
        .values({ id: r.id, from_user: r.fromUser, to_email: r.toEmail, status: r.status, created_at: r.createdAt, decided_at: r.decidedAt })
        .onConflict((oc) => oc.column('id').doUpdateSet({ status: r.status, decided_at: r.decidedAt }))
        .execute();
    },
    async getRequest(id) {
      const row = await db.selectFrom('connection_requests').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRequest(row) : null;
    },
    async pendingRequests({ fromUser, toEmail }) {
      const pending = db.selectFrom('connection_requests').selectAll().where('status', '=', 'pending');
      const rows = [
        ...(fromUser ? await pending.where('from_user', '=', fromUser).execute() : []),
        ...(toEmail ? await pending.where('to_email', '=', toEmail).execute() : []),
      ];
      return rows.map(toRequest);
    },
    async saveEmailLink(link) {
      await db
        .insertInto('email_links')
        .values({ token_hash: link.tokenHash, request_id: link.requestId, action: link.action, expires_at: link.expiresAt, used_at: null })
        .execute();
    },
    async getEmailLink(tokenHash) {
      const row = await db.selectFrom('email_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? { tokenHash: row.token_hash, requestId: row.request_id, action: row.action, expiresAt: row.expires_at, usedAt: row.used_at } : null;
    },
    async useEmailLink(tokenHash, at) {
      const r = await db.updateTable('email_links').set({ used_at: at }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    async shareEmailsEnabled(username) {
      const row = await db.selectFrom('user_prefs').select('share_emails').where('username', '=', username).executeTakeFirst();
      return row?.share_emails ?? true;
    },
    async setShareEmails(username, enabled) {
      await db
        .insertInto('user_prefs')
        .values({ username, share_emails: enabled })
        .onConflict((oc) => oc.column('username').doUpdateSet({ share_emails: enabled }))
        .execute();
    },
    async enqueueMail(mail) {
      const row = await db
        .insertInto('mail_outbox')
        .values({ to_addr: mail.to, subject: mail.subject, text_body: mail.text, html_body: mail.html, created_at: mail.at, next_attempt_at: mail.at })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async dueMail(now, limit) {
      const rows = await db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('sent_at', 'is', null)
        .where('given_up_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toMail);
    },
    async claimMail(id, now, until) {
      // A conditional update is the claim: of two nodes that listed the mail, the second finds
      // it no longer due (its row lock waits for the first's update, then re-reads the row).
      const r = await db
        .updateTable('mail_outbox')
        .set({ next_attempt_at: until })
        .where('id', '=', id)
        .where('sent_at', 'is', null)
        .where('given_up_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    async markMailSent(id, at) {
      // The body goes once sent: it may hold a verification code or an accept/decline link.
      await db
        .updateTable('mail_outbox')
        .set((eb) => ({ sent_at: at, attempts: eb('attempts', '+', 1), last_error: null, text_body: '', html_body: null }))
        .where('id', '=', id)
        .execute();
    },
    async markMailFailed(id, nextAttemptAt, error) {
      await db
        .updateTable('mail_outbox')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: nextAttemptAt, last_error: error.slice(0, 500) }))
        .where('id', '=', id)
        .execute();
    },
    async markMailGivenUp(id, at, error) {
      await db
        .updateTable('mail_outbox')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), given_up_at: at, last_error: error.slice(0, 500) }))
        .where('id', '=', id)
        .execute();
    },
    async requeueMail(id, at) {
      const r = await db
        .updateTable('mail_outbox')
        .set({ given_up_at: null, created_at: at, next_attempt_at: at })
        .where('id', '=', id)
        .where('given_up_at', 'is not', null)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    async undeliverableMail(limit) {
      const rows = await db.selectFrom('mail_outbox').selectAll().where('given_up_at', 'is not', null).orderBy('given_up_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toMail);
    },
    async pendingMailCount() {
      const row = await db
        .selectFrom('mail_outbox')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('sent_at', 'is', null)
        .where('given_up_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
