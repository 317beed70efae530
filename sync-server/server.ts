import { createServer, type Server, type ServerOptions as HttpServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../shared/protocol/message-types.ts';
import type { ServerMode } from '../shared/schemas/entities.ts';
import { changeMode } from './admin.ts';
import { contentEffects } from './effects/content-effects.ts';
import { IntentExecutor } from './intents/intent-executor.ts';
import { declineWaitingShares, settleWaitingShares } from './effects/waiting-shares.ts';
import { Connections } from './effects/connections.ts';
import { Groups } from './effects/group-effects.ts';
import { Transfers } from './effects/transfers.ts';
import { mailNotifier } from './effects/mail-notifier.ts';
import { followOtherNodes } from './effects/other-nodes.ts';
import { ExpiryTimer } from './effects/expiry-timer.ts';
import type { TurnDeps } from './intents/intent-deps.ts';
import { createMailQueue } from './mail/mail-queue.ts';
import { DocKind } from '../shared/doc-layout.ts';
import { handleHttp } from './http/routes.ts';
import { HashQueue } from './auth/hash-queue.ts';
import { MemoryLoginThrottle, TableLoginThrottle } from './auth/login-throttle.ts';
import { SignupThrottle } from './auth/signup-throttle.ts';
import { SlidingWindow } from './auth/sliding-window.ts';
import { StoreThrottleTable } from './auth/throttle-table.ts';
import { ErrorCode } from '../shared/codes.ts';
import { BLOB_GRACE_MS } from './files/blob-gc.ts';
import type { Blobs } from './files/blobs.ts';
import { FileTickets } from './files/file-tickets.ts';
import { StoredTickets } from './files/stored-tickets.ts';
import { UploadSlots } from './files/upload-slots.ts';
import { DensityCache } from './files/density.ts';
import { createLogger, type Logger } from './log.ts';
import { EmailProofs } from './auth/email-proof.ts';
import { loadShareLinkKey, loadSharedShareLinkKey, shareLinks } from './auth/share-links.ts';
import { checkTotpKeyShared, loadTotpKey } from './auth/totp.ts';
import { DEFAULT_LIMITS, type ServerLimits } from './limits.ts';
import { openBlobs, openStore } from './store/open-store.ts';
import type { Store } from './store/store.ts';
import { ClientRegistry } from './sync/client-registry.ts';
import { acceptSocket } from './sync/connection.ts';
import { presenceAcrossNodes } from './sync/presence-across-nodes.ts';
import { PRESENCE_STATE_BYTES } from './store/pg-node-bus.ts';
import { openMux } from './sync/mux-connection.ts';
import { Rooms } from './sync/rooms.ts';
import { SocketDirectory } from './sync/socket-directory.ts';

export type ServerOptions = {
  /** The local folder: the embedded database and FCS files unless `store`/`blobs` are given, the mail outbox, uploads on their way in. */
  dataDir: string;
  /** The store to serve (see store/open-store.ts), which the server closes when it stops; default: SQLite in `dataDir`. */
  store?: Store;
  /** Where FCS files live, closed with the server; default: `dataDir/blobs`. */
  blobs?: Blobs;
  host?: string;
  port?: number;
  /** Stored in the data folder; a later start without it keeps the stored mode. */
  mode?: ServerMode;
  /** How long a document nobody has open stays in memory. */
  unloadDelayMs?: number;
  log?: Logger;
  /** The address people reach this server at, for links in mail; defaults to http://HOST:PORT. */
  publicUrl?: string;
  /** SMTP server for notification mail (`smtp://host:port`); without it mail goes to DATA/outbox. */
  smtpUrl?: string;
  /** Sender address of notification mail. */
  mailFrom?: string;
  /** Mail retry policy; tests shorten it. */
  mailRetry?: { baseMs: number; maxMs: number };
  /** How often the mail queue looks for mail due (queued by another node, say); tests shorten it. */
  mailPollMs?: number;
  /** Bounds on what one client may cost the server; unset ones keep their defaults. */
  limits?: Partial<ServerLimits>;
};

export type RunningServer = {
  url: string;
  port: number;
  host: string;
  readonly mode: ServerMode;
  /** True when the data folder has no account yet. */
  firstRun: boolean;
  store: Store;
  rooms: Rooms;
  limits: ServerLimits;
  /** Every password hash waits here; `computed` counts them. */
  hashes: HashQueue;
  /** Open document sockets by session and account; `closeSession`/`closeAccount` end them. */
  sockets: SocketDirectory;
  close(): Promise<void>;
};

/** How long a recorded session end is kept for server nodes to see (they poll every second). */
const SESSION_END_KEEP_MS = 3600_000;

/**
 * Node's own clocks on HTTP requests, from the limits: the headers must be in within
 * httpHeadersTimeoutMs (a client that sends half its headers and waits is dropped) and, when
 * httpRequestTimeoutMs is set, the whole request within that (0, the default, leaves long
 * uploads alone; the idle timeout still drops a stalled one). Node checks these clocks every
 * `connectionsCheckingInterval`, 30 s by default: checked more often so a short limit holds.
 */
function httpTimeouts(limits: ServerLimits): HttpServerOptions {
  const requestTimeout = limits.httpRequestTimeoutMs;
  // Node refuses a headers timeout longer than a (non-zero) request timeout.
  const headersTimeout = requestTimeout > 0 ? Math.min(limits.httpHeadersTimeoutMs, requestTimeout) : limits.httpHeadersTimeoutMs;
  const shortest = requestTimeout > 0 ? Math.min(headersTimeout, requestTimeout) : headersTimeout;
  return { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1_000, Math.max(25, Math.floor(shortest / 4))) };
}

