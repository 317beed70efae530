import { sql, type Kysely, type Transaction } from 'kysely';
import type { ServerMode } from '../../shared/schemas/entities.ts';
import { sessionFromRow } from './sqlite-accounts.ts';
import { provedEmail, unprovedEmail } from './sqlite-email-claims.ts';
import type { PgSchema } from './pg-schema.ts';
import type { EmailClaimRecord, StoreTx } from './store.ts';

type AccountsPart = Pick<
  StoreTx,
  | 'getMode'
  | 'setMode'
  | 'sharedSecret'
  | 'countUsers'
  | 'addUser'
  | 'findUser'
  | 'addSession'
  | 'findSession'
  | 'deleteSession'
  | 'sessionsOf'
  | 'touchSession'
  | 'deleteSessionsOf'
  | 'setPasswordHash'
  | 'setDisabled'
  | 'sessionEndsSince'
  | 'lastSessionEnd'
  | 'pruneSessionEnds'
  | 'saveEmailClaim'
  | 'emailClaimOf'
  | 'emailClaimByLink'
  | 'countEmailClaimAttempt'
  | 'deleteEmailClaim'
  | 'proveEmail'
  | 'takeCodeMail'
  | 'takeMailTo'
>;

/**
 * Runs `work` atomically: in the caller's unit of work when there is one (its commit or rollback
 * covers this too), else in a transaction of its own.
 */
