import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler, type HandlerCore } from '../../extension/background/handler.ts';
import { keepPopupSnapshot, PERSISTED_SNAPSHOT_MAX, type SnapshotArea } from '../../extension/background/popup-snapshot-writer.ts';
import type { ExperimentRow } from '../../extension/core/contract.ts';
import { compareRows } from '../../extension/core/list-order.ts';
import { POPUP_SNAPSHOT_KEY, PopupSnapshot } from '../../extension/popup-snapshot.ts';
import { FIRST_PAGE } from '../../extension/ui/popup-prefetch-keys.ts';
import type { ListQuery } from '../../extension/background/list-cache.ts';

/**
 * The worker's copy of the popup's first screen: what a popup opened now would draw before the
 * worker answers. It must list what the worker lists, and never an experiment the worker has
 * dropped once it knows.
 */
const row = (id: string, name: string, over: Partial<ExperimentRow> = {}): ExperimentRow => ({
  id, name, owner: 'alice', access: 'owner', public: false, curated: false, projectId: null, parentId: null, sharedWithOthers: false, isNew: false, changedAt: 1, tagValues: ['Donor 7'], ...over,
});

class Area implements SnapshotArea {
  readonly items = new Map<string, unknown>();
  async set(items: Record<string, unknown>) {
    for (const [key, value] of Object.entries(items)) this.items.set(key, structuredClone(value));
  }
  async remove(key: string) {
    this.items.delete(key);
  }
  snapshot(): PopupSnapshot | null {
    const raw = this.items.get(POPUP_SNAPSHOT_KEY);
    return raw === undefined ? null : PopupSnapshot.parse(raw);
  }
}

