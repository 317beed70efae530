import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

const TILDE = 0x7e;
const EMPTY_MASK = Buffer.alloc(4);

/**
 * The cheapest honest WebSocket client we could write for load generation, so that the load
 * generator (this process, one core) is not what saturates first: a plain TCP socket, the
 * RFC 6455 upgrade, and a minimal frame reader that, for each y-websocket update frame (sync,
 * step "update"), only scans the payload for `~<seq>~` markers; it answers pings and ignores
 * everything else (sync step 1, control frames). A writer keeps its own Y.Doc and only ever
 * overwrites its own tag cell, so it never needs the server's state: its updates integrate on
 * any server. Frames it sends are masked with a zero key (valid; the payload is unchanged).
 */
export class RawClient {
  readonly doc = new Y.Doc();
  onSeen: (client: RawClient, seq: number) => void = () => undefined;
  private socket!: Socket;
  private pending: Buffer | null = null;
  ready = false;

  constructor(
    readonly index: number,
    readonly key: string,
  ) {
    this.doc.on('update', (update: Uint8Array) => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeUpdate(e, update);
      this.sendFrame(0x2, encoding.toUint8Array(e));
    });
  }

  connect(url: string, timeoutMs = 15_000): Promise<void> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Error(`client ${this.index}: not ready in ${timeoutMs} ms`));
      }, timeoutMs);
      const socket = connect({ host: u.hostname, port: Number(u.port) });
      this.socket = socket;
      socket.setNoDelay(true);
      let head: Buffer | null = Buffer.alloc(0);
      socket.on('connect', () => {
        socket.write(
          `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      const onReady = () => {
        if (this.ready) return;
        this.ready = true;
        clearTimeout(timer);
        resolve();
      };
      socket.on('data', (chunk: Buffer) => {
        if (head !== null) {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return;
          const status = head.subarray(0, head.indexOf('\r\n')).toString();
          if (!status.includes(' 101 ')) {
            clearTimeout(timer);
            socket.destroy();
            return reject(new Error(`client ${this.index}: upgrade refused: ${status}`));
          }
          const rest = head.subarray(end + 4);
          head = null;
          if (rest.length > 0) this.frames(rest, onReady);
          return;
        }
        this.frames(chunk, onReady);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (!this.ready) reject(new Error(`client ${this.index}: closed before ready`));
      });
      socket.on('error', () => undefined);
    });
  }

  private frames(chunk: Buffer, onReady: () => void): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let o = 0;
    while (buf.length - o >= 2) {
      const opcode = buf[o]! & 0x0f;
      let len = buf[o + 1]! & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (buf.length - o < 4) break;
        len = buf.readUInt16BE(o + 2);
        hdr = 4;
      } else if (len === 127) {
        if (buf.length - o < 10) break;
        len = buf.readUInt32BE(o + 6);
        hdr = 10;
      }
      if (buf.length - o < hdr + len) break;
      const start = o + hdr;
      const end = start + len;
      o = end;
      if (opcode === 0x2 || opcode === 0x0) {
        onReady();
        if (buf[start] === 0 && buf[start + 1] === 2) this.scan(buf, start + 2, end);
      } else if (opcode === 0x9) {
        this.sendFrame(0xa, buf.subarray(start, end));
      } else if (opcode === 0x8) {
        this.socket.end();
      }
    }
    if (o < buf.length) this.pending = buf.subarray(o);
  }

  private scan(data: Buffer, from: number, to: number): void {
    let i = data.indexOf(TILDE, from);
    while (i !== -1 && i < to) {
      let j = i + 1;
      let seq = 0;
      while (j < to && data[j]! >= 0x30 && data[j]! <= 0x39) seq = seq * 10 + (data[j++]! - 0x30);
      if (j > i + 1 && j < to && data[j] === TILDE) {
        this.onSeen(this, seq);
        i = data.indexOf(TILDE, j + 1);
      } else i = data.indexOf(TILDE, i + 1);
    }
  }

  private sendFrame(opcode: number, payload: Uint8Array): void {
    if (!this.socket || this.socket.destroyed) return;
    const len = payload.length;
    const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    if (len < 126) head[1] = 0x80 | len;
    else if (len < 65536) {
      head[1] = 0x80 | 126;
      head.writeUInt16BE(len, 2);
    } else {
      head[1] = 0x80 | 127;
      head.writeUInt32BE(len, 6);
    }
    this.socket.write(Buffer.concat([head, EMPTY_MASK, payload]));
  }

  write(seq: number): void {
    this.doc.getMap('tags').set(this.key, `bench value ~${seq}~`);
  }

  close(): void {
    this.socket?.destroy();
    this.doc.destroy();
  }
}
