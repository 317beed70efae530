import { browser, type Browser } from 'wxt/browser';
import type { CoreChange } from '../core/contract.ts';
import { fromExtensionPage, managerUrlFor } from '../landing-open.ts';
import { CHANGES_PORT, WatchMessage, type ChangeMessage, type Notice, type ResponseOf } from '../messages.ts';
import { showInboxCount } from './badge.ts';
import { createCore, startLive, type Live, type WorkerCore } from './core-factory.ts';
import { ExtensionStore, readStoredSession } from './extension-store.ts';
import { listedDraftsKey } from '../core/lists.ts';
import { storePrefix } from '../core/browser-db.ts';
import { createHandler } from './handler.ts';
import { ListCache } from './list-cache.ts';
import { watchListSources } from './list-sources.ts';
import { createOrphanSweeper } from './orphans.ts';
import { inboxOf } from './inbox-rows.ts';
import { keepPopupSnapshot, type PopupSnapshotWriter } from './popup-snapshot-writer.ts';
import { createUploadSender } from './upload-sender.ts';
import { Watches } from './watches.ts';

/**
 * The background worker: the only holder of the client core. It answers the pages' requests
 * (handler.ts), forwards the core's change feed to every open page over a Port, keeps the
 * toolbar badge equal to the Inbox count, and runs the core's live mode while signed in.
 *
 * One core per signed-in account. Its IndexedDB databases are named after the server and the
 * username, so two accounts used in one browser profile never see each other's replicas.
 * An MV3 worker is stopped when idle; the alarm brings it back, and `resume` reopens the core
 * from the session in extension storage.
 */
type Session = { core: WorkerCore; store: ExtensionStore; lists: ListCache; snapshot: PopupSnapshotWriter; live: Live | null; starting: Promise<void> | null; closed: boolean; unsubscribe: () => void };

const WAKE_ALARM = 'cytoshare-wake';

