/**
 * What each attack on the sync socket costs the server, per byte, against an honest edit of
 * the same size sent the same way, and how long another user's honest edit takes to reach a
 * third user while the attack runs.
 *
 *   npx tsx bench/attack-cost.ts [--rounds N] [--only TEXT]
 *
 * The server runs in a child process (bench/lib/our-server-child.ts); its CPU (user + system,
 * process.cpuUsage) is read over IPC before and after each phase, so the figure is the
 * server's own work, not this process's. Each message waits for the server's answer (ack,
 * refusal, close) before the next goes, so a phase's CPU is all spent on its messages. An
 * observer writes a tag cell every 20 ms through one socket and times its arrival at another
 * (bench/lib/raw-client.ts) throughout. Targets: attack CPU/byte <= 10x honest CPU/byte; the
 * observer's round trip never above 100 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { docName, tagKey } from '../shared/doc-layout.ts';
import { readControl, type ControlMessage } from '../shared/protocol/control.ts';
import { encodeUpdate } from '../sync-server/sync/update-encoding.ts';
import { BENCH_FILE, createUsers, loginAll, sharedExperiment, type Session } from './lib/accounts.ts';
import { startChild, type ServerChild } from './lib/child.ts';
import { RawClient } from './lib/raw-client.ts';
import { percentile, sortNum } from './lib/stats.ts';
import { updateOf } from '../test/support/yjs-updates.ts';
import { updateMessage } from '../shared/protocol/sync-messages.ts';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 1;
const onlyArg = process.argv.indexOf('--only');
/** Runs only the families whose name contains this text (the quiet reference always runs). */
const ONLY = onlyArg > 0 ? (process.argv[onlyArg + 1] ?? '') : '';

