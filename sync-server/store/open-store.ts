import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { BlobStore } from '../files/blob-store.ts';
import type { Blobs } from '../files/blobs.ts';
import { PgBlobs } from '../files/pg-blobs.ts';
import { openPgStore, pgPool } from './pg-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

/**
 * Where a server or an admin command finds its data, from the command line:
 * - `dataDir` alone (`--data DIR`): the embedded default, a SQLite file and `blobs/` in the folder;
 * - `database` (`--database postgres://…`): PostgreSQL holds the records, the document updates
 *   and, unless `blobsDir` is given (`--blobs DIR`, a folder every server node shares), the FCS
 *   files. The server's `dataDir` then holds only local things: the mail outbox (without SMTP)
 *   and uploads on their way in.
 */
export type DataChoice = { dataDir?: string | undefined; database?: string | undefined; blobsDir?: string | undefined };

/**
 * The store for `choice`. `server`: the one server process that owns a SQLite data folder (it
 * alone appends to the update journal); tools beside it open it without. PostgreSQL makes no
 * difference: every server and tool shares it.
 */
export async function openStore(choice: DataChoice, role: 'server' | 'tool'): Promise<Store> {
  if (choice.database) return openPgStore(choice.database);
  if (!choice.dataDir) throw new Error('a data folder or a database is needed');
  return openSqliteStore(choice.dataDir, { journal: role === 'server' });
}

/** Where the FCS files of `choice` live (see DataChoice). */
export function openBlobs(choice: DataChoice): Blobs {
  if (choice.blobsDir) return new BlobStore(choice.blobsDir, '', true);
  // Uploads arrive in a local file first: in the server's data folder, or (a tool, which takes
  // none) a folder of Cytoshare's own under the system's temporary folder.
  if (choice.database) return new PgBlobs(pgPool(choice.database), choice.dataDir ? join(choice.dataDir, 'uploads') : join(tmpdir(), 'cytoshare-uploads'));
  if (!choice.dataDir) throw new Error('a data folder or a database is needed');
  return new BlobStore(choice.dataDir);
}
