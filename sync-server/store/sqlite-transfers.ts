import type Database from 'better-sqlite3';
import { z } from 'zod';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { TransferStatus, type TransferRecord } from '../../shared/schemas/transfers.ts';
import type { StoreTx } from './store.ts';

type Row = {
  id: string;
  experiment_id: string;
  giver: string;
  receiver: string;
  giver_leaves: number;
  family: number;
  experiments: string;
  status: string;
  created_at: number;
  decided_at: number | null;
};

export type TransferPart = Pick<StoreTx, 'saveTransfer' | 'getTransfer' | 'pendingTransfers' | 'decideTransfer'>;

const StoredExperiments = z.array(ExperimentId).min(1);

/** A stored row as a record; the JSON list of what moves is parsed like any input. */
export const transferOf = (r: Omit<Row, 'giver_leaves' | 'family'> & { giver_leaves: number | boolean; family: number | boolean }): TransferRecord => ({
  id: r.id,
  experimentId: r.experiment_id,
  giver: r.giver,
  receiver: r.receiver,
  leave: r.giver_leaves === 1 || r.giver_leaves === true,
  family: r.family === 1 || r.family === true,
  experiments: StoredExperiments.parse(JSON.parse(r.experiments)),
  status: TransferStatus.parse(r.status),
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

/** Offers of ownership (shared/rules/transfer.ts) on SQLite. */
export function sqliteTransfers(db: Database.Database): TransferPart {
  const insert = db.prepare(`INSERT INTO transfers (id, experiment_id, giver, receiver, giver_leaves, family, experiments, status, created_at, decided_at)
    VALUES (@id, @experimentId, @giver, @receiver, @leave, @family, @experiments, @status, @createdAt, @decidedAt)`);
  const byId = db.prepare('SELECT * FROM transfers WHERE id = ?');
  const byGiver = db.prepare("SELECT * FROM transfers WHERE giver = ? AND status = 'pending' ORDER BY created_at, id");
  const byReceiver = db.prepare("SELECT * FROM transfers WHERE receiver = ? AND status = 'pending' ORDER BY created_at, id");
  const decide = db.prepare("UPDATE transfers SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'");
  return {
    async saveTransfer(t) {
      insert.run({ ...t, leave: t.leave ? 1 : 0, family: t.family ? 1 : 0, experiments: JSON.stringify(t.experiments) });
    },
    async getTransfer(id) {
      const row = byId.get(id) as Row | undefined;
      return row ? transferOf(row) : null;
    },
    async pendingTransfers({ giver, receiver }) {
      const rows = (giver !== undefined ? byGiver.all(giver) : receiver !== undefined ? byReceiver.all(receiver) : []) as Row[];
      return rows.map(transferOf).filter((t) => receiver === undefined || t.receiver === receiver);
    },
    async decideTransfer(id, status, at) {
      return decide.run(status, at, id).changes === 1;
    },
  };
}
