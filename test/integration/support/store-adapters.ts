import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore } from '../../../sync-server/files/blob-store.ts';
import type { Blobs } from '../../../sync-server/files/blobs.ts';
import { PgBlobs } from '../../../sync-server/files/pg-blobs.ts';
import { openPgStore, pgPool } from '../../../sync-server/store/pg-store.ts';
import { openSqliteStore } from '../../../sync-server/store/sqlite-store.ts';
import type { Store } from '../../../sync-server/store/store.ts';
import { createTestDatabase, dropTestDatabase, PG_SKIP_REASON, TEST_PG } from '../../support/pg-database.ts';

/**
 * Every store adapter, as the contract suite opens them: a fresh, empty store per test, as a
 * server opens it. `openAnother` opens a second store on the same data (another server node, or
 * a tool beside the server); `dispose` closes both and removes the data.
 */
export type OpenedStore = { store: Store; blobs: Blobs; openAnother(): Promise<Store>; dispose(): Promise<void> };
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
        blobs: new BlobStore(dir),
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
      const scratch = mkdtempSync(join(tmpdir(), 'cytoshare-contract-'));
      const blobs = new PgBlobs(pgPool(url), scratch);
      return {
        store: opened[0]!,
        blobs,
        async openAnother() {
          const other = await openPgStore(url);
          opened.push(other);
          return other;
        },
        async dispose() {
          for (const s of opened) await s.close();
          await blobs.close();
          rmSync(scratch, { recursive: true, force: true });
          await dropTestDatabase(url);
        },
      };
    },
  },
];
