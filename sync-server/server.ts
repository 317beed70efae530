import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES } from '../shared/protocol/message-types.ts';
import type { ServerMode } from '../shared/schemas/entities.ts';
import { contentEffects } from './effects/content-effects.ts';
import { IntentExecutor } from './effects/intent-executor.ts';
import { handleHttp } from './http/routes.ts';
import { createLogger, type Logger } from './log.ts';
import { openSqliteStore } from './store/sqlite-store.ts';
import type { Store } from './store/store.ts';
import { ClientRegistry } from './sync/client-registry.ts';
import { acceptSocket } from './sync/connection.ts';
import { Rooms } from './sync/rooms.ts';

export type ServerOptions = {
  dataDir: string;
  host?: string;
  port?: number;
  /** Stored in the data folder; a later start without it keeps the stored mode. */
  mode?: ServerMode;
  /** How long a document nobody has open stays in memory. */
  unloadDelayMs?: number;
  log?: Logger;
};

export type RunningServer = {
  url: string;
  port: number;
  host: string;
  mode: ServerMode;
  /** True when the data folder has no account yet. */
  firstRun: boolean;
  store: Store;
  rooms: Rooms;
  close(): Promise<void>;
};

/** HTTP and WebSocket on one port, over the embedded database in `dataDir`. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? createLogger(undefined, true);
  const store = openSqliteStore(options.dataDir);
  if (options.mode) await store.setMode(options.mode);
  const mode: ServerMode = (await store.getMode()) ?? 'premium';
  if (!options.mode) await store.setMode(mode);
  const rooms = new Rooms(store, options.unloadDelayMs ?? 5_000);
  const registry = new ClientRegistry(store);
  const intents = new IntentExecutor({ store, rooms, log, mode: () => mode });
  const onAccepted = contentEffects(store, rooms, log);

  const http: Server = createServer((req, res) => handleHttp(req, res, { store, intents, log, mode: () => mode }));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  http.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/sync/')) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => acceptSocket(ws, req, { store, rooms, registry, log, onAccepted }));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8787, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const firstRun = (await store.countUsers()) === 0;
  log.info('listening', { host, port, mode });

  return {
    url: `http://${host}:${port}`,
    port,
    host,
    mode,
    firstRun,
    store,
    rooms,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await rooms.closeAll();
      await store.close();
    },
  };
}