/** One socket speaking the y-websocket framing, answering nothing, recording our controls. */
class Socket {
  readonly controls: ControlMessage[] = [];
  closed = false;
  closeCode = 0;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(decoder) !== 10) return;
      const c = readControl(decoder);
      if (c) this.controls.push(c);
    });
    ws.on('close', (code: number) => {
      this.closed = true;
      this.closeCode = code;
    });
    ws.on('error', () => undefined);
  }

  static async open(server: ServerChild, doc: string, session: Session): Promise<Socket> {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/sync/${doc}?token=${session.token}&v=1`);
    const socket = new Socket(ws);
    await until(() => socket.controls.some((c) => c.t === 'welcome') || socket.closed, 'welcome');
    return socket;
  }

  /** Sends a message and waits for the server's answer to it: an ack, or a close. */
  async exchange(message: Uint8Array, answer: 'ack' | 'close'): Promise<void> {
    const from = this.controls.length;
    this.ws.send(message);
    if (answer === 'close') await until(() => this.closed, 'close');
    else await until(() => this.closed || this.controls.slice(from).some((c) => c.t === 'ack'), 'ack');
  }

  send(message: Uint8Array): void {
    this.ws.send(message);
  }

  close(): void {
    this.ws.close();
  }
}

async function until(predicate: () => boolean, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Honest edits: one transaction of valid tag cells, as many as make about `bytes`. */
function honestEditor(): (bytes: number) => Uint8Array {
  const doc = new Y.Doc();
  let n = 0;
  return (bytes) => {
    const per = 90;
    const cells = Math.max(1, Math.round(bytes / per));
    return updateMessage(
      updateOf(doc, () =>
        doc.transact(() => {
          for (let i = 0; i < cells; i++) doc.getMap('tags').set(tagKey(BENCH_FILE, `honest ${n++}`), `value ${n} of an honest edit`);
        }),
      ),
    );
  };
}

type Family = {
  name: string;
  /** Builds the state the attack needs; returns the attack's messages. */
  prepare(): Promise<{ message: (i: number) => Uint8Array; count: number; doc: string; answer: 'ack' | 'close' | 'none' | 'pipelined'; reconnect: boolean }>;
  /** The honest edit to compare with: its size per message (bytes), or null for "the attack's own size". */
  honestBytes: number | null;
};

const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-attack-'));
const names = await createUsers(dataDir, 3, 'atk');
const server = await startChild('our-server-child.ts', [dataDir, '60000']);
const [owner, observerA, observerB] = await loginAll(server.url, names);
// Each family gets its own experiment, so it is measured on a document of an experiment's size,
// not on one grown by the families before it; the honest reference writes to another one.
let expDoc = '';
let honestDoc = '';

// The observer: A writes its cell every 20 ms; B times each arrival. New clients for each document.
const sentAt = new Map<number, number>();
const samples: Array<{ at: number; ms: number }> = [];
let writer: RawClient | null = null;
let reader: RawClient | null = null;
async function observe(doc: string): Promise<void> {
  writer?.close();
  reader?.close();
  sentAt.clear();
  const w = new RawClient(0, tagKey(BENCH_FILE, 'Observer'));
  const r = new RawClient(1, tagKey(BENCH_FILE, 'Reader'));
  r.onSeen = (_c, seen) => {
    const t = sentAt.get(seen);
    if (t !== undefined) {
      samples.push({ at: t, ms: performance.now() - t });
      sentAt.delete(seen);
    }
  };
  await w.connect(`${server.url.replace('http', 'ws')}/sync/${doc}?token=${observerA!.token}&v=1`);
  await r.connect(`${server.url.replace('http', 'ws')}/sync/${doc}?token=${observerB!.token}&v=1`);
  writer = w;
  reader = r;
}
let seq = 0;
const observerTimer = setInterval(() => {
  if (!writer) return;
  seq++;
  sentAt.set(seq, performance.now());
  writer.write(seq);
}, 20);

let attacker = new Y.Doc();
const families: Family[] = [
  {
    // No attack: what the observer sees on this machine at this moment, to read the rows below against.
    name: 'none (quiet reference, 3 s)',
    honestBytes: 1_000,
    async prepare() {
      return { message: () => new Uint8Array(0), count: 0, doc: expDoc, answer: 'none', reconnect: false };
    },
  },
  {
    name: 'delete-set flood (40,000 x one range over 4,000 deleted structs)',
    honestBytes: null,
    async prepare() {
      const s = await Socket.open(server, expDoc, owner!);
      const cells = Array.from({ length: 4_000 }, (_, i) => tagKey(BENCH_FILE, `flood ${i}`));
      // In parts: all 4,000 in one message would be over MAX_MESSAGE_BYTES, and deleting them all over the work budget.
      const parts = Array.from({ length: 4 }, (_, i) => cells.slice(i * 1_000, (i + 1) * 1_000));
      for (const part of parts) await s.exchange(updateMessage(updateOf(attacker, () => part.forEach((c) => attacker.getMap('tags').set(c, 'x')))), 'ack');
      for (const part of parts) await s.exchange(updateMessage(updateOf(attacker, () => part.forEach((c) => attacker.getMap('tags').delete(c)))), 'ack');
      s.close();
      const start = Y.getState(attacker.store, attacker.clientID) - 4_000; // a removal writes no struct
      const ranges = Array.from({ length: 40_000 }, (_, i) => ({ clock: start + (i % 2), len: 3_999 }));
      const flood = updateMessage(encodeUpdate([], new Map([[attacker.clientID, ranges]])));
      return { message: () => flood, count: 40, doc: expDoc, answer: 'ack', reconnect: false };
    },
  },
  {
    name: 'placeholder flood into catalog (15,000 GC structs, fresh ids)',
    honestBytes: null,
    async prepare() {
      const message = (m: number) => {
        const ids = Array.from({ length: 15_000 }, (_, i) => 10_000_000 + (m % 1000) * 20_000 + i);
        return updateMessage(encodeUpdate(ids.map((client) => ({ client, structs: [new Y.GC(Y.createID(client, 0), 1)] })), new Map()));
      };
      return { message, count: 30, doc: docName.catalog, answer: 'close', reconnect: true };
    },
  },
  {
    name: 'multi-value payload (120 kB hidden before a valid tag)',
    honestBytes: null,
    async prepare() {
      const client = 55_555_555;
      const hidden = { blob: 'h'.repeat(120_000) };
      const message = (m: number) => {
        // A new client id every 15 messages: twenty refusals in a row close the socket.
        const item = new Y.Item(Y.createID(client + Math.floor(m / 15), (m % 15) * 2), null, null, null, null, 'tags' as never, tagKey(BENCH_FILE, `mv ${m}`), new Y.ContentAny([hidden, 'D1']));
        return updateMessage(encodeUpdate([{ client, structs: [item] }], new Map()));
      };
      return { message, count: 15, doc: expDoc, answer: 'ack', reconnect: true };
    },
  },
  {
    name: 'awareness garbage flood (64 kB each)',
    honestBytes: null,
    async prepare() {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, Uint8Array.from({ length: 64 * 1024 }, () => Math.floor(Math.random() * 256)));
      const garbage = encoding.toUint8Array(e);
      return { message: () => garbage, count: 200, doc: expDoc, answer: 'none', reconnect: false };
    },
  },
  {
    name: 'largest legal update (tag cells, just under MAX_MESSAGE_BYTES) vs 1 kB edits',
    honestBytes: 1_000,
    async prepare() {
      const big = honestEditor();
      // The editor's estimate of bytes per cell is high: 165,000 asked is about 124 kB made.
      return { message: () => big(165_000), count: 40, doc: expDoc, answer: 'ack', reconnect: false };
    },
  },
  {
    name: 'largest legal updates, 40 sent at once without waiting (pipelined) vs 1 kB edits',
    honestBytes: 1_000,
    async prepare() {
      const big = honestEditor();
      return { message: () => big(165_000), count: 40, doc: expDoc, answer: 'pipelined', reconnect: false };
    },
  },
  {
    name: 'update over MAX_MESSAGE_BYTES (200 kB of tag cells) vs 1 kB edits',
    honestBytes: 1_000,
    async prepare() {
      const big = honestEditor();
      return { message: () => big(270_000), count: 20, doc: expDoc, answer: 'close', reconnect: true };
    },
  },
  {
    name: 'update over MAX_FRAME_BYTES (3 MB of tag cells) vs 1 kB edits',
    honestBytes: 1_000,
    async prepare() {
      const big = honestEditor();
      return { message: () => big(3_000_000), count: 4, doc: expDoc, answer: 'close', reconnect: true };
    },
  },
];

type Row = { name: string; bytes: number; attack: number; honest: number; p50: number; p99: number; max: number; refused: string; samples: number };
const rows: Row[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const family of families) {
    if (ONLY && !family.name.includes(ONLY) && !family.name.startsWith('none')) continue;
    expDoc = docName.experiment(await sharedExperiment(server.url, owner!, [names[1]!, names[2]!], 'Attack target'));
    honestDoc = docName.experiment(await sharedExperiment(server.url, owner!, [], 'Honest reference'));
    attacker = new Y.Doc();
    await observe(expDoc);
    const { message, count, doc, answer, reconnect } = await family.prepare();
    // Built before anything is timed: the observer's clock runs on this process's event loop.
    const messages = Array.from({ length: count }, (_, i) => message(i));
    const size = messages[0]?.length ?? 1_000;

    // The honest reference: edits of the attack message's size (about 2 MB of them), sent and answered one by one.
    const honest = honestEditor();
    const each = family.honestBytes ?? size;
    const honestMessages = Array.from({ length: Math.max(2, Math.round(2_000_000 / each)) }, () => honest(each));
    const hs = await Socket.open(server, honestDoc, owner!);
    const h0 = await server.cpu();
    for (const m of honestMessages) await hs.exchange(m, 'ack');
    const h1 = await server.cpu();
    hs.close();
    // Let the server settle (deferred applies, relays) so the attack's window holds only the attack.
    await new Promise((r) => setTimeout(r, 1_000));
    const honestBytes = honestMessages.reduce((sum, m) => sum + m.length, 0);

    let socket = await Socket.open(server, doc, owner!);
    const closedControls: ControlMessage[] = [];
    const closeCodes = new Set<number>();
    const startedAt = performance.now();
    const a0 = await server.cpu();
    let bytes = 0;
    for (const m of messages) {
      if (reconnect && socket.closed) {
        closedControls.push(...socket.controls);
        closeCodes.add(socket.closeCode);
        socket = await Socket.open(server, doc, owner!);
      }
      bytes += m.length;
      if (answer === 'none' || answer === 'pipelined') socket.send(m);
      else await socket.exchange(m, answer);
    }
    if (count === 0) await new Promise((r) => setTimeout(r, 3_000));
    if (answer === 'pipelined') {
      const s = socket;
      await until(() => s.closed || s.controls.filter((c) => c.t === 'ack').length >= count, 'pipelined acks');
    }
    if (answer === 'none') {
      // Messages with no answer: an honest one after them is answered once they are handled.
      const barrier = honestEditor();
      const s2 = await Socket.open(server, expDoc, owner!);
      await s2.exchange(barrier(100), 'ack');
      s2.close();
    }
    const a1 = await server.cpu();
    const endedAt = performance.now();
    const refused = [...closedControls, ...socket.controls].filter((c) => c.t === 'refused' || c.t === 'closing').map((c) => (c.t === 'refused' || c.t === 'closing' ? c.code : ''));
    if (socket.closed) closeCodes.add(socket.closeCode);
    socket.close();
    await new Promise((r) => setTimeout(r, 200));
    const during = samples.filter((s) => s.at >= startedAt && s.at <= endedAt).map((s) => s.ms);
    // A write sent during the attack and not seen by its end counts as delayed that long.
    for (const [, t] of sentAt) if (t >= startedAt && t <= endedAt) during.push(endedAt - t);
    rows.push({
      name: family.name,
      bytes,
      attack: bytes > 0 ? (a1 - a0) / bytes : Number.NaN,
      honest: (h1 - h0) / honestBytes,
      p50: percentile(sortNum(during), 50),
      p99: percentile(sortNum(during), 99),
      max: during.length ? Math.max(...during) : Number.NaN,
      refused: [...[...new Set(refused)], ...[...closeCodes].map((c) => `closed ${c}`)].join(', ') || 'accepted',
      samples: during.length,
    });
  }
}
clearInterval(observerTimer);
(writer as RawClient | null)?.close();
(reader as RawClient | null)?.close();
await server.stop();
rmSync(dataDir, { recursive: true, force: true });

const fmt = (n: number, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : '-');
console.log('\nServer CPU per byte (µs/B) of each attack against honest edits of the same bytes, and the observer round trip during it');
console.log('| attack | bytes sent | attack µs/B | honest µs/B | ratio (target <= 10x) | observer p50 / p99 / max ms (target max <= 100) | observer samples | server said |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const ratio = r.attack / r.honest;
  console.log(
    `| ${r.name} | ${r.bytes} | ${fmt(r.attack)} | ${fmt(r.honest)} | ${Number.isFinite(ratio) ? `${fmt(ratio, 2)}x ${ratio <= 10 ? "met" : "NOT met"}` : "-"} | ${fmt(r.p50, 1)} / ${fmt(r.p99, 1)} / ${fmt(r.max, 1)} ${r.max <= 100 ? 'met' : 'NOT met'} | ${r.samples} | ${r.refused} |`,
  );
}
