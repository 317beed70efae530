import type Database from 'better-sqlite3';
import type { Store, WaitingShareRecord } from './store.ts';

type Row = {
  id: string;
  experiment_id: string;
  sharer: string;
  username: string;
  named_by_address: number;
  notify: number;
  message: string | null;
  until_at: number | null;
  status: WaitingShareRecord['status'];
  code: string | null;
  created_at: number;
  decided_at: number | null;
  role: string;
};

const toRecord = (r: Row): WaitingShareRecord => ({
  id: r.id,
  experimentId: r.experiment_id,
  sharer: r.sharer,
  user: r.username,
  namedByAddress: r.named_by_address === 1,
  notify: r.notify === 1,
  message: r.message,
  ...(r.until_at !== null ? { until: r.until_at } : {}),
  status: r.status,
  code: r.code,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
  // A role this version does not know gives the least.
  ...(r.role === 'full' ? {} : { role: 'viewer' as const }),
});

/** Shares waiting for a connection (connect-then-share) on SQLite. */
export function sqliteWaitingShares(db: Database.Database): Pick<Store, 'saveWaitingShare' | 'waitingShares'> {
  const save = db.prepare(`INSERT OR REPLACE INTO waiting_shares (id, experiment_id, sharer, username, named_by_address, notify, message, until_at, status, code, created_at, decided_at, role)
    VALUES (@id, @experimentId, @sharer, @user, @namedByAddress, @notify, @message, @until, @status, @code, @createdAt, @decidedAt, @role)`);
  const open = "status != 'done'";
  const bySharer = db.prepare(`SELECT * FROM waiting_shares WHERE sharer = ? AND ${open} ORDER BY created_at, id`);
  const byUser = db.prepare(`SELECT * FROM waiting_shares WHERE username = ? AND ${open} ORDER BY created_at, id`);
  const byBoth = db.prepare(`SELECT * FROM waiting_shares WHERE sharer = ? AND username = ? AND ${open} ORDER BY created_at, id`);
  return {
    async saveWaitingShare(share) {
      save.run({ ...share, namedByAddress: share.namedByAddress ? 1 : 0, notify: share.notify ? 1 : 0, role: share.role ?? 'full', until: share.until ?? null });
    },
    async waitingShares({ sharer, user }) {
      const rows = (sharer !== undefined && user !== undefined ? byBoth.all(sharer, user) : sharer !== undefined ? bySharer.all(sharer) : user !== undefined ? byUser.all(user) : []) as Row[];
      return rows.map(toRecord);
    },
  };
}
