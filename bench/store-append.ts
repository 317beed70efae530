/**
 * Diagnostic (not in run-all): how long one synchronous SQLite append of a small update blocks
 * the event loop, through the server's own store (WAL, synchronous=NORMAL). Every stall here
 * stalls every document of the server, since DocRoom.flush awaits it per update.
 *
 *   npx tsx bench/store-append.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../sync-server/store/sqlite-store.ts';
const store = openSqliteStore(mkdtempSync(join(tmpdir(), 'diag-')));
const u = new Uint8Array(60).fill(7);
const times: number[] = [];
for (let i = 0; i < 6000; i++) {
  const t = performance.now();
  await store.appendUpdate('exp-diag', u);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log('append ms p50', times[3000]!.toFixed(3), 'p99', times[5940]!.toFixed(3), 'max', times.at(-1)!.toFixed(1), '>5ms', times.filter((t) => t > 5).length);
