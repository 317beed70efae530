import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransferRecord } from '../../shared/schemas/transfers.ts';
import { migrations } from '../../sync-server/store/sqlite-schema.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';
import { eachStore, experiment } from './support/store-contract.ts';

/**
 * The store contract for offers of ownership that are withdrawn (the named experiment deleted for
 * good while the offer waited), on every adapter; one file of the contract's areas.
 */
const offer: TransferRecord = {
  id: 't-00000000000000aa', experimentId: 'exp-transfer1', giver: 'olivia', receiver: 'rob', leave: false, family: false,
  experiments: ['exp-transfer1'], status: 'pending', createdAt: 5, decidedAt: null,
};

eachStore({ area: 'withdrawn transfers', accounts: ['olivia', 'rob'] }, (it) => {
  it('closes an offer as withdrawn once, which frees the experiment for a new offer', async ({ store }) => {
    await store.saveTransfer(offer);
    expect(await store.transaction(async (tx) => tx.decideTransfer(offer.id, 'withdrawn', 9))).toBe(true);
    expect(await store.decideTransfer(offer.id, 'accepted', 10)).toBe(false);
    expect(await store.getTransfer(offer.id)).toEqual({ ...offer, status: 'withdrawn', decidedAt: 9 });
    expect(await store.pendingTransfers({ receiver: 'rob' })).toEqual([]);
    await store.saveTransfer({ ...offer, id: 't-00000000000000bb' });
    expect((await store.pendingTransfers({ giver: 'olivia' })).map((t) => t.id)).toEqual(['t-00000000000000bb']);
  });

  it('deletes an experiment and withdraws its offer in one unit of work: both or neither', async ({ store }) => {
    await store.saveExperiments([experiment('exp-transfer1', 'olivia')]);
    await store.saveTransfer(offer);
    await expect(
      store.transaction(async (tx) => {
        await tx.deleteExperiment('exp-transfer1');
        await tx.decideTransfer(offer.id, 'withdrawn', 9);
        throw new Error('crash before the end of the unit of work');
      }),
    ).rejects.toThrow('crash');
    expect(await store.getExperiment('exp-transfer1')).not.toBeNull();
    expect((await store.getTransfer(offer.id))?.status).toBe('pending');

    await store.transaction(async (tx) => {
      await tx.deleteExperiment('exp-transfer1');
      await tx.decideTransfer(offer.id, 'withdrawn', 9);
    });
    expect(await store.getExperiment('exp-transfer1')).toBeNull();
    expect((await store.getTransfer(offer.id))?.status).toBe('withdrawn');
  });
});

describe('upgrading a SQLite data folder to withdrawn transfers', () => {
  const WITHDRAWN = migrations.findIndex((sql) => sql.includes("'cancelled', 'withdrawn'"));
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('withdraws the offers an older server left pending for a deleted experiment, and keeps the rest', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoshare-migrate-'));
    const db = new Database(join(dir, 'cytoshare.sqlite'));
    for (const sql of migrations.slice(0, WITHDRAWN)) db.exec(sql);
    db.pragma(`user_version = ${WITHDRAWN}`);
    db.prepare("INSERT INTO users (username, email, password_hash, staff, created_at) VALUES ('olivia', 'olivia@lab.org', 'x', 0, 1)").run();
    db.prepare("INSERT INTO experiments (id, owner, name, created_at) VALUES ('exp-kept0001', 'olivia', 'Kept', 1)").run();
    const insert = db.prepare(`INSERT INTO transfers (id, experiment_id, giver, receiver, giver_leaves, family, experiments, status, created_at, decided_at)
      VALUES (?, ?, 'olivia', 'rob', 0, 0, ?, ?, 5, ?)`);
    insert.run('t-00000000000000a1', 'exp-kept0001', '["exp-kept0001"]', 'pending', null);
    insert.run('t-00000000000000a2', 'exp-gone0001', '["exp-gone0001"]', 'pending', null);
    insert.run('t-00000000000000a3', 'exp-gone0002', '["exp-gone0002"]', 'declined', 7);
    db.close();

    const store = openSqliteStore(dir);
    try {
      expect((await store.pendingTransfers({ receiver: 'rob' })).map((t) => t.id)).toEqual(['t-00000000000000a1']);
      expect(await store.getTransfer('t-00000000000000a2')).toMatchObject({ status: 'withdrawn', experimentId: 'exp-gone0001' });
      expect(await store.getTransfer('t-00000000000000a3')).toMatchObject({ status: 'declined', decidedAt: 7 });
      // The one-pending-offer index survived the rebuild.
      await expect(store.saveTransfer({ ...offer, id: 't-00000000000000a4', experimentId: 'exp-kept0001' })).rejects.toThrow();
    } finally {
      await store.close();
    }
  });
});
