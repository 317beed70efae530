import { describe, it as baseIt } from 'vitest';
import type { AuditRecord, ExperimentRecord, Store } from '../../../sync-server/store/store.ts';
import { ADAPTERS, type Adapter, type OpenedStore } from './store-adapters.ts';

/**
 * What every store-contract-*.test.ts file shares: records as the server writes them, and a
 * run of the file's tests on each adapter (SQLite, and PostgreSQL on the test cluster) with a
 * fresh store a test. The contract is split by area so each file stays readable; a new Store
 * method gets its test in the file of its area.
 */
export const user = (username: string) => ({ username, email: '', passwordHash: 'scrypt$x', staff: false, createdAt: 1 });

export const experiment = (id: string, owner: string, extra: Partial<ExperimentRecord> = {}): ExperimentRecord => ({
  id,
  owner,
  name: id,
  grants: {},
  public: false,
  curated: false,
  parentId: null,
  clonedFrom: null,
  projectId: null,
  trashed: false,
  createdAt: 10,
  ...extra,
});

export const audit = (actor: string): AuditRecord => ({ at: 5, actor, action: 'share', experimentId: null, verdict: 'accepted', code: null, detail: { n: 1 } });

export const bytes = (...values: number[]) => new Uint8Array(values);

/** A test's own store: `opened` also has the blobs and opens a second store on the same data. */
export type StoreFixtures = { opened: OpenedStore; store: Store };

function storeTest(adapter: Adapter, accounts: readonly string[]) {
  return baseIt.extend<StoreFixtures>({
    // vitest reads a fixture's dependencies from this pattern: it must be one, even empty.
    opened: async ({}, use) => {
      const opened = await adapter.open();
      try {
        for (const name of accounts) await opened.store.addUser(user(name));
        await use(opened);
      } finally {
        await opened.dispose();
      }
    },
    store: async ({ opened }, use) => use(opened.store),
  });
}

export type StoreTest = ReturnType<typeof storeTest>;

/**
 * Registers `body`'s tests once an adapter, in a describe block named `the <adapter> store`
 * (plus `area`), skipped where the adapter cannot run here. Tests take `{ store }` or
 * `{ opened }` from their context; `accounts` are added to each fresh store first.
 */
export function eachStore(options: { area?: string; accounts?: readonly string[] }, body: (it: StoreTest) => void): void {
  for (const adapter of ADAPTERS) {
    const title = `the ${adapter.name} store${options.area ? `: ${options.area}` : ''}`;
    describe.skipIf(adapter.skip)(title, () => body(storeTest(adapter, options.accounts ?? [])));
  }
}
