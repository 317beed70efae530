import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { readControl, type ControlMessage } from '../../shared/protocol/control.ts';

const TILDE = 0x7e;

/**
 * A document client for the soak, crash and revocation benches: the sync protocol with its own
 * Y.Doc (kept across reconnects, so it never claims a new client id), its own tag cell to write,
 * and what the server told it: the acknowledged clock of its client id (`ack`), refusals, and
 * every update frame in order relative to the `closing` message. Like `BenchClient` it does not
 * apply what others write (it scans frames for `~seq~` markers), so 200 of them stay cheap.
 */
export class DocClient {
  readonly doc = new Y.Doc();
  ws: WebSocket | null = null;
  /** Highest clock of our client id the server acknowledged. */
  acked = 0;
  refused: ControlMessage[] = [];
  closing: ControlMessage | null = null;
  /** Update frames received, and those received after `closing`. */
  updates = 0;
  updatesAfterClosing = 0;
  closeCode: number | null = null;
  onSeen: (seq: number) => void = () => undefined;
  onClose: (code: number) => void = () => undefined;
  private seq = 0;

  constructor(
    readonly name: string,
    readonly key: string,
  ) {
    this.doc.on('update', (update: Uint8Array) => {
      if (this.ws?.readyState !== WebSocket.OPEN) return;
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeUpdate(e, update);
      this.ws.send(encoding.toUint8Array(e));
    });
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connects and resolves once the server answered our sync step 1. */
  connect(url: string, timeoutMs = 15_000): Promise<void> {
    this.closing = null;
    this.closeCode = null;
    this.updatesAfterClosing = 0;
    return new Promise((resolve, reject) => {
      let synced = false;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${this.name}: no sync in ${timeoutMs} ms`));
      }, timeoutMs);
      const ws = new WebSocket(url, { perMessageDeflate: false });
      this.ws = ws;
      ws.on('open', () => {
        const e = encoding.createEncoder();
        encoding.writeVarUint(e, 0);
        syncProtocol.writeSyncStep1(e, this.doc);
        ws.send(encoding.toUint8Array(e));
      });
      ws.on('message', (data: Buffer) => {
        const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        const type = decoding.readVarUint(d);
        if (type === 10) {
          const c = readControl(d);
          if (c?.t === 'ack') this.acked = Math.max(this.acked, c.clients[String(this.doc.clientID)] ?? 0);
          else if (c?.t === 'refused') this.refused.push(c);
          else if (c?.t === 'closing') this.closing = c;
          return;
        }
        if (type !== 0) return;
        const step = decoding.readVarUint(d);
        if (step === 2) {
          this.updates++;
          if (this.closing) this.updatesAfterClosing++;
          this.scan(data);
          return;
        }
        const payload = decoding.readVarUint8Array(d);
        if (step === 0) {
          const e = encoding.createEncoder();
          encoding.writeVarUint(e, 0);
          syncProtocol.writeSyncStep2(e, this.doc, payload);
          ws.send(encoding.toUint8Array(e));
        } else if (step === 1 && !synced) {
          synced = true;
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('close', (code) => {
        this.closeCode = code;
        clearTimeout(timer);
        if (!synced) reject(new Error(`${this.name}: closed ${code} before sync`));
        this.onClose(code);
      });
      ws.on('error', () => undefined);
    });
  }

  private scan(data: Buffer): void {
    let i = data.indexOf(TILDE, 2);
    while (i !== -1) {
      let j = i + 1;
      let seq = 0;
      while (j < data.length && data[j]! >= 0x30 && data[j]! <= 0x39) seq = seq * 10 + (data[j++]! - 0x30);
      if (j > i + 1 && data[j] === TILDE) {
        this.onSeen(seq);
        i = data.indexOf(TILDE, j + 1);
      } else i = data.indexOf(TILDE, i + 1);
    }
  }

  /** Writes the next value of our tag cell; returns its seq and the clock the write ends at. */
  write(): { seq: number; clock: number } {
    const seq = ++this.seq;
    this.doc.getMap('tags').set(this.key, `bench value ~${seq}~`);
    return { seq, clock: Y.getState(this.doc.store, this.doc.clientID) };
  }

  /** Resolves when the socket has closed (or after `ms`). */
  async closed(ms = 5_000): Promise<number | null> {
    const deadline = Date.now() + ms;
    while (this.closeCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return this.closeCode;
  }

  disconnect(): void {
    this.ws?.close();
  }

  destroy(): void {
    this.ws?.terminate();
    this.doc.destroy();
  }
}