export function atomic<T>(db: Kysely<PgSchema>, work: (trx: Kysely<PgSchema>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute((trx: Transaction<PgSchema>) => work(trx));
}

const toClaim = (r: PgSchema['email_claims']): EmailClaimRecord => ({
  username: r.username,
  email: r.email,
  codeHash: r.code_hash,
  linkHash: r.link_hash,
  expiresAt: r.expires_at,
  attempts: r.attempts,
  createdAt: r.created_at,
});

/**
 * Counts one mail in a per-key window budget (a window starts at its first mail); the row is
 * locked while it is read and written, so servers sharing the database count each mail once.
 */
async function takeBudget(
  trx: Kysely<PgSchema>,
  table: 'email_code_mail' | 'mail_to_budget',
  column: 'username' | 'address_hash',
  key: string,
  now: number,
  windowMs: number,
  max: number,
): Promise<boolean> {
  const t = sql.table(table);
  const k = sql.ref(column);
  await sql`INSERT INTO ${t} (${k}, window_start, sent) VALUES (${key}, ${now}, 0) ON CONFLICT (${k}) DO NOTHING`.execute(trx);
  const current = (await sql<{ window_start: number; sent: number }>`SELECT window_start, sent FROM ${t} WHERE ${k} = ${key} FOR UPDATE`.execute(trx)).rows[0];
  if (!current) return false;
  const fresh = now - current.window_start >= windowMs;
  const sent = fresh ? 0 : current.sent;
  if (sent >= max) return false;
  await sql`UPDATE ${t} SET window_start = ${fresh ? now : current.window_start}, sent = ${sent + 1} WHERE ${k} = ${key}`.execute(trx);
  return true;
}

/** Accounts, sessions, the log of ended sessions, and address proofs on PostgreSQL. */
export function pgAccounts(db: Kysely<PgSchema>): AccountsPart {
  const endSessions = async (trx: Kysely<PgSchema>, username: string, keep: string | null, at: number): Promise<string[]> => {
    let q = trx.deleteFrom('sessions').where('username', '=', username);
    if (keep !== null) q = q.where('token_hash', '<>', keep);
    const ended = (await q.returning('token_hash').execute()).map((r) => r.token_hash);
    if (ended.length > 0) await trx.insertInto('session_ends').values(ended.map((token_hash) => ({ at, username, token_hash }))).execute();
    return ended;
  };
  return {
    async getMode() {
      const row = await db.selectFrom('meta').select('value').where('key', '=', 'mode').executeTakeFirst();
      return row ? (row.value as ServerMode) : null;
    },
    async setMode(mode) {
      await db
        .insertInto('meta')
        .values({ key: 'mode', value: mode })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: mode }))
        .execute();
    },
    async sharedSecret(name, fresh) {
      const key = `secret:${name}`;
      await db.insertInto('meta').values({ key, value: fresh }).onConflict((oc) => oc.column('key').doNothing()).execute();
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirstOrThrow();
      return row.value;
    },
    async countUsers() {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async addUser(u) {
      await db
        .insertInto('users')
        .values({ username: u.username, email: u.email === '' ? unprovedEmail(u.username) : u.email, password_hash: u.passwordHash, staff: u.staff, created_at: u.createdAt })
        .execute();
    },
    async findUser(ref) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where(ref.includes('@') ? 'email' : 'username', '=', ref.includes('@') ? ref.toLowerCase() : ref)
        .executeTakeFirst();
      return row
        ? { username: row.username, email: provedEmail(row.email), passwordHash: row.password_hash, staff: row.staff, createdAt: row.created_at, disabledAt: row.disabled_at }
        : null;
    },
    async addSession(s) {
      await db
        .insertInto('sessions')
        .values({ token_hash: s.tokenHash, username: s.username, public_id: s.publicId, created_at: s.createdAt, expires_at: s.expiresAt, last_used_at: s.lastUsedAt })
        .execute();
    },
    async findSession(tokenHash) {
      const row = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? sessionFromRow(row) : null;
    },
    async deleteSession(tokenHash) {
      await atomic(db, async (trx) => {
        const row = await trx.deleteFrom('sessions').where('token_hash', '=', tokenHash).returning('username').executeTakeFirst();
        if (row) await trx.insertInto('session_ends').values({ at: Date.now(), username: row.username, token_hash: tokenHash }).execute();
      });
    },
    async sessionsOf(username) {
      const rows = await db.selectFrom('sessions').selectAll().where('username', '=', username).orderBy('created_at').orderBy('public_id').execute();
      return rows.map(sessionFromRow);
    },
    async touchSession(tokenHash, at) {
      await db.updateTable('sessions').set({ last_used_at: at }).where('token_hash', '=', tokenHash).execute();
    },
    async deleteSessionsOf(username, keepTokenHash, at) {
      return atomic(db, (trx) => endSessions(trx, username, keepTokenHash, at));
    },
    async setPasswordHash(username, passwordHash) {
      await db.updateTable('users').set({ password_hash: passwordHash }).where('username', '=', username).execute();
    },
    async setDisabled(username, at) {
      return atomic(db, async (trx) => {
        const changed = await trx.updateTable('users').set({ disabled_at: at }).where('username', '=', username).executeTakeFirst();
        if (changed.numUpdatedRows === 0n) return false;
        if (at !== null) {
          await endSessions(trx, username, null, at);
          // One record for the whole account: its sockets close even if a session was added meanwhile.
          await trx.insertInto('session_ends').values({ at, username, token_hash: null }).execute();
        }
        return true;
      });
    },
    async sessionEndsSince(seq, limit) {
      const rows = await db.selectFrom('session_ends').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
      return rows.map((r) => ({ seq: r.seq, at: r.at, username: r.username, tokenHash: r.token_hash }));
    },
    async lastSessionEnd() {
      const row = await db.selectFrom('session_ends').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
      return Number(row?.seq ?? 0);
    },
    async pruneSessionEnds(before) {
      await db.deleteFrom('session_ends').where('at', '<', before).execute();
    },
    async saveEmailClaim(c) {
      const row = { username: c.username, email: c.email, code_hash: c.codeHash, link_hash: c.linkHash, expires_at: c.expiresAt, attempts: c.attempts, created_at: c.createdAt };
      await db
        .insertInto('email_claims')
        .values(row)
        .onConflict((oc) => oc.column('username').doUpdateSet(row))
        .execute();
    },
    async emailClaimOf(username) {
      const row = await db.selectFrom('email_claims').selectAll().where('username', '=', username).executeTakeFirst();
      return row ? toClaim(row) : null;
    },
    async emailClaimByLink(linkHash) {
      const row = await db.selectFrom('email_claims').selectAll().where('link_hash', '=', linkHash).executeTakeFirst();
      return row ? toClaim(row) : null;
    },
    async countEmailClaimAttempt(username) {
      const row = await db
        .updateTable('email_claims')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('username', '=', username)
        .returning('attempts')
        .executeTakeFirst();
      return row?.attempts ?? 0;
    },
    async deleteEmailClaim(username) {
      await db.deleteFrom('email_claims').where('username', '=', username).execute();
    },
    async proveEmail(username, email) {
      const address = email.toLowerCase();
      return atomic(db, async (trx) => {
        const owner = await trx.selectFrom('users').select('username').where('email', '=', address).forUpdate().executeTakeFirst();
        if (owner && owner.username !== username) return false;
        await trx.updateTable('users').set({ email: address }).where('username', '=', username).execute();
        // Whoever else was waiting for this address can no longer get it.
        await trx.deleteFrom('email_claims').where('email', '=', address).execute();
        await trx.deleteFrom('email_claims').where('username', '=', username).execute();
        return true;
      }).catch((error: unknown) => {
        // Another account proved it in the same instant: the unique address refused this one.
        // (Inside a caller's unit of work the error stands: PostgreSQL has aborted it.)
        if (!db.isTransaction && (error as { code?: string }).code === '23505') return false;
        throw error;
      });
    },
    async takeCodeMail(username, now, windowMs, max) {
      return atomic(db, (trx) => takeBudget(trx, 'email_code_mail', 'username', username, now, windowMs, max));
    },
    async takeMailTo(addressHash, now, windowMs, max) {
      return atomic(db, (trx) => takeBudget(trx, 'mail_to_budget', 'address_hash', addressHash, now, windowMs, max));
    },
  };
}
