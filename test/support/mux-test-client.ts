import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { readControl, type ControlMessage } from '../../shared/protocol/control.ts';
import { MessageType, PROTOCOL_VERSION } from '../../shared/protocol/message-types.ts';
import { encodeMuxFrame, followMessage, leaveMessage, readMuxFrame } from '../../shared/protocol/mux.ts';
import { syncStep1Message, updateMessage } from '../../shared/protocol/sync-messages.ts';

/**
 * A bare client of the multiplexed socket (`/mux`) for tests: it sends what a test tells it,
 * applies every sync answer and update to its copy of the document, and records every control
 * message by document name. Every wait is bounded.
 */
export class MuxTestClient {
  readonly docs = new Map<string, Y.Doc>();
  /** Control messages received, by document name ("" for the socket's own). */
  readonly controls = new Map<string, ControlMessage[]>();
  /** Sync answers (step 2) received, by document name. */
  readonly answers = new Map<string, number>();
  /** Frames received for each document, of any kind. */
  readonly received = new Map<string, number>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.binaryType = 'arraybuffer';
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: ArrayBuffer) => this.onFrame(new Uint8Array(data)));
  }

  static open(serverUrl: string, token: string, path = '/mux'): Promise<MuxTestClient> {
    const url = `${serverUrl.replace(/^http/, 'ws')}${path}?token=${encodeURIComponent(token)}&v=${PROTOCOL_VERSION}`;
    const ws = new WebSocket(url);
    const client = new MuxTestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  doc(name: string): Y.Doc {
    let doc = this.docs.get(name);
    if (!doc) this.docs.set(name, (doc = new Y.Doc()));
    return doc;
  }

  /** Sync step 1 for `name`: a catch-up from the server's stored state. */
  catchUp(name: string): void {
    this.send(name, syncStep1Message(this.doc(name)));
  }

  follow(name: string): void {
    this.send(name, followMessage(Y.encodeStateVector(this.doc(name))));
  }

  leave(name: string): void {
    this.send(name, leaveMessage());
  }

  /** Writes on a followed document: `change` runs on the local copy and the update goes out. */
  write(name: string, change: (doc: Y.Doc) => void): void {
    const doc = this.doc(name);
    const before = Y.encodeStateVector(doc);
    change(doc);
    this.send(name, updateMessage(Y.encodeStateAsUpdate(doc, before)));
  }

  send(name: string, message: Uint8Array): void {
    this.ws.send(encodeMuxFrame(name, message));
  }

  controlsFor(name: string): ControlMessage[] {
    return this.controls.get(name) ?? [];
  }

  async waitFor(predicate: () => boolean, what: string, ms = 8_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.ws.close();
    for (const doc of this.docs.values()) doc.destroy();
  }

  private onFrame(frame: Uint8Array): void {
    const parsed = readMuxFrame(frame);
    if (!parsed) throw new Error('a frame without a document name');
    const { doc: name, message } = parsed;
    this.received.set(name, (this.received.get(name) ?? 0) + 1);
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    if (type === MessageType.control) {
      const control = readControl(decoder);
      if (!control) throw new Error('a control message that does not parse');
      this.controls.set(name, [...this.controlsFor(name), control]);
    } else if (type === MessageType.sync) {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (step === syncProtocol.messageYjsSyncStep2) this.answers.set(name, (this.answers.get(name) ?? 0) + 1);
      if (step !== syncProtocol.messageYjsSyncStep1) Y.applyUpdate(this.doc(name), payload, 'server');
    }
  }
}
