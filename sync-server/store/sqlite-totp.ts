import type Database from 'better-sqlite3';
import type { StoreTx, TotpRecord } from './store.ts';

type TotpPart = Pick<
  StoreTx,
  'totpOf' | 'startTotp' | 'confirmTotp' | 'useTotpStep' | 'useRecoveryCode' | 'deleteTotp' | 'totpRequired' | 'setTotpRequired'
>;

type Row = { username: string; secret: Buffer; created_at: number; confirmed_at: number | null; last_step: number | null; left: number };

export function sqliteTotp(db: Database.Database): TotpPart {
  const st = {
    get: db.prepare<[string], Row>(
      `SELECT t.*, (SELECT count(*) FROM totp_recovery r WHERE r.username = t.username AND r.used_at IS NULL) AS left FROM totp t WHERE t.username = ?`,
    ),
    start: db.prepare(
      `INSERT INTO totp (username, secret, created_at, confirmed_at, last_step) VALUES (?, ?, ?, NULL, NULL)
       ON CONFLICT(username) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at WHERE totp.confirmed_at IS NULL`,
    ),
    confirm: db.prepare('UPDATE totp SET confirmed_at = ?, last_step = ? WHERE username = ? AND confirmed_at IS NULL'),
    useStep: db.prepare('UPDATE totp SET last_step = ? WHERE username = ? AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?)'),
    useRecovery: db.prepare('UPDATE totp_recovery SET used_at = ? WHERE username = ? AND code_hash = ? AND used_at IS NULL'),
    deleteRecovery: db.prepare('DELETE FROM totp_recovery WHERE username = ?'),
    addRecovery: db.prepare('INSERT INTO totp_recovery (username, code_hash, used_at) VALUES (?, ?, NULL)'),
    delete: db.prepare('DELETE FROM totp WHERE username = ?'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
  };
  return {
    async totpOf(username): Promise<TotpRecord | null> {
      const r = st.get.get(username);
      if (!r) return null;
      return { username: r.username, sealedSecret: new Uint8Array(r.secret), createdAt: r.created_at, confirmedAt: r.confirmed_at, lastStep: r.last_step, recoveryCodesLeft: r.left };
    },
    async startTotp(username, sealedSecret, at) {
      return st.start.run(username, Buffer.from(sealedSecret), at).changes > 0;
    },
    async confirmTotp(username, step, recoveryHashes, at) {
      return db.transaction(() => {
        if (st.confirm.run(at, step, username).changes === 0) return false;
        st.deleteRecovery.run(username);
        for (const hash of recoveryHashes) st.addRecovery.run(username, hash);
        return true;
      })();
    },
    async useTotpStep(username, step) {
      return st.useStep.run(step, username, step).changes > 0;
    },
    async useRecoveryCode(username, codeHash, at) {
      return st.useRecovery.run(at, username, codeHash).changes > 0;
    },
    async deleteTotp(username) {
      return db.transaction(() => {
        st.deleteRecovery.run(username);
        return st.delete.run(username).changes > 0;
      })();
    },
    async totpRequired() {
      return st.getMeta.get('totp_required')?.value === 'on';
    },
    async setTotpRequired(on) {
      st.setMeta.run('totp_required', on ? 'on' : 'off');
    },
  };
}
