import * as Y from 'yjs';
import { ErrorCode } from '../../shared/codes.ts';
import { DocKind, ExperimentRoot, type DocRef } from '../../shared/doc-layout.ts';
import type { ControlMessage } from '../../shared/protocol/control.ts';
import { CloseCode } from '../../shared/protocol/message-types.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { DocumentLog, Store } from '../store/store.ts';
import { applyFromOtherNodes } from './other-node-updates.ts';
import { compactStored } from './compaction.ts';
import { updateMessage } from '../../shared/protocol/sync-messages.ts';
import { binaryFrame } from './ws-frame.ts';


/** One open socket on one document, as the room sees it: an authenticated actor, never a token. */
export interface RoomPeer {
  readonly actor: Actor;
  send(message: Uint8Array): void;
  /** Sends a whole WebSocket frame built by `binaryFrame` (see `DocRoom.broadcast`). */
  sendFrame(frame: Buffer): void;
  control(message: ControlMessage): void;
  close(code: number, reason: string): void;
}

export const SERVER_ORIGIN = Symbol('server');

/** Where a room gets client ids registered to the server (see `ClientRegistry`). */
export interface ServerIds {
  reserveServerId(): Promise<number>;
  isServerId(id: number): boolean;
}

/** How long a relayed update may wait to be applied while nobody reads the document. */
const APPLY_AFTER_MS = 2;

/**
 * The document half of a room (`DocRoom` adds who may read it): the loaded copy, the one-at-a-time
 * queue every change runs through, storing before relaying, the held-back relay of a busy turn,
 * the deferred apply, and compaction.
 */
export class DocumentRelay {
  private readonly ydoc = new Y.Doc({ gc: true });
  readonly peers = new Set<RoomPeer>();
  holds = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private outgoing: Array<{ update: Uint8Array; origin: unknown }> = [];
  private readonly collect = (update: Uint8Array, origin: unknown): void => {
    this.outgoing.push({ update, origin });
  };
  private storedRows: number;
  private lastSeq: number;
  /** Updates stored and relayed but not yet applied here (see `commitAccepted`), in order. */
  private unapplied: Array<{ update: Uint8Array; author: RoomPeer }> = [];
  private applyTimer: NodeJS.Timeout | null = null;
  /** Set by `DocRoom.close`: the document is deleted and must not be stored again. */
  protected closed = false;
  /** Set when a stored update failed to apply here (see `breakDown`). */
  private broken = false;
  /** Told when this room breaks down, to log it. */
  onBroken: ((error: unknown) => void) | null = null;
  /** The store's hold on this document while `locked` work runs; appends go through it. */
  private log: DocumentLog | null = null;

  constructor(
    readonly name: string,
    readonly ref: DocRef,
    protected readonly store: Store,
    loaded: { updates: Uint8Array[]; lastSeq: number },
    /** Null only in tests that build rooms alone: then the server's ids are not registered. */
    private readonly serverIds: ServerIds | null = null,
  ) {
    if (ref.kind === DocKind.experiment) for (const root of Object.values(ExperimentRoot)) this.doc.getMap(root);
    this.doc.transact(() => {
      for (const update of loaded.updates) Y.applyUpdate(this.doc, update);
    });
    this.storedRows = loaded.updates.length;
    this.lastSeq = loaded.lastSeq;
    this.doc.on('update', this.collect);
  }

  /** The document with every stored update applied: whoever reads it first applies what was deferred. */
  get doc(): Y.Doc {
    if (this.broken) throw new Error(`${this.name}: the server's copy must be reloaded from storage`);
    if (this.unapplied.length > 0) this.applyRelayed();
    return this.ydoc;
  }

  /**
   * Closed (deleted) or broken: this room stores nothing more and takes no new reader; `Rooms`
   * loads a fresh one for whoever opens the name next.
   */
  get retired(): boolean {
    return this.closed || this.broken;
  }

