import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

const REMOTE = Symbol('remote');
const TILDE = 0x7e;

/**
 * A light y-websocket client for load generation: it speaks the sync protocol (step 1/2, updates)
 * with its own Y.Doc, writes its own tag cell, and for every update it receives it only scans
 * the frame for a `~<seq>~` marker instead of applying it, so the load generator's cost per
 * received update stays small and equal for both servers. Control frames (type 10) are ignored.
 */
export class BenchClient {
  readonly doc = new Y.Doc();
  ws!: WebSocket;
  synced = false;
  closed = false;

  constructor(
    readonly index: number,
    readonly key: string,
    /** Called for every `~seq~` marker in an update frame; set by the load generator. */
    public onSeen: (client: BenchClient, seq: number) => void = () => undefined,
  ) {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE || this.ws?.readyState !== WebSocket.OPEN) return;
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeUpdate(e, update);
      this.ws.send(encoding.toUint8Array(e));
    });
  }

  connect(url: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${this.index}: no sync in ${timeoutMs} ms`)), timeoutMs);
      const ws = new WebSocket(url, { perMessageDeflate: false });
      this.ws = ws;
      ws.on('open', () => {
        const e = encoding.createEncoder();
        encoding.writeVarUint(e, 0);
        syncProtocol.writeSyncStep1(e, this.doc);
        ws.send(encoding.toUint8Array(e));
      });
      ws.on('message', (data: Buffer) => {
        if (data[0] !== 0) return; // awareness, control: not counted
        const step = data[1];
        if (step === 2) return this.scan(data);
        const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        decoding.readVarUint(d);
        decoding.readVarUint(d);
        const payload = decoding.readVarUint8Array(d);
        if (step === 0) {
          const e = encoding.createEncoder();
          encoding.writeVarUint(e, 0);
          syncProtocol.writeSyncStep2(e, this.doc, payload);
          ws.send(encoding.toUint8Array(e));
        } else if (step === 1) {
          Y.applyUpdate(this.doc, payload, REMOTE);
          if (!this.synced) {
            this.synced = true;
            clearTimeout(timer);
            resolve();
          }
        }
      });
      ws.on('close', (code) => {
        this.closed = true;
        clearTimeout(timer);
        if (!this.synced) reject(new Error(`client ${this.index}: closed ${code} before sync`));
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
        this.onSeen(this, seq);
        i = data.indexOf(TILDE, j + 1);
      } else i = data.indexOf(TILDE, i + 1);
    }
  }

  write(seq: number): void {
    this.doc.getMap('tags').set(this.key, `bench value ~${seq}~`);
  }

  close(): void {
    this.ws?.terminate();
    this.doc.destroy();
  }
}
