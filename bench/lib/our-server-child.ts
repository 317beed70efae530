/**
 * Child process: our sync server on 127.0.0.1, port 0. Talks to the parent over IPC:
 * sends {ready, port}; answers {t:'cpu'} with {t:'cpu', micros} (process.cpuUsage, user + system); answers {t:'heap'} with {t:'heap', heapUsed, rss, loaded} after global.gc().
 * Run as: node --expose-gc --import tsx bench/lib/our-server-child.ts <dataDir> <unloadDelayMs> [postgres://… (a node on that database)]
 */
import { startServer } from '../../sync-server/server.ts';
import { createLogger } from '../../sync-server/log.ts';
import { openBlobs, openStore } from '../../sync-server/store/open-store.ts';

const [dataDir, unloadDelay, database] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: our-server-child.ts <dataDir> [unloadDelayMs] [databaseUrl]');
const onDatabase = database ? { store: await openStore({ dataDir, database }, 'server'), blobs: openBlobs({ dataDir, database }) } : {};
const server = await startServer({
  ...onDatabase,
  dataDir,
  host: '127.0.0.1',
  port: 0,
  mode: 'premium',
  unloadDelayMs: Number(unloadDelay ?? 5000),
  log: createLogger(undefined, true),
});
process.on('message', (msg: { t: string }) => {
  if (msg.t === 'heap') {
    const g = globalThis as { gc?: () => void };
    if (g.gc) {
      g.gc();
      g.gc();
    }
    const m = process.memoryUsage();
    process.send!({ t: 'heap', heapUsed: m.heapUsed, rss: m.rss, loaded: server.rooms.loadedCount, gc: !!g.gc });
  } else if (msg.t === 'cpu') {
    // Server CPU (user + system, µs) for benches that charge each message its cost.
    const c = process.cpuUsage();
    process.send!({ t: 'cpu', micros: c.user + c.system });
  } else if (msg.t === 'stop') {
    void server.close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ t: 'ready', port: server.port });