  /** Runs `work` after every earlier piece of work on this room has finished. */
  run<T>(work: () => Promise<T> | T): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` (already inside `run`) holding the document in the store, so that what it checks
   * and appends is not interleaved with another server process sharing the database (see
   * `UpdateLog.lockDocument`). Work already holding it runs as it is.
   */
  locked<T>(work: () => Promise<T>): Promise<T> {
    if (this.log) return work();
    return this.store.lockDocument(this.name, async (log) => {
      this.log = log;
      try {
        // Other nodes may have appended since: this copy takes in all of it before checking
        // anything, so no two nodes check a change against different states.
        if (this.store.bus) await this.catchUp();
        return await work();
      } finally {
        this.log = null;
      }
    });
  }

  /** The sequence number of the last stored update this copy holds. */
  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Takes in the updates other server nodes stored since this copy's last (see
   * `UpdateLog.updatesSince`) and relays to the peers here what they changed, after anything
   * this room still holds back, so readers get the document's changes in order. Runs inside
   * `run`. What other nodes stored is not stored again: the document's listener is off meanwhile.
   */
  async catchUp(): Promise<void> {
    if (this.retired) return;
    const { updates, lastSeq } = await this.store.updatesSince(this.name, this.lastSeq);
    if (updates.length === 0) return;
    this.relayHeldBack();
    let changed: Uint8Array | null;
    try {
      changed = applyFromOtherNodes(this.doc, updates, this.collect);
    } catch (error) {
      this.breakDown(error);
      throw error;
    }
    this.lastSeq = lastSeq;
    this.storedRows += updates.length;
    if (changed) this.broadcast(updateMessage(changed), null);
  }

  private append(update: Uint8Array): Promise<number> {
    return this.log ? this.log.append(update) : this.store.appendUpdate(this.name, update);
  }

  get busy(): boolean {
    return this.holds > 0 || this.peers.size > 0;
  }

  /**
   * Persists what the last change produced, then sends it to the peers. The author of a client
   * update already has it, unless the server changed it (a revert): then everyone gets the net.
   */
  async flush(author: RoomPeer | null): Promise<void> {
    if (this.retired) {
      this.outgoing = [];
      return;
    }
    // Whatever was held back goes first: readers get the document's changes in order.
    this.relayHeldBack();
    const batch = this.outgoing;
    this.outgoing = [];
    for (const { update } of batch) {
      this.lastSeq = await this.append(update);
      this.storedRows++;
    }
    for (const { update } of batch) this.broadcast(updateMessage(update), author);
    if (this.storedRows > 500) this.compactWhenIdle();
  }

  /**
   * A client update whose every write the rules accepted: stored as it came, relayed to the
   * other readers, and applied here only after that: at the next read of `doc` (the next
   * update's inspection, a sync, a compaction) or when the room has been quiet for
   * APPLY_AFTER_MS. That keeps the apply, and a re-encoding, off the path between the author
   * and the other readers, and out of the moment the relayed frames are being delivered; a
   * burst of updates is applied in one go. What the document would emit for the update is a
   * subset of it (the inspection found every struct it depends on), so nothing is lost by not
   * storing that.
   *
   * The first such update of a turn of the event loop is relayed at once, in the frame its
   * author sent. Later ones in the same turn (a busy document: many writers at once) wait for
   * the end of the turn and go out merged into one frame, so a burst of k updates costs each
   * reader one send instead of k.
   */
  async commitAccepted(update: Uint8Array, frame: Uint8Array, author: RoomPeer): Promise<void> {
    if (this.retired) return;
    this.lastSeq = await this.append(update);
    this.storedRows++;
    if (this.relayTimer === null) {
      this.broadcast(frame, author);
      this.relayTimer = setImmediate(() => this.relayHeldBack());
    } else {
      this.heldBack.push({ update, author });
    }
    this.unapplied.push({ update, author });
    if (this.applyTimer === null) {
      // Through the queue, like any change: an error fails that turn of the queue, never the process.
      this.applyTimer = setTimeout(() => void this.run(() => this.applyRelayed()).catch(() => undefined), APPLY_AFTER_MS);
      this.applyTimer.unref();
    }
    if (this.storedRows > 500) this.compactWhenIdle();
  }

  private applyRelayed(): void {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = null;
    // With no 'update' listener Yjs does not encode the transactions: nobody needs them again.
    this.ydoc.off('update', this.collect);
    try {
      while (this.unapplied.length > 0) {
        const { update, author } = this.unapplied[0]!;
        Y.applyUpdate(this.ydoc, update, author);
        this.unapplied.shift();
      }
    } catch (error) {
      this.breakDown(error);
      throw error;
    } finally {
      this.ydoc.on('update', this.collect);
    }
  }

  /**
   * An update that was inspected, stored and relayed failed to apply here, so this copy lacks
   * stored changes. Compacting it would lose them: the room retires instead, its readers are
   * told to reload, and the next to open the document gets a copy loaded from storage.
   */
  private breakDown(error: unknown): void {
    this.broken = true;
    this.onBroken?.(error);
    for (const peer of [...this.peers]) {
      this.peers.delete(peer);
      peer.control({ t: 'closing', code: ErrorCode.RESET_REQUIRED, message: 'the server reloads this document; sync again' });
      peer.close(CloseCode.resetRequired, ErrorCode.RESET_REQUIRED);
    }
  }

  /**
   * Sends `message` to every peer but `except`. The WebSocket frame is built once for all of
   * them: on a document with many readers the sends are most of the cost of an edit.
   */
  broadcast(message: Uint8Array, except: RoomPeer | null): void {
    const frame = binaryFrame(message);
    for (const peer of this.peers) if (peer !== except) peer.sendFrame(frame);
  }

  /** Stored updates of this turn not yet relayed (see `commitAccepted`). */
  private heldBack: Array<{ update: Uint8Array; author: RoomPeer }> = [];
  private relayTimer: NodeJS.Immediate | null = null;

  /** Relays what was held back this turn: one merged update; its author is left out when there is one. */
  private relayHeldBack(): void {
    if (this.relayTimer) clearImmediate(this.relayTimer);
    this.relayTimer = null;
    const held = this.heldBack;
    if (held.length === 0) return;
    this.heldBack = [];
    const onlyAuthor = held.every((h) => h.author === held[0]!.author) ? held[0]!.author : null;
    this.broadcast(updateMessage(Y.mergeUpdates(held.map((h) => h.update))), onlyAuthor);
  }

  private idleTimer: NodeJS.Timeout | null = null;

  /**
   * Compaction encodes the whole document, which takes long on a big one; it waits until the
   * room has been quiet for a moment instead of running inside somebody's update.
   */
  private compactWhenIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      void this.run(() => this.compact()).catch(() => undefined);
    }, 2_000);
    this.idleTimer.unref();
  }

  /**
   * Makes sure the client id this copy writes with belongs to SERVER_ACCOUNT before anything is
   * written under it, so no client can write under it. Yjs draws a new id by itself when an
   * update brings structs under the current one, hence the check before every server write.
   */
  async ensureServerId(): Promise<void> {
    if (this.serverIds === null || this.serverIds.isServerId(this.ydoc.clientID)) return;
    this.ydoc.clientID = await this.serverIds.reserveServerId();
  }

  /** A server-side write (sharing state, index entries): one transaction, persisted, broadcast. */
  serverWrite(write: (doc: Y.Doc) => void): Promise<void> {
    return this.run(() =>
      this.locked(async () => {
        await this.ensureServerId();
        this.doc.transact(() => write(this.doc), SERVER_ORIGIN);
        await this.flush(null);
      }),
    );
  }

  /** Merges the stored updates (compaction.ts), so loading stays proportional to the state. */
  async compact(): Promise<void> {
    if (this.retired || this.storedRows <= 1) return;
    this.storedRows = await compactStored(this.store, this.name, this.doc, this.lastSeq, this.storedRows);
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.relayTimer) clearImmediate(this.relayTimer);
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.unapplied = [];
    this.ydoc.destroy();
  }
}
