import type Database from 'better-sqlite3';
import type { EmailClaimRecord, Store } from './store.ts';

type ClaimPart = Pick<Store, 'saveEmailClaim' | 'emailClaimOf' | 'emailClaimByLink' | 'countEmailClaimAttempt' | 'deleteEmailClaim' | 'proveEmail' | 'takeCodeMail' | 'takeMailTo'>;

type ClaimRow = {
  username: string;
  email: string;
  code_hash: string | null;
  link_hash: string | null;
  expires_at: number;
  attempts: number;
  created_at: number;
};

const PLACEHOLDER = 'unproved:';

/** What `users.email` holds for an account that has proved no address (never an address: no `@`). */
export const unprovedEmail = (username: string): string => `${PLACEHOLDER}${username}`;

/** The proved address a `users.email` value stands for, '' for the placeholder. */
export const provedEmail = (column: string): string => (column.startsWith(PLACEHOLDER) ? '' : column);

const toClaim = (r: ClaimRow): EmailClaimRecord => ({
  username: r.username,
  email: r.email,
  codeHash: r.code_hash,
  linkHash: r.link_hash,
  expiresAt: r.expires_at,
  attempts: r.attempts,
  createdAt: r.created_at,
});

/** Addresses waiting for their code, and the proof that makes one an account's address. */
export function sqliteEmailClaims(db: Database.Database): ClaimPart {
  const st = {
    save: db.prepare(`INSERT INTO email_claims (username, email, code_hash, link_hash, expires_at, attempts, created_at)
      VALUES (@username, @email, @codeHash, @linkHash, @expiresAt, @attempts, @createdAt)
      ON CONFLICT(username) DO UPDATE SET email = excluded.email, code_hash = excluded.code_hash, link_hash = excluded.link_hash,
        expires_at = excluded.expires_at, attempts = excluded.attempts, created_at = excluded.created_at`),
    budget: db.prepare<[string], { window_start: number; sent: number }>('SELECT window_start, sent FROM email_code_mail WHERE username = ?'),
    setBudget: db.prepare(
      'INSERT INTO email_code_mail (username, window_start, sent) VALUES (?, ?, ?) ON CONFLICT(username) DO UPDATE SET window_start = excluded.window_start, sent = excluded.sent',
    ),
    toBudget: db.prepare<[string], { window_start: number; sent: number }>('SELECT window_start, sent FROM mail_to_budget WHERE address_hash = ?'),
    setToBudget: db.prepare(
      'INSERT INTO mail_to_budget (address_hash, window_start, sent) VALUES (?, ?, ?) ON CONFLICT(address_hash) DO UPDATE SET window_start = excluded.window_start, sent = excluded.sent',
    ),
    of: db.prepare<[string], ClaimRow>('SELECT * FROM email_claims WHERE username = ?'),
    byLink: db.prepare<[string], ClaimRow>('SELECT * FROM email_claims WHERE link_hash = ?'),
    attempt: db.prepare<[string], { attempts: number }>('UPDATE email_claims SET attempts = attempts + 1 WHERE username = ? RETURNING attempts'),
    remove: db.prepare('DELETE FROM email_claims WHERE username = ?'),
    owner: db.prepare<[string], { username: string }>('SELECT username FROM users WHERE email = ?'),
    setEmail: db.prepare('UPDATE users SET email = ? WHERE username = ?'),
    dropClaims: db.prepare('DELETE FROM email_claims WHERE email = ?'),
  };
  const prove = db.transaction((username: string, email: string): boolean => {
    const owner = st.owner.get(email);
    if (owner && owner.username !== username) return false;
    st.setEmail.run(email, username);
    // Whoever else was waiting for this address can no longer get it.
    st.dropClaims.run(email);
    st.remove.run(username);
    return true;
  });
  const takeMail = db.transaction((username: string, now: number, windowMs: number, max: number): boolean => {
    const row = st.budget.get(username);
    const fresh = !row || now - row.window_start >= windowMs;
    const sent = fresh ? 0 : row.sent;
    if (sent >= max) return false;
    st.setBudget.run(username, fresh ? now : row.window_start, sent + 1);
    return true;
  });
  const takeTo = db.transaction((addressHash: string, now: number, windowMs: number, max: number): boolean => {
    const row = st.toBudget.get(addressHash);
    const fresh = !row || now - row.window_start >= windowMs;
    const sent = fresh ? 0 : row.sent;
    if (sent >= max) return false;
    st.setToBudget.run(addressHash, fresh ? now : row.window_start, sent + 1);
    return true;
  });
  return {
    async saveEmailClaim(claim) {
      st.save.run(claim);
    },
    async takeCodeMail(username, now, windowMs, max) {
      return takeMail(username, now, windowMs, max);
    },
    async takeMailTo(addressHash, now, windowMs, max) {
      return takeTo(addressHash, now, windowMs, max);
    },
    async emailClaimOf(username) {
      const row = st.of.get(username);
      return row ? toClaim(row) : null;
    },
    async emailClaimByLink(linkHash) {
      const row = st.byLink.get(linkHash);
      return row ? toClaim(row) : null;
    },
    async countEmailClaimAttempt(username) {
      return st.attempt.get(username)?.attempts ?? 0;
    },
    async deleteEmailClaim(username) {
      st.remove.run(username);
    },
    async proveEmail(username, email) {
      return prove(username, email.toLowerCase());
    },
  };
}