describe("the popup's snapshot in the worker", () => {
  let rows: ExperimentRow[];
  let area: Area;
  /** storage.local: what the first popup after a browser start draws. */
  let disk: Area;
  let account: { server: string; username: string } | null;
  const query = vi.fn(async (q: ListQuery) => [...rows].sort(compareRows(q.sort ?? 'name')));
  const writer = () => keepPopupSnapshot({ account: () => account, query, session: area, persisted: disk });

  beforeEach(() => {
    vi.useFakeTimers();
    rows = [row('a', 'Batch 10', { changedAt: 5 }), row('b', 'Batch 2', { changedAt: 9, owner: 'bob', isNew: true, public: true }), row('c', 'alpha', { changedAt: 1, pendingName: true })];
    area = new Area();
    disk = new Area();
    account = { server: 'http://127.0.0.1:8787', username: 'alice' };
    query.mockClear();
  });
  afterEach(() => vi.useRealTimers());

  it('holds the first page of each order and of the Inbox, with only what a row draws', async () => {
    writer().refresh();
    await vi.runAllTimersAsync();
    const snapshot = area.snapshot();
    expect(snapshot?.account).toEqual({ server: 'http://127.0.0.1:8787', username: 'alice' });
    expect(snapshot?.lists.changed.rows.map((r) => r.name)).toEqual(['Batch 2', 'Batch 10', 'alpha']);
    expect(snapshot?.lists.name.rows.map((r) => r.name)).toEqual(['alpha', 'Batch 2', 'Batch 10']);
    expect(snapshot?.lists.owner.rows.map((r) => r.owner)).toEqual(['alice', 'alice', 'bob']);
    expect(snapshot?.lists.name.total).toBe(3);
    expect(snapshot?.inbox).toEqual({ rows: [{ id: 'b', name: 'Batch 2', owner: 'bob', public: true, curated: false, sharedWithOthers: false }], total: 1 });
    expect(snapshot?.lists.name.rows[0]).toEqual({ id: 'c', name: 'alpha', owner: 'alice', public: false, curated: false, sharedWithOthers: false, pendingName: true });
  });

  it('keeps a page, not the whole list, and counts the whole list', async () => {
    rows = Array.from({ length: 500 }, (_, i) => row(`e${i}`, `Experiment ${i}`, { changedAt: i, isNew: i % 2 === 0 }));
    writer().refresh();
    await vi.runAllTimersAsync();
    const snapshot = area.snapshot();
    expect(snapshot?.lists.changed.rows).toHaveLength(24);
    expect(snapshot?.lists.changed.rows[0]?.name).toBe('Experiment 499');
    expect(snapshot?.lists.changed.total).toBe(500);
    expect(snapshot?.inbox.total).toBe(250);
  });

  it('is gone the moment the lists change, and comes back with the new rows', async () => {
    const keeper = writer();
    keeper.refresh();
    await vi.runAllTimersAsync();
    rows = rows.filter((r) => r.id !== 'b');
    keeper.stale();
    await Promise.resolve();
    expect(area.snapshot()).toBeNull();
    expect(disk.snapshot()).toBeNull();
    await vi.runAllTimersAsync();
    expect(area.snapshot()?.lists.changed.rows.map((r) => r.id)).toEqual(['a', 'c']);
    expect(area.snapshot()?.inbox.total).toBe(0);
    expect(disk.snapshot()).toEqual(area.snapshot());
  });

  it('never writes rows computed before a change it has since been told of', async () => {
    const keeper = writer();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    query.mockImplementationOnce(async (q) => {
      await gate;
      return [...rows].sort(compareRows(q.sort ?? 'name'));
    });
    keeper.refresh();
    await vi.advanceTimersByTimeAsync(0);
    rows = [row('z', 'Only this one')];
    keeper.stale();
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(area.snapshot()).toBeNull();
    await vi.runAllTimersAsync();
    expect(area.snapshot()?.lists.name.rows.map((r) => r.id)).toEqual(['z']);
  });

  it('is removed at sign-out and not written again by a write under way; nothing is written signed out', async () => {
    const keeper = writer();
    keeper.refresh();
    await vi.runAllTimersAsync();
    keeper.stale();
    keeper.stop();
    await vi.runAllTimersAsync();
    expect(area.snapshot()).toBeNull();
    expect(disk.snapshot()).toBeNull();
    keeper.refresh();
    await vi.runAllTimersAsync();
    expect(area.snapshot()).toBeNull();
    expect(disk.snapshot()).toBeNull();

    account = null;
    writer().refresh();
    await vi.runAllTimersAsync();
    expect(area.snapshot()).toBeNull();
  });

  it('keeps a copy on disk for the first popup after a browser start, unless it is larger than the bound', async () => {
    const keeper = writer();
    keeper.refresh();
    await vi.runAllTimersAsync();
    expect(disk.snapshot()?.lists.name.rows.map((r) => r.name)).toEqual(['alpha', 'Batch 2', 'Batch 10']);

    // Names long enough that a page of them passes the bound: the session keeps it, the disk keeps nothing older.
    rows = Array.from({ length: 30 }, (_, i) => row(`l${i}`, `${'Very long experiment name '.repeat(40)}${i}`));
    keeper.stale();
    await vi.runAllTimersAsync();
    expect(JSON.stringify(area.items.get(POPUP_SNAPSHOT_KEY)).length).toBeGreaterThan(PERSISTED_SNAPSHOT_MAX);
    expect(area.snapshot()?.lists.name.total).toBe(30);
    expect(disk.snapshot()).toBeNull();
  });

  it("lists the Inbox the worker answers: the same rows, in the same order, and the same count", async () => {
    rows = Array.from({ length: 90 }, (_, i) => row(`n${i}`, `Shared ${i}`, { changedAt: (i * 7) % 90, isNew: i % 3 === 0, owner: i % 3 === 0 ? 'bob' : 'alice' }));
    writer().refresh();
    await vi.runAllTimersAsync();
    const core = { account: { server: 'http://127.0.0.1:8787', username: 'alice' }, status: () => 'online', drafts: async () => [], sending: () => [] } as unknown as HandlerCore;
    const handle = createHandler({ core: async () => core, mode: async () => 'premium', login: vi.fn(), notices: [], onNoticesChanged: () => {}, list: query });
    const inbox = (await handle({ type: 'inbox' })) as { ok: true; value: { id: string }[] };
    const state = (await handle({ type: 'state' })) as { ok: true; value: { inbox: number } };
    expect(inbox.value.length).toBeGreaterThan(FIRST_PAGE);
    expect(area.snapshot()?.inbox.rows.map((r) => r.id)).toEqual(inbox.value.slice(0, FIRST_PAGE).map((r) => r.id));
    expect(area.snapshot()?.inbox.total).toBe(inbox.value.length);
    expect(state.value.inbox).toBe(inbox.value.length);
  });
});
