import Dexie, { type EntityTable } from 'dexie';
import type { IndexEntry } from '../../shared/schemas/index-entry.ts';
import type { Draft } from './contract.ts';
import type { StoredSession } from './store.ts';
import type { PendingUploadRecord } from './pending-upload.ts';

/**
 * The extension's Dexie database, one per account (`prefix`). Versions are only ever added:
 * a browser holding an older one upgrades in place, and a stored outbox or upload survives it.
 */
type SessionRow = { key: 'session'; value: StoredSession };
type DocRow = { name: string };
export type ListRow = IndexEntry;

export class CytoshareDb extends Dexie {
  session!: EntityTable<SessionRow, 'key'>;
  drafts!: EntityTable<Draft, 'id'>;
  docs!: EntityTable<DocRow, 'name'>;
  list!: EntityTable<ListRow, 'id'>;
  uploads!: EntityTable<PendingUploadRecord, 'id'>;

  constructor(name: string) {
    super(name);
    this.version(1).stores({ session: 'key', drafts: 'id, createdAt, state', docs: 'name', list: 'id, name, owner, access' });
    // 2: FCS uploads made while the server was away, with their bytes (upload-queue.ts).
    this.version(2).stores({ uploads: 'id, experimentId, createdAt' });
  }
}

/** The database name of one account on one server: two accounts never share a replica. */
export function storePrefix(server: string, username: string): string {
  return `cytoshare:${new URL(server).host}:${username}`;
}
