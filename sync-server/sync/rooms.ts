import { DocKind, parseDocName, type DocRef } from '../../shared/doc-layout.ts';
import type { Store } from '../store/store.ts';
import type { ClientRegistry } from './client-registry.ts';
import { storedReaders } from './read-access.ts';
import { DocRoom } from './room.ts';

/**
 * Loads documents on demand and unloads them when nobody has them open: a loaded Yjs document
 * takes 30–40x its encoded size on the heap, so a server that kept every document it ever
 * touched would grow without bound.
 */
export class Rooms {
  private readonly rooms = new Map<string, Promise<DocRoom>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Rebuilds a derived document (connections) from the database when it is loaded. */
  onLoad: ((room: DocRoom) => Promise<void>) | null = null;
  /** Told when a loaded room breaks down (see `DocRoom.breakDown`), to log it. */
  onBroken: ((room: DocRoom, error: unknown) => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly unloadDelayMs: number,
    /** Registers the server's own client ids; null only in tests that build rooms alone. */
    private readonly registry: ClientRegistry | null = null,
  ) {}

  get loadedCount(): number {
    return this.rooms.size;
  }

  /** Opens a room and holds it until `release`; callers pair the two in try/finally. */
  async hold(name: string): Promise<DocRoom> {
    const ref = parseDocName(name);
    if (ref === null) throw new Error(`not a document name: ${name}`);
    const pending = this.timers.get(name);
    if (pending) {
      clearTimeout(pending);
      this.timers.delete(name);
    }
    let loading = this.rooms.get(name);
    if (!loading) {
      loading = this.load(name, ref);
      this.rooms.set(name, loading);
      loading.catch(() => this.rooms.delete(name));
    }
    const room = await loading;
    if (room.retired) {
      // A deleted or broken room still held by someone: whoever opens the name now gets what
      // storage has, in a fresh room.
      if (this.rooms.get(name) === loading) this.rooms.delete(name);
      return this.hold(name);
    }
    room.holds++;
    return room;
  }

  release(room: DocRoom): void {
    room.holds--;
    this.scheduleUnload(room);
  }

  /** Runs `work` on a room the caller does not otherwise hold. */
  async with<T>(name: string, work: (room: DocRoom) => Promise<T>): Promise<T> {
    const room = await this.hold(name);
    try {
      return await work(room);
    } finally {
      this.release(room);
    }
  }

  scheduleUnload(room: DocRoom): void {
    if (room.retired) {
      if (!room.busy) this.forget(room);
      return;
    }
    if (room.busy || this.timers.has(room.name)) return;
    const timer = setTimeout(() => {
      this.timers.delete(room.name);
      if (room.busy) return;
      this.rooms.delete(room.name);
      void room
        .run(() => room.compact())
        .catch(() => undefined)
        .finally(() => room.destroy());
    }, this.unloadDelayMs);
    timer.unref();
    this.timers.set(room.name, timer);
  }

  /**
   * Deletes a document for good (see `DocRoom.close`): loaded if need be, so that a socket or
   * an upload opening it meanwhile meets the closed room rather than a copy loaded before the
   * rows went. The room leaves the map as soon as nobody holds it.
   */
  async remove(name: string, removeStored: () => Promise<void>): Promise<void> {
    // A document that cannot even be loaded has no room to close; it is removed all the same.
    const room = await this.hold(name).catch(() => null);
    if (room === null) return removeStored();
    try {
      await room.close(removeStored);
    } finally {
      this.release(room);
    }
    // The other server nodes close their copies (see effects/other-nodes.ts).
    await this.store.bus?.publish({ t: 'access', doc: name });
  }

  /** Drops a retired room that nobody holds; the map keeps a newer room of the same name. */
  private forget(room: DocRoom): void {
    const loading = this.rooms.get(room.name);
    if (loading) {
      void loading.then(
        (current) => {
          if (current === room && this.rooms.get(room.name) === loading) this.rooms.delete(room.name);
        },
        () => undefined,
      );
    }
    room.destroy();
  }

  private async load(name: string, ref: DocRef): Promise<DocRoom> {
    const room = new DocRoom(name, ref, this.store, await this.store.loadUpdates(name), this.registry);
    // Structs stored under ids nobody registered were written by the server before its ids
    // were registered (see ClientRegistry.adoptUnowned): nobody may write under them now.
    await this.registry?.adoptUnowned(room.doc.store.clients.keys());
    room.onBroken = (error) => this.onBroken?.(room, error);
    if (ref.kind === DocKind.experiment) {
      const { sharing, project } = await storedReaders(this.store, ref);
      // The database is the authority; a crash between saving a decision and mirroring it
      // into the document is healed here (an unchanged state writes nothing).
      if (sharing) await room.setSharing(sharing, project, false);
    }
    if (ref.kind === DocKind.project) await room.setProject(await this.store.getProject(ref.projectId), false);
    if (this.onLoad) await this.onLoad(room);
    return room;
  }

  /** Rooms already in memory; effects use this to reach open sockets without loading. */
  async ifLoaded(name: string): Promise<DocRoom | null> {
    const loading = this.rooms.get(name);
    const room = loading ? await loading : null;
    return room && !room.retired ? room : null;
  }

  /** Rooms in memory that still serve their document (retired ones are on their way out). */
  async loaded(): Promise<DocRoom[]> {
    const settled = await Promise.allSettled([...this.rooms.values()]);
    return settled.flatMap((r) => (r.status === 'fulfilled' && !r.value.retired ? [r.value] : []));
  }

  async closeAll(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const rooms = await Promise.allSettled([...this.rooms.values()]);
    this.rooms.clear();
    for (const r of rooms) {
      if (r.status !== 'fulfilled') continue;
      await r.value.run(() => r.value.compact()).catch(() => undefined);
      r.value.destroy();
    }
  }
}
