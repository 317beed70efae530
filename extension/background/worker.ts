import { browser, type Browser } from 'wxt/browser';
import type { CoreChange } from '../core/contract.ts';
import { CHANGES_PORT, type ChangeMessage, type Notice, type ResponseOf } from '../messages.ts';
import { showInboxCount } from './badge.ts';
import { createCore, type WorkerCore } from './core-factory.ts';
import { ExtensionStore, readStoredSession } from './extension-store.ts';
import { createHandler } from './handler.ts';
import { createPump, type Pump } from './pump.ts';

/**
 * The background worker: the only holder of the client core. It answers the pages' requests
 * (handler.ts), forwards the core's change feed to every open page over a Port, keeps the
 * toolbar badge equal to the Inbox count, and wakes every minute to sync.
 *
 * One core per signed-in account. Its IndexedDB databases are named after the server and the
 * username, so two accounts used in one browser profile never see each other's replicas.
 */
type Live = { core: WorkerCore; pump: Pump; server: string; username: string; unsubscribe: () => void };

const SYNC_ALARM = 'cytoshare-sync';
/** While a page is open, how often the worker pushes and pulls. */
const OPEN_PAGE_SYNC_MS = 2_000;
/** Requests that only read: every other request records a draft, so it triggers a sync. */
const READS: ReadonlySet<string> = new Set(['state', 'list', 'show', 'login', 'logout', 'dismissNotice']);

export function startWorker(): void {
  const ports = new Set<Browser.runtime.Port>();
  const notices: Notice[] = [];
  const names = new Map<string, string>();
  let live: Promise<Live | null> = resume();

  const broadcast = (message: ChangeMessage) => {
    for (const port of ports) {
      try {
        port.postMessage(message);
      } catch {
        ports.delete(port);
      }
    }
  };

  async function refreshBadge(core: WorkerCore): Promise<void> {
    if (!core.account) return showInboxCount(0);
    const rows = await core.list('all');
    for (const row of rows) names.set(row.id, row.name);
    await showInboxCount(rows.filter((row) => row.isNew).length);
  }

  async function open(server: string, username: string): Promise<Live> {
    const store = new ExtensionStore(`cytoshare:${new URL(server).host}:${username}`);
    const core = await createCore(store, server);
    const unsubscribe = core.subscribe((change: CoreChange) => {
      if (change.type === 'removed') {
        const name = names.get(change.experimentId) ?? change.experimentId;
        if (!notices.some((n) => n.id === change.experimentId)) notices.push({ id: change.experimentId, name, code: change.code });
      }
      broadcast(change);
      if (change.type === 'list' || change.type === 'removed' || change.type === 'status') void refreshBadge(core).catch(() => {});
    });
    void refreshBadge(core).catch(() => {});
    const pump = createPump(core, (error) => console.warn('cytoshare: sync failed', error));
    pump.kick();
    return { core, pump, server, username, unsubscribe };
  }

  async function resume(): Promise<Live | null> {
    const session = await readStoredSession();
    if (!session) return null;
    try {
      return await open(session.server, session.username);
    } catch (error) {
      console.error('cytoshare: could not resume the session', error);
      return null;
    }
  }

  async function login(server: string, username: string, password: string): Promise<ResponseOf<'login'>> {
    const previous = await live;
    if (previous) {
      previous.unsubscribe();
      previous.pump.stop();
      await previous.core.logout().catch(() => {});
    }
    notices.length = 0;
    const next = open(server, username);
    live = next.catch(() => null);
    const account = await (await next).core.login(username, password);
    broadcast({ type: 'account' });
    (await next).pump.kick();
    return account;
  }

  const handle = createHandler({
    core: async () => (await live)?.core ?? null,
    login,
    fetchExperiment: async (id) => {
      await (await live)?.core.refresh([id], false);
    },
    notices,
    onNoticesChanged: () => broadcast({ type: 'drafts' }),
  });

  browser.runtime.onMessage.addListener((message: unknown, sender, sendResponse: (answer: unknown) => void) => {
    if (sender.id !== browser.runtime.id) return false;
    void handle(message).then((answer) => {
      sendResponse(answer);
      const type = (message as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && !READS.has(type)) void live.then((current) => current?.pump.kick(50));
      if (type === 'logout') {
        void showInboxCount(0);
        broadcast({ type: 'account' });
      }
    });
    return true;
  });

  browser.runtime.onConnect.addListener((port) => {
    if (port.name !== CHANGES_PORT || port.sender?.id !== browser.runtime.id) return;
    ports.add(port);
    port.onDisconnect.addListener(() => ports.delete(port));
    void live.then((current) => current?.pump.kick());
  });

  // A page that is open wants fresh data; an MV3 worker with an open Port stays alive for it.
  setInterval(() => {
    if (ports.size > 0) void live.then((current) => current?.pump.kick());
  }, OPEN_PAGE_SYNC_MS);

  void browser.alarms.create(SYNC_ALARM, { periodInMinutes: 1 });
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name !== SYNC_ALARM) return;
    void live.then((current) => current?.pump.kick());
  });
}
