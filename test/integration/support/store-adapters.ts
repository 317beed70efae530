import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgStore } from '../../../sync-server/store/pg-store.ts';
import { openSqliteStore } from '../../../sync-server/store/sqlite-store.ts';
import type { Store } from '../../../sync-server/store/store.ts';
import { createTestDatabase, dropTestDatabase, PG_SKIP_REASON, TEST_PG } from '../../support/pg-database.ts';

/**
 * Every store adapter, as the contract suite opens them: a fresh, empty store per test, as a
 * server opens it. `openAnother` opens a second store on the same data (another server node, or
 * a tool beside the server); `dispose` closes both and removes the data.
 */
export type OpenedStore = { store: Store; openAnother(): Promise<Store>; dispose(): Promise<void> };
export type Adapter = { name: string; skip: boolean; open(): Promise<OpenedStore> };

export const ADAPTERS: Adapter[] = [
  {
    name: 'SQLite',
    skip: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'cytoshare-contract-'));
      const opened = [openSqliteStore(dir, { journal: true })];
      return {
        store: opened[0]!,
        async openAnother() {
          const tool = openSqliteStore(dir);
          opened.push(tool);
          return tool;
        },
        async dispose() {
          for (const s of opened) await s.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: `PostgreSQL${PG_SKIP_REASON}`,
    skip: TEST_PG === null,
    async open() {
      const url = await createTestDatabase();
      const opened = [await openPgStore(url)];
      return {
        store: opened[0]!,
        async openAnother() {
          const other = await openPgStore(url);
          opened.push(other);
          return other;
        },
        async dispose() {
          for (const s of opened) await s.close();
          await dropTestDatabase(url);
        },
      };
    },
  },
];
