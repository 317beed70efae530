import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nextLink, verifyChain, type HistoryFields } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import type { AuditRecord, HistoryAppend, Store } from '../../sync-server/store/store.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';

const stores: Array<{ store: Store; dir: string }> = [];
afterEach(async () => {
  for (const { store, dir } of stores.splice(0)) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
function open(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'cytoshare-history-'));
  const store = openSqliteStore(dir);
  stores.push({ store, dir });
  return store;
}

const audit: AuditRecord = { at: 1, actor: 'ann', action: 'share', experimentId: null, verdict: 'accepted', code: null, detail: null };
const fields = (experimentId: string, user: string): HistoryFields => ({ experimentId, at: 1, actor: 'ann', action: 'share', verdict: 'accepted', code: null, detail: { user } });
const append = (...entries: HistoryFields[]): HistoryAppend => ({ entries, link: (head, f) => nextLink(sha256Hex, head, f) });

describe('the SQLite adapter appends history chains', () => {
  it('saves that do not wait for each other still chain one after the other, per experiment', async () => {
    const store = open();
    const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
    await Promise.all(users.map((user, i) => store.saveIntentResult('ann', `draft-${i}-xyz`, '{}', audit, append(fields('exp-aaaaaaaa', user), fields('exp-bbbbbbbb', user)))));
    for (const exp of ['exp-aaaaaaaa', 'exp-bbbbbbbb']) {
      const rows = await store.experimentHistory(exp);
      expect(rows.map((r) => r.seq)).toEqual(users.map((_, i) => i + 1));
      expect(verifyChain(sha256Hex, exp, rows)).toMatchObject({ intact: true, entries: 20 });
    }
    expect(await store.experimentHistory('exp-cccccccc')).toEqual([]);
  });

  it('a failed save appends nothing: the verdict and its history entries are one transaction', async () => {
    const store = open();
    await store.saveIntentResult('ann', 'draft-same-1', '{}', audit, append(fields('exp-aaaaaaaa', 'bob')));
    const broken: HistoryAppend = { entries: [fields('exp-aaaaaaaa', 'eve')], link: () => { throw new Error('link failed'); } };
    await expect(store.saveIntentResult('ann', 'draft-same-2', '{}', audit, broken)).rejects.toThrow('link failed');
    expect((await store.experimentHistory('exp-aaaaaaaa')).map((r) => r.detail)).toEqual([{ user: 'bob' }]);
    expect(await store.findIntentResult('ann', 'draft-same-2')).toBeNull();
  });
});
