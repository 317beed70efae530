import type Database from 'better-sqlite3';
import type { SessionEndRecord, SessionRecord, Store } from './store.ts';

/** The account-lifecycle part of the SQLite store: listing and ending sessions, passwords, disabling. */
type AccountsPart = Pick<
  Store,
  | 'deleteSession'
  | 'sessionsOf'
  | 'touchSession'
  | 'deleteSessionsOf'
  | 'setPasswordHash'
  | 'setDisabled'
  | 'sessionEndsSince'
  | 'lastSessionEnd'
  | 'pruneSessionEnds'
>;

export type SessionRow = {
  token_hash: string;
  username: string;
  public_id: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
};

export function sessionFromRow(row: SessionRow): SessionRecord {
  return {
    tokenHash: row.token_hash,
    username: row.username,
    publicId: row.public_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

type EndRow = { seq: number; at: number; username: string; token_hash: string | null };

export function sqliteAccounts(db: Database.Database): AccountsPart {
  const st = {
    sessionsOf: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE username = ? ORDER BY created_at, public_id'),
    findSession: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE token_hash = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
    touch: db.prepare('UPDATE sessions SET last_used_at = ? WHERE token_hash = ?'),
    recordEnd: db.prepare('INSERT INTO session_ends (at, username, token_hash) VALUES (?, ?, ?)'),
    setPassword: db.prepare('UPDATE users SET password_hash = ? WHERE username = ?'),
    setDisabled: db.prepare('UPDATE users SET disabled_at = ? WHERE username = ?'),
    endsSince: db.prepare<[number, number], EndRow>('SELECT * FROM session_ends WHERE seq > ? ORDER BY seq LIMIT ?'),
    lastEnd: db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM session_ends'),
    pruneEnds: db.prepare('DELETE FROM session_ends WHERE at < ?'),
  };

  const endSessions = db.transaction((username: string, keep: string | null, at: number): string[] => {
    const ended: string[] = [];
    for (const row of st.sessionsOf.all(username)) {
      if (row.token_hash === keep) continue;
      st.deleteSession.run(row.token_hash);
      st.recordEnd.run(at, username, row.token_hash);
      ended.push(row.token_hash);
    }
    return ended;
  });

  return {
    async deleteSession(tokenHash) {
      db.transaction(() => {
        const row = st.findSession.get(tokenHash);
        if (!row) return;
        st.deleteSession.run(tokenHash);
        st.recordEnd.run(Date.now(), row.username, tokenHash);
      })();
    },
    async sessionsOf(username) {
      return st.sessionsOf.all(username).map(sessionFromRow);
    },
    async touchSession(tokenHash, at) {
      st.touch.run(at, tokenHash);
    },
    async deleteSessionsOf(username, keepTokenHash, at) {
      return endSessions(username, keepTokenHash, at);
    },
    async setPasswordHash(username, passwordHash) {
      st.setPassword.run(passwordHash, username);
    },
    async setDisabled(username, at) {
      return db.transaction(() => {
        if (st.setDisabled.run(at, username).changes === 0) return false;
        if (at !== null) {
          endSessions(username, null, at);
          // One record for the whole account: its sockets close even if a session was added meanwhile.
          st.recordEnd.run(at, username, null);
        }
        return true;
      })();
    },
    async sessionEndsSince(seq, limit): Promise<SessionEndRecord[]> {
      return st.endsSince.all(seq, limit).map((r) => ({ seq: r.seq, at: r.at, username: r.username, tokenHash: r.token_hash }));
    },
    async lastSessionEnd() {
      return st.lastEnd.get()?.seq ?? 0;
    },
    async pruneSessionEnds(before) {
      st.pruneEnds.run(before);
    },
  };
}
