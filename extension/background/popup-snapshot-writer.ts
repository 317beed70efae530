import { browser } from 'wxt/browser';
import type { ExperimentRow } from '../core/contract.ts';
import { LIST_SORTS } from '../core/list-order.ts';
import { POPUP_SNAPSHOT_KEY, shownRow, type FirstPage, type PopupSnapshot } from '../popup-snapshot.ts';
import { FIRST_PAGE } from '../ui/popup-prefetch-keys.ts';
import { inboxRows } from './inbox-rows.ts';
import type { ListQuery } from './list-cache.ts';

/**
 * Keeps the popup's snapshot (popup-snapshot.ts) equal to what the worker would answer, in
 * `storage.session` and, for the first popup after a browser start, in `storage.local`.
 *
 * Invariant: once the worker knows the lists changed, no popup reads the old snapshot. `stale()`
 * (called by the list cache's invalidation) removes it from both areas at once, before anything
 * else the worker does with the change; the new one is written only from rows computed after
 * the last invalidation, a moment later, so a burst of changes (live sync catching up) costs
 * one write. Extension storage applies one extension's calls to an area in the order they were
 * made, so a removal always lands after any earlier write. `stop()` (sign-out, another account)
 * removes it for good.
 */
export type SnapshotArea = { set(items: Record<string, unknown>): Promise<void>; remove(key: string): Promise<void> };

/** Long enough to fold a burst of index updates into one write, short next to a person's reach for the toolbar. */
const SETTLE_MS = 150;
/**
 * The most a snapshot kept on disk may take (JSON characters). One is a few pages of rows
 * (about 15 kB with ordinary names); one of unusually long names stays in the session only.
 */
export const PERSISTED_SNAPSHOT_MAX = 64 * 1024;

type Sources = {
  account(): { server: string; username: string } | null;
  query(query: ListQuery): Promise<ExperimentRow[]>;
  /** This browser session's copy (read first). */
  session?: SnapshotArea;
  /** The copy that outlives a browser restart, when no larger than PERSISTED_SNAPSHOT_MAX. */
  persisted?: SnapshotArea;
};

export type PopupSnapshotWriter = { stale(): void; refresh(): void; stop(): void };

export function keepPopupSnapshot(sources: Sources): PopupSnapshotWriter {
  const session = sources.session ?? browser.storage.session;
  const persisted = sources.persisted ?? browser.storage.local;
  let generation = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const firstPage = (rows: ExperimentRow[]): FirstPage => ({ rows: rows.slice(0, FIRST_PAGE).map(shownRow), total: rows.length });
  const removeBoth = () => {
    for (const area of [session, persisted]) void area.remove(POPUP_SNAPSHOT_KEY).catch(() => {});
  };

  async function write(): Promise<void> {
    const started = generation;
    const account = sources.account();
    if (stopped || !account) return;
    const lists = Object.fromEntries(await Promise.all(LIST_SORTS.map(async (sort) => [sort, firstPage(await sources.query({ filter: 'all', sort }))] as const)));
    const inbox = firstPage(await inboxRows(sources.query));
    // Checked and written in one step: a change or a stop after this call is ordered after it.
    if (stopped || started !== generation) return;
    const snapshot: PopupSnapshot = { v: 1, account: { server: account.server, username: account.username }, lists: lists as PopupSnapshot['lists'], inbox };
    const small = JSON.stringify(snapshot).length <= PERSISTED_SNAPSHOT_MAX;
    await Promise.all([session.set({ [POPUP_SNAPSHOT_KEY]: snapshot }), small ? persisted.set({ [POPUP_SNAPSHOT_KEY]: snapshot }) : persisted.remove(POPUP_SNAPSHOT_KEY)]);
  }

  function schedule(ms: number): void {
    if (stopped) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      write().catch((error: unknown) => console.error('cytoshare: the popup snapshot was not written', error));
    }, ms);
  }

  return {
    stale() {
      generation++;
      removeBoth();
      schedule(SETTLE_MS);
    },
    refresh() {
      schedule(0);
    },
    stop() {
      stopped = true;
      generation++;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      removeBoth();
    },
  };
}