export function startWorker(): void {
  const ports = new Set<Browser.runtime.Port>();
  const notices: Notice[] = [];
  const names = new Map<string, string>();
  const watches = new Watches();
  let inbox: Promise<number> = Promise.resolve(0);

  const broadcast = (message: ChangeMessage) => {
    for (const port of ports) {
      try {
        port.postMessage(message);
      } catch {
        ports.delete(port);
      }
    }
  };

  /**
   * Counts the Inbox once per list change; the badge and every `state` answer share it. Reading
   * the 'all' rows here also warms the list cache, so the next popup opens on a ready list.
   */
  async function refreshBadge(core: WorkerCore, lists: ListCache): Promise<void> {
    if (!core.account) return showInboxCount(0);
    inbox = lists.rows('all').then((rows) => {
      for (const row of rows) names.set(row.id, row.name);
      return inboxOf(rows).length;
    });
    await showInboxCount(await inbox);
  }

  async function open(server: string, username: string): Promise<Session> {
    const store = new ExtensionStore(storePrefix(server, username));
    const core = await createCore(store, server);
    const sweep = createOrphanSweeper(core);
    const sources = watchListSources(core, () => lists.invalidate());
    const snapshot = keepPopupSnapshot({ account: () => core.account, query: (query) => lists.query(query) });
    const lists: ListCache = new ListCache(async (filter) => {
      await sources.watch();
      return core.list(filter);
    }, () => snapshot.stale());
    // The list shows offline creations and pending renames: a change of those is a list change.
    let listed = listedDraftsKey(await core.drafts().catch(() => []));
    const uploads = createUploadSender({ core, queue: store.uploads, broadcast });
    const unsubscribeCore = core.subscribe((change: CoreChange) => {
      if (change.type === 'drafts') {
        void core.drafts().then((drafts) => {
          const now = listedDraftsKey(drafts);
          if (now === listed) return;
          listed = now;
          core.emit({ type: 'list' });
        }, () => {});
      }
      if (change.type === 'list' || change.type === 'removed') lists.invalidate();
      if (change.type === 'removed' && !notices.some((n) => n.id === change.experimentId)) {
        notices.push({ id: change.experimentId, name: names.get(change.experimentId) ?? 'An experiment', code: change.code });
      }
      broadcast(change);
      if (change.type === 'list' || change.type === 'removed') void refreshBadge(core, lists).catch(() => {});
      if (change.type === 'list' || (change.type === 'status' && change.status === 'online')) sweep();
      // Kept uploads go when the server is back, or when one is kept or a creation accepted.
      if (change.type === 'drafts' || (change.type === 'status' && change.status === 'online')) uploads.run();
    });
    const unsubscribe = () => {
      uploads.stop();
      unsubscribeCore();
      sources.stop();
      snapshot.stop();
    };
    void refreshBadge(core, lists).catch(() => {});
    snapshot.refresh();
    uploads.run();
    return { core, store, lists, snapshot, live: null, starting: null, closed: false, unsubscribe };
  }

  /**
   * Starts live mode without making anyone wait for it: opening a socket per listed experiment
   * takes a while with many experiments, and the pages can answer from the replica meanwhile.
   */
  function goLive(session: Session): void {
    if (session.live || session.starting || !session.core.account) return;
    session.starting = startLive(session.core).then(
      (live) => {
        session.starting = null;
        if (session.closed) live.stop();
        else {
          session.live = live;
          watches.attach(live);
        }
      },
      (error: unknown) => {
        session.starting = null;
        console.error('cytoshare: live sync did not start', error);
      },
    );
  }

  async function close(session: Session | null): Promise<void> {
    if (!session) return;
    session.closed = true;
    if (session.live) watches.attach(null);
    session.live?.stop();
    session.live = null;
    session.unsubscribe();
  }

  async function resume(): Promise<Session | null> {
    const stored = await readStoredSession();
    if (!stored) return null;
    try {
      const session = await open(stored.server, stored.username);
      goLive(session);
      return session;
    } catch (error) {
      console.error('cytoshare: could not resume the session', error);
      return null;
    }
  }

  let current: Promise<Session | null> = resume();

  async function login(server: string, username: string, password: string, code?: string): Promise<ResponseOf<'login'>> {
    const previous = await current;
    await close(previous);
    await previous?.core.logout().catch(() => {});
    notices.length = 0;
    const next = open(server, username);
    current = next.catch(() => null);
    const session = await next;
    const { totpEnrolmentRequired: _limited, ...account } = await session.core.login(username, password, code);
    goLive(session);
    session.snapshot.refresh();
    broadcast({ type: 'account' });
    return account;
  }

  const handle = createHandler({
    core: async () => (await current)?.core ?? null,
    login,
    mode: async () => (await readStoredSession())?.mode ?? null,
    inboxCount: () => inbox.catch(() => 0),
    list: async (query) => {
      const session = await current;
      if (!session) return [];
      return session.lists.query(query);
    },
    fetchExperiment: async (id) => {
      await (await current)?.core.refresh([id], false);
    },
    syncNow: async () => {
      const session = await current;
      session?.live?.nudge();
      await session?.core.refresh([], true);
    },
    uploads: async () => (await current)?.store.uploads.list() ?? [],
    notices,
    onNoticesChanged: () => broadcast({ type: 'drafts' }),
  });

  browser.runtime.onMessage.addListener((message: unknown, sender, sendResponse: (answer: unknown) => void) => {
    if (sender.id !== browser.runtime.id) return false;
    // A content script (on the share landing page) may ask for nothing but opening the manager.
    const root = `${location.origin}/`;
    if (!fromExtensionPage(sender.url, root)) {
      void current.then((session) => {
        const url = managerUrlFor(message, sender.url, session?.core.account?.server, root);
        if (url) return browser.tabs.create({ url });
      });
      return false;
    }
    const type = (message as { type?: unknown } | null)?.type;
    void handle(message)
      .then(async (answer) => {
        if (type === 'logout') {
          const session = await current;
          await close(session);
          current = Promise.resolve(null);
          await showInboxCount(0);
          broadcast({ type: 'account' });
        }
        return answer;
      })
      .catch(() => ({ ok: false, code: 'INTERNAL', message: 'the request failed' }))
      .then((answer) => {
        try {
          sendResponse(answer);
        } catch (error) {
          // An answer the channel cannot carry must still end the request, or the page waits.
          console.error('cytoshare: could not send an answer', error);
          sendResponse({ ok: false, code: 'INTERNAL', message: 'the request failed' });
        }
      });
    return true;
  });

  browser.runtime.onConnect.addListener((port) => {
    if (port.name !== CHANGES_PORT || port.sender?.id !== browser.runtime.id) return;
    ports.add(port);
    port.onMessage.addListener((raw: unknown) => {
      const message = WatchMessage.safeParse(raw);
      if (message.success) watches.set(port, message.data.ids);
    });
    port.onDisconnect.addListener(() => {
      ports.delete(port);
      watches.drop(port);
    });
  });

  void browser.alarms.create(WAKE_ALARM, { periodInMinutes: 1 });
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name !== WAKE_ALARM) return;
    // Waking is enough: `current` resumed live mode when the worker started; nudge pending drafts.
    void current.then((session) => session?.live?.nudge());
  });
}