/** HTTP and WebSocket on one port, over the store given (or the embedded database in `dataDir`). */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? createLogger(undefined, true);
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const store = options.store ?? (await openStore({ dataDir: options.dataDir }, 'server'));
  // Several nodes: a presence state must fit the notice that carries it to the other nodes.
  if (store.bus) limits.awarenessStateBytes = Math.min(limits.awarenessStateBytes, PRESENCE_STATE_BYTES);
  if (options.mode) await changeMode(store, options.mode);
  let mode: ServerMode = (await store.getMode()) ?? 'premium';
  if (!options.mode) await store.setMode(mode);
  let publicUrl = options.publicUrl ?? '';
  const registry = new ClientRegistry(store);
  const rooms = new Rooms(store, options.unloadDelayMs ?? 5_000, registry);
  const mail = createMailQueue({
    store,
    dataDir: options.dataDir,
    ...(options.smtpUrl ? { smtpUrl: options.smtpUrl } : {}),
    from: options.mailFrom ?? 'Cytoshare <noreply@cytoshare.invalid>',
    log,
    ...(options.mailRetry ? { retry: options.mailRetry } : {}),
    ...(options.mailPollMs ? { pollMs: options.mailPollMs } : {}),
  });
  // '' (no proved address) becomes null: no mail goes to an account that has not proved one.
  const totpKey = loadTotpKey(options.dataDir);
  if (store.bus) await checkTotpKeyShared(totpKey, store);
  const links = shareLinks(store.bus ? await loadSharedShareLinkKey(store) : loadShareLinkKey(options.dataDir), limits.shareLinkTtlMs);
  const notifier = mailNotifier(mail, () => publicUrl, async (user) => (await store.findUser(user))?.email || null, links);
  const connections = new Connections({ store, rooms, mode: () => mode, publicUrl: () => publicUrl, notifier });
  const proofs = new EmailProofs({
    store,
    limits,
    send: (message) => mail.send(message),
    publicUrl: () => publicUrl,
    onProved: (username, email) => connections.addressProved(username, email),
  });
  const content = contentEffects(store, rooms, log);
  rooms.onLoad = async (room) => {
    if (room.ref.kind === DocKind.connections) await connections.rebuild(room, room.ref.username);
    if (room.ref.kind === DocKind.experiment) await content.loaded(room);
  };
  rooms.onBroken = (room, error) => log.error('document reloaded after a failed apply', { doc: room.name, error: String(error) });
  const blobs = options.blobs ?? openBlobs({ dataDir: options.dataDir });
  // A blob collection that died half-way may have left a blob moved aside: back before any download.
  await blobs.recoverInterrupted(Date.now() - BLOB_GRACE_MS);
  // Uploads a stopped server was receiving: none of them will be finished.
  await blobs.removeTempUploads();
  const intentDeps = { store, rooms, blobs, log, mode: () => mode, connections, notifier, limits, sharingChanged: () => expiry.wake() };
  const intents = new IntentExecutor(intentDeps);
  // What arrives beside intents (ends on time, groups, transfers) runs in the intents' turn.
  const inTurn: TurnDeps & { limits: ServerLimits } = { ...intentDeps, exclusive: (work) => intents.exclusive(work) };
  const expiry = new ExpiryTimer(inTurn);
  connections.onConnected = (a, b) => settleWaitingShares(intents.effectDeps, a, b);
  connections.onDeclined = (from, to) => declineWaitingShares(intentDeps, from, to);
  const onAccepted = content.accepted;
  if (store.bus) followOtherNodes({ bus: store.bus, store, rooms, connections, onError: (error) => log.error('other node event failed', { error: String(error) }) });
  const presence = store.bus ? presenceAcrossNodes({ bus: store.bus, rooms, limits, onError: (error) => log.error('presence across nodes failed', { error: String(error) }) }) : null;

  // Several nodes on one database: a ticket from one is good at the others.
  const tickets = store.bus ? new StoredTickets(store, limits.ticketsPerAccount) : new FileTickets(limits.ticketsPerAccount);
  const sockets = new SocketDirectory({ sessionExpiry: async (tokenHash) => (await store.findSession(tokenHash))?.expiresAt ?? null });
  // Several nodes on one database keep one set of counters there: tries spread over the nodes
  // get the budget of one. One process keeps them in memory (no database write per attempt).
  const shared = store.bus ? new StoreThrottleTable(store, limits.throttleEntries) : null;
  const throttle = shared ? new TableLoginThrottle(limits, shared) : new MemoryLoginThrottle(limits);
  const signups = new SignupThrottle(limits, shared ?? undefined);
  // Keyed by link id; links per server are few, so the bound is only against a flood of ids.
  // Shared like the login counters: a link passed round the nodes gets the views of one server.
  const reviewViews = new SlidingWindow(() => limits.reviewPagesPerLinkPerMinute, 60_000, 10_000, 'review-views', shared ?? undefined);
  const hashes = new HashQueue(limits.passwordHashConcurrency, limits.passwordHashQueuePerAddress);
  const uploads = new UploadSlots();
  const plots = { cache: new DensityCache(limits.densityCacheEntries), reading: new UploadSlots() };
  const groups = new Groups(inTurn);
  const transfers = new Transfers({ ...inTurn, mail: (message) => mail.send(message) });
  const httpDeps = { store, rooms, blobs, tickets, uploads, plots, intents, groups, transfers, connections, proofs, log, limits, mode: () => mode, sockets, throttle, signups, reviewViews, hashes, shareLinks: links, totpKey, publicUrl: () => publicUrl };
  // requestTimeout comes from the limits (0: none): Node's default of 300 s for a whole request
  // would cut off an upload of gigabytes on a slow link; uploads have their own idle clock.
  const http: Server = createServer(httpTimeouts(limits), (req, res) => handleHttp(req, res, httpDeps));
  // A connection that moves no byte for this long is dropped: a request whose body trickles in
  // one byte a minute, or whose answer is never read, does not hold a socket forever.
  http.setTimeout(limits.httpIdleTimeoutMs);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  http.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    // One socket per document (`/sync/<doc>`), or one for many (`/mux`, see mux-connection.ts).
    const opener = path === '/mux' ? openMux : path.startsWith('/sync/') ? undefined : null;
    if (opener === null) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    // `ws` clears the HTTP idle timer on the sockets it takes over: a document socket is
    // watched by pings instead (ServerLimits.socketIdleMs, see connection.ts).
    wss.handleUpgrade(req, socket, head, (ws) => acceptSocket(ws, socket, req, { store, rooms, registry, log, limits, sockets, onAccepted, presence }, opener));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8787, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  publicUrl ||= `http://${host}:${port}`;
  const firstRun = (await store.countUsers()) === 0;
  // `cytoshare admin set-mode` writes the data folder directly; a running server follows it.
  const modeWatch = setInterval(() => {
    void store.getMode().then(async (stored) => {
      if (!stored || stored === mode) return;
      mode = stored;
      log.info('mode changed', { mode });
      await connections.refreshLoaded();
    }).catch(() => undefined);
  }, 1_000);
  modeWatch.unref();
  // Sessions ended outside this process (`cytoshare admin` reset-password or disable, another
  // node) are recorded in the store; their open sockets close within a second here.
  let endSeq = await store.lastSessionEnd();
  let lastPrune = 0;
  const sessionWatch = setInterval(() => {
    void (async () => {
      for (const end of await store.sessionEndsSince(endSeq, 1_000)) {
        endSeq = end.seq;
        if (end.tokenHash === null) sockets.closeAccount(end.username, ErrorCode.ACCOUNT_DISABLED);
        else sockets.closeSession(end.tokenHash, ErrorCode.NOT_SIGNED_IN);
      }
      const now = Date.now();
      if (now - lastPrune > SESSION_END_KEEP_MS) {
        lastPrune = now;
        await store.pruneSessionEnds(now - SESSION_END_KEEP_MS);
      }
    })().catch(() => undefined);
  }, 1_000);
  sessionWatch.unref();
  mail.start();
  // What came due while the server was stopped is applied now (readers never saw it meanwhile: the rules check each end).
  await expiry.start();
  log.info('listening', { host, port, mode });

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    host,
    get mode() {
      return mode;
    },
    firstRun,
    store,
    rooms,
    limits,
    hashes,
    sockets,
    close() {
      // Closing twice (a test, a signal during shutdown) waits for the one close, never closes the store again.
      closing ??= shutDown();
      return closing;
    },
  };

  async function shutDown(): Promise<void> {
    clearInterval(modeWatch);
    clearInterval(sessionWatch);
    sockets.stop();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeAllConnections();
    // Edits no longer arrive: what they left to publish goes out while the store is still open.
    await content.stop();
    await expiry.stop();
    await rooms.closeAll();
    await mail.stop();
    await store.close();
    await blobs.close();
  }
}
