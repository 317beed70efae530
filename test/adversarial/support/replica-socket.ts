import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { readControl, type ControlMessage } from '../../../shared/protocol/control.ts';
import { MessageType, PROTOCOL_VERSION } from '../../../shared/protocol/message-types.ts';

/** Marks a change this socket received from the server: applied to the replica, never sent back. */
const REMOTE = Symbol('remote');

/** One message the server sent on this socket, in socket order. */
export type Received = {
  kind: 'sync-step1' | 'sync-step2' | 'update' | 'awareness' | 'control' | 'other';
  bytes: Uint8Array;
  control?: ControlMessage;
};

/**
 * A document socket written by hand (the `ws` package, no provider) so a test sees every byte:
 * a Y.Doc replica kept in sync the way y-websocket does it (answer step 1 with step 2, apply
 * step 2 and updates, send local changes as updates), every received message in order, and a
 * round-trip marker: our own sync step 1, whose step-2 answer the server sends only after every
 * earlier message of this socket went through the room's queue.
 */
export class ReplicaSocket {
  readonly doc = new Y.Doc();
  readonly received: Received[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  closeEvent: { code: number; reason: string } | null = null;
  private readonly ws: WebSocket;
  private readonly opened: Promise<void>;
  private repliesWanted = 0;
  private repliesSeen = 0;

  constructor(serverUrl: string, docName: string, token: string) {
    this.ws = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/sync/${docName}?token=${encodeURIComponent(token)}&v=${PROTOCOL_VERSION}`);
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('message', (data: Buffer) => this.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    this.ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        this.closeEvent = { code, reason: reason.toString() };
        resolve(this.closeEvent);
      }),
    );
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('close', () => reject(new Error(`${docName}: closed before it opened`)));
    });
    this.opened.catch(() => undefined);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE) return;
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MessageType.sync);
      syncProtocol.writeUpdate(e, update);
      this.send(encoding.toUint8Array(e));
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get controls(): ControlMessage[] {
    return this.received.flatMap((r) => (r.control ? [r.control] : []));
  }

  async ready(): Promise<void> {
    await this.opened;
  }

  send(bytes: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
  }

  /** Sends a Yjs update as a sync `update` message, without applying it to the replica. */
  sendUpdate(update: Uint8Array): void {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MessageType.sync);
    syncProtocol.writeUpdate(e, update);
    this.send(encoding.toUint8Array(e));
  }

  /** Applies a change to the replica as if it came from the server (so it is not sent). */
  applyQuietly(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, REMOTE);
  }

  /**
   * Resolves once the server answered a sync step 1 sent now; false if the socket closed first
   * or `ms` passed. Everything this socket sent before has then been handled by the room.
   */
  async roundTrip(ms = 5_000): Promise<boolean> {
    if (!this.open) return false;
    const want = ++this.repliesWanted;
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MessageType.sync);
    syncProtocol.writeSyncStep1(e, this.doc);
    this.send(encoding.toUint8Array(e));
    const deadline = Date.now() + ms;
    while (this.repliesSeen < want) {
      if (!this.open || Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** Messages received after the first control message of type `t` (none when it never came). */
  after(t: ControlMessage['t']): Received[] {
    const at = this.received.findIndex((r) => r.control?.t === t);
    return at === -1 ? [] : this.received.slice(at + 1);
  }

  close(): void {
    this.ws.close();
    this.doc.destroy();
  }

  private onMessage(bytes: Uint8Array): void {
    const decoder = decoding.createDecoder(bytes);
    let entry: Received = { kind: 'other', bytes };
    try {
      const type = decoding.readVarUint(decoder);
      if (type === MessageType.sync) {
        const step = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (step === syncProtocol.messageYjsSyncStep1) {
          entry = { kind: 'sync-step1', bytes };
          const e = encoding.createEncoder();
          encoding.writeVarUint(e, MessageType.sync);
          syncProtocol.writeSyncStep2(e, this.doc, payload);
          this.send(encoding.toUint8Array(e));
        } else if (step === syncProtocol.messageYjsSyncStep2) {
          entry = { kind: 'sync-step2', bytes };
          Y.applyUpdate(this.doc, payload, REMOTE);
          this.repliesSeen++;
        } else if (step === syncProtocol.messageYjsUpdate) {
          entry = { kind: 'update', bytes };
          Y.applyUpdate(this.doc, payload, REMOTE);
        }
      } else if (type === MessageType.awareness) {
        entry = { kind: 'awareness', bytes };
      } else if (type === MessageType.control) {
        const control = readControl(decoder);
        entry = control ? { kind: 'control', bytes, control } : { kind: 'other', bytes };
      }
    } catch {
      entry = { kind: 'other', bytes };
    }
    this.received.push(entry);
  }
}
