import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { readControl, type ControlMessage } from '../../shared/protocol/control.ts';
import { hashToken } from '../../sync-server/auth/sessions.ts';
import type { ServerLimits } from '../../sync-server/limits.ts';
import { CLOSE_GRACE_MS } from '../../sync-server/sync/connection.ts';
import { waitUntil, type Harness, type TestDoc, type TestUser } from '../integration/support/harness.ts';
import { useHarnessPerTest } from '../integration/support/use-harness.ts';
import { updateMessage } from '../../shared/protocol/sync-messages.ts';

/**
 * Attacks on the document sockets and the HTTP server that cost the server memory or sockets,
 * or outlive a session. Each test checks the refusal a client sees and that everyone else goes
 * on syncing through the stock y-websocket provider.
 */
const h = useHarnessPerTest();

type Setup = { h: Harness; alice: TestUser; bob: TestUser; mallory: TestUser; id: string };

/** Alice's experiment, shared with Bob and Mallory (the attacker is a reader: the worst case). */
async function setup(limits: Partial<ServerLimits> = {}): Promise<Setup> {
  await h.start({ limits });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const mallory = await h.user('mallory');
  const id = await alice.createExperiment('Attacked');
  await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
  await alice.intent({ type: 'share', experimentId: id, user: 'mallory' });
  return { h, alice, bob, mallory, id };
}

type Raw = {
  ws: WebSocket;
  controls: ControlMessage[];
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
};

/** A bare `ws` socket, to send what no stock provider would (or to not read, or not answer pings). */
async function rawSocket(server: Harness, path: string, token: string, options: { autoPong?: boolean } = {}): Promise<Raw> {
  const ws = new WebSocket(`${server.server.url.replace('http', 'ws')}/sync/${path}?token=${encodeURIComponent(token)}&v=1`, {
    autoPong: options.autoPong ?? true,
  });
  const controls: ControlMessage[] = [];
  let done = false;
  ws.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(decoder) === 10) {
      const c = readControl(decoder);
      if (c) controls.push(c);
    }
  });
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      done = true;
      resolve({ code, reason: reason.toString() });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, controls, closed, isClosed: () => done };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);
}

/** A type-1 message whose body is `update` (an awareness update, well formed or not). */
function awarenessFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

function awarenessUpdate(entries: Array<{ client: number; clock: number; json: string }>): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const { client, clock, json } of entries) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, json);
  }
  return encoding.toUint8Array(e);
}

/** Both stock providers synced, each seeing the other's presence. */
async function twoReaders(s: Setup): Promise<[TestDoc, TestDoc]> {
  const a = await s.alice.open(docName.experiment(s.id));
  const b = await s.bob.open(docName.experiment(s.id));
  a.provider.awareness.setLocalStateField('user', 'alice');
  b.provider.awareness.setLocalStateField('user', 'bob');
  await a.waitFor(() => a.provider.synced && b.provider.synced, 'both synced');
  await b.waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user === 'alice', 'bob sees alice’s presence');
  await a.waitFor(() => a.provider.awareness.getStates().get(b.doc.clientID)?.user === 'bob', 'alice sees bob’s presence');
  return [a, b];
}

/** An edit by `from` reaches `to`: the document still syncs for them. */
async function stillSyncing(from: TestDoc, to: TestDoc, value: string): Promise<void> {
  from.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), value);
  await to.waitFor(() => to.doc.getMap('tags').get(tagKey('s1.fcs', 'Donor')) === value, `edit ${value} seen`, 10_000);
}

/** The heap plus memory outside it (buffers), after full collections. */
function usedMemory(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const MiB = 1024 * 1024;

describe('awareness (presence) messages are checked before they are relayed', () => {
  it('refuses garbage, oversized and foreign-client presence; the stock readers never see it and keep syncing', async () => {
    const s = await setup();
    const [a, b] = await twoReaders(s);
    const m = await rawSocket(s.h, docName.experiment(s.id), s.mallory.token);
    await waitUntil(() => m.controls.some((c) => c.t === 'welcome'), 'welcome');
    const limit = s.h.server.limits.awarenessStateBytes;
    const attacks: Array<[string, Uint8Array]> = [
      ['garbage bytes', awarenessFrame(randomBytes(4096))],
      ['a truncated entry', awarenessFrame(awarenessUpdate([{ client: 77, clock: 1, json: '{"a":1}' }]).slice(0, 5))],
      ['a state that is not JSON', awarenessFrame(awarenessUpdate([{ client: 77, clock: 1, json: '{"a":' }]))],
      ['a state over the limit', awarenessFrame(awarenessUpdate([{ client: 77, clock: 1, json: JSON.stringify({ x: 'x'.repeat(limit) }) }]))],
      ['too many entries', awarenessFrame(awarenessUpdate(Array.from({ length: 300 }, (_, i) => ({ client: 1000 + i, clock: 1, json: '{}' }))))],
      ['bob’s client id', awarenessFrame(awarenessUpdate([{ client: b.doc.clientID, clock: 1_000, json: '{"user":"evil"}' }]))],
      ['alice’s client id', awarenessFrame(awarenessUpdate([{ client: a.doc.clientID, clock: 1_000, json: '{"user":"evil"}' }]))],
    ];
    for (const [what, frame] of attacks) {
      const before = m.controls.length;
      m.ws.send(frame);
      await waitUntil(() => m.controls.length > before, `an answer to ${what}`);
      expect(m.controls.slice(before), what).toContainEqual(expect.objectContaining({ t: 'refused', code: 'AWARENESS_INVALID' }));
    }
    // Mallory may speak for her own client: that is relayed, as a fresh encoding.
    m.ws.send(awarenessFrame(awarenessUpdate([{ client: 4242, clock: 1, json: '{"user":"mallory"}' }])));
    await b.waitFor(() => b.provider.awareness.getStates().get(4242)?.user === 'mallory', 'bob sees mallory’s own presence');
    // Nothing of the refused messages reached the readers: their view of each other is intact.
    expect(b.provider.awareness.getStates().get(a.doc.clientID)).toEqual({ user: 'alice' });
    expect(a.provider.awareness.getStates().get(b.doc.clientID)).toEqual({ user: 'bob' });
    expect([...b.provider.awareness.getStates().keys()].sort()).toEqual([a.doc.clientID, b.doc.clientID, 4242].sort());
    // The stock clients' own traffic (they echo each other's presence) is never refused.
    expect([...a.controls, ...b.controls].filter((c) => c.t === 'refused')).toEqual([]);
    await stillSyncing(a, b, 'after the garbage');

    // Repeated abuse closes the attacker's socket, and only it.
    for (let i = 0; i < 12 && !m.isClosed(); i++) m.ws.send(awarenessFrame(randomBytes(64)));
    const closed = await within(m.closed, 10_000, 'the abuser closed');
    expect(closed).toEqual({ code: 1008, reason: 'AWARENESS_INVALID' });
    expect(m.controls).toContainEqual(expect.objectContaining({ t: 'closing', code: 'AWARENESS_INVALID' }));
    await stillSyncing(b, a, 'after the abuser left');
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
  });
});

describe('a reader that does not read', () => {
  it('is closed with 4008 once its buffer passes the limit, and the server gives the memory back', async () => {
    const bufferLimit = 4 * MiB;
    const s = await setup({ socketBufferBytes: bufferLimit, awarenessStateBytes: 128 * 1024 });
    const slow = await s.h.user('slow2');
    await s.alice.intent({ type: 'share', experimentId: s.id, user: 'slow2' });
    const stuckUser = await s.h.user('stuck2');
    await s.alice.intent({ type: 'share', experimentId: s.id, user: 'stuck2' });
    const [a, b] = await twoReaders(s);
    // `reader` stops reading for a while; `stuck` never reads again.
    const reader = await rawSocket(s.h, docName.experiment(s.id), slow.token);
    const stuck = await rawSocket(s.h, docName.experiment(s.id), stuckUser.token);
    const flooder = await rawSocket(s.h, docName.experiment(s.id), s.mallory.token);
    await waitUntil(() => [reader, stuck, flooder].every((r) => r.controls.some((c) => c.t === 'welcome')), 'welcome');
    const baseline = usedMemory();

    // Mallory floods the document with (valid) presence: 64 MiB, all of it relayed to the
    // readers that do read.
    reader.ws.pause();
    stuck.ws.pause();
    // Once the server has dropped the slow reader, it reads again: it finds the close code
    // behind what was queued for it (the server gives it CLOSE_GRACE_MS to get there).
    const watch = setInterval(() => {
      if (s.h.server.sockets.closingCount('slow2') === 1 && reader.ws.isPaused) reader.ws.resume();
    }, 5);
    const state = JSON.stringify({ pad: 'p'.repeat(64 * 1024) });
    const total = 64 * MiB;
    for (let clock = 1, sent = 0; sent < total; clock++, sent += state.length) {
      flooder.ws.send(awarenessFrame(awarenessUpdate([{ client: 5150, clock, json: state }])));
      // Paced by the flooder's own buffer, so this test process never holds the flood itself.
      while (flooder.ws.bufferedAmount > MiB) await new Promise((r) => setTimeout(r, 1));
      // The flood waits while the dropped reader catches up, so it drains within the grace.
      if (!reader.ws.isPaused && !reader.isClosed()) await within(reader.closed, 10_000, 'the slow reader closed');
    }
    clearInterval(watch);
    expect(await within(reader.closed, 10_000, 'the slow reader closed')).toEqual({ code: 4008, reason: 'READER_TOO_SLOW' });
    await waitUntil(() => s.h.server.sockets.count('stuck2') === 0, 'the stuck reader dropped', 30_000);

    // Everyone else goes on; once the attack ends the server holds nothing of it, not even for
    // the reader that never reads again.
    await stillSyncing(a, b, 'after the flood');
    flooder.ws.close();
    await within(flooder.closed, 10_000, 'the flooder closed');
    await new Promise((r) => setTimeout(r, 2 * CLOSE_GRACE_MS));
    const after = usedMemory();
    expect(after - baseline, `memory grew by ${Math.round((after - baseline) / MiB)} MiB`).toBeLessThan(32 * MiB);
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
  });
});

describe('sockets per account and idle sockets', () => {
  it('refuses the socket past socketsPerAccount with 4429; another account still connects', async () => {
    const s = await setup({ socketsPerAccount: 3 });
    const open: Raw[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await rawSocket(s.h, docName.experiment(s.id), s.mallory.token);
      await waitUntil(() => r.controls.some((c) => c.t === 'welcome'), 'welcome');
      open.push(r);
    }
    const extra = await rawSocket(s.h, docName.experiment(s.id), s.mallory.token);
    expect(await within(extra.closed, 5_000, 'the extra socket closed')).toEqual({ code: 4429, reason: 'TOO_MANY_SOCKETS' });
    expect(extra.controls).toContainEqual(expect.objectContaining({ t: 'closing', code: 'TOO_MANY_SOCKETS' }));
    expect(open.every((r) => !r.isClosed())).toBe(true);
    // Another account is not affected…
    const [a, b] = await twoReaders(s);
    await stillSyncing(a, b, 'beside the cap');
    // …and a socket closed makes room for a new one.
    open[0]!.ws.close();
    await open[0]!.closed;
    await waitUntil(() => s.h.server.sockets.count('mallory') === 2, 'the closed socket forgotten');
    const again = await rawSocket(s.h, docName.experiment(s.id), s.mallory.token);
    await waitUntil(() => again.controls.some((c) => c.t === 'welcome'), 'welcome again');
  });

  it('closes a socket that answers no ping; the stock provider answers and stays', async () => {
    const idle = 400;
    const s = await setup({ socketIdleMs: idle });
    const [a, b] = await twoReaders(s);
    let disconnects = 0;
    b.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'disconnected') disconnects++;
    });
    const mute = await rawSocket(s.h, docName.experiment(s.id), s.mallory.token, { autoPong: false });
    expect((await within(mute.closed, 10_000, 'the mute socket closed')).code).toBe(4000);
    // Several idle periods later the stock provider is still on the same socket.
    await new Promise((r) => setTimeout(r, 3 * idle));
    expect(disconnects).toBe(0);
    expect(b.provider.wsconnected).toBe(true);
    await stillSyncing(a, b, 'after the mute socket');
  });
});

describe('the HTTP server', () => {
  /** A raw TCP connection that sends `text` and reports when the server ends it. */
  function halfRequest(url: string, text: string): { socket: Socket; ended: Promise<string> } {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write(text));
    const ended = new Promise<string>((resolve) => socket.on('close', () => resolve(answer)));
    return { socket, ended };
  }

  it('drops connections that never finish their headers, or stall in their body; others are served', async () => {
    const s = await setup({ httpHeadersTimeoutMs: 300, httpIdleTimeoutMs: 600 });
    const half = Array.from({ length: 20 }, () => halfRequest(s.h.server.url, 'GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
    const body = halfRequest(s.h.server.url, 'POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"us');
    try {
      const answers = await within(Promise.all(half.map((x) => x.ended)), 10_000, 'half-sent headers dropped');
      for (const answer of answers) expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
      await within(body.ended, 10_000, 'the stalled body dropped');
      // Meanwhile the server answers everyone else.
      const info = await fetch(`${s.h.server.url}/api/info`);
      expect(info.status).toBe(200);
      const [a, b] = await twoReaders(s);
      let disconnects = 0;
      b.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'disconnected') disconnects++;
      });
      // A quiet document socket is not an idle HTTP request: it outlives httpIdleTimeoutMs.
      await new Promise((r) => setTimeout(r, 3 * 600));
      expect(disconnects).toBe(0);
      await stillSyncing(a, b, 'beside the slow requests');
    } finally {
      for (const x of [...half, body]) x.socket.destroy();
    }
  });
});

describe('document names and sessions', () => {
  it('refuses a malformed percent-encoding in a document name cleanly (4404 BAD_REQUEST)', async () => {
    const s = await setup();
    const r = await rawSocket(s.h, 'exp-%E0%A4%A', s.mallory.token);
    expect(await within(r.closed, 5_000, 'the socket closed')).toEqual({ code: 4404, reason: 'BAD_REQUEST' });
    expect(r.controls).toContainEqual(expect.objectContaining({ t: 'closing', code: 'BAD_REQUEST' }));
    const [a, b] = await twoReaders(s);
    await stillSyncing(a, b, 'after the bad name');
  });

  it('closes the sockets of a session at logout (4401); a later write is neither acknowledged nor applied', async () => {
    const s = await setup();
    const [a, b] = await twoReaders(s);
    const m = await rawSocket(s.h, docName.experiment(s.id), s.mallory.token);
    await waitUntil(() => m.controls.some((c) => c.t === 'welcome'), 'welcome');
    const res = await s.mallory.post('/api/logout', {});
    expect(res.status).toBe(204);
    // Written right after the logout answer, on a socket the client may not yet know is closing.
    const writer = new Y.Doc();
    writer.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'after logout');
    if (m.ws.readyState === WebSocket.OPEN) m.ws.send(updateMessage(Y.encodeStateAsUpdate(writer)));
    expect(await within(m.closed, 5_000, 'the socket closed')).toEqual({ code: 4401, reason: 'NOT_SIGNED_IN' });
    expect(m.controls).toContainEqual(expect.objectContaining({ t: 'closing', code: 'NOT_SIGNED_IN' }));
    expect(m.controls.filter((c) => c.t === 'ack')).toEqual([]);
    await stillSyncing(a, b, 'after the logout');
    expect(b.doc.getMap('tags').get(tagKey('s1.fcs', 'Donor'))).toBe('after the logout');
    // The write never reached storage either.
    const stored = new Y.Doc();
    for (const u of (await s.h.server.store.loadUpdates(docName.experiment(s.id))).updates) Y.applyUpdate(stored, u);
    expect(JSON.stringify(stored.getMap('tags').toJSON())).not.toContain('after logout');
    // And the token opens nothing any more.
    const again = await rawSocket(s.h, docName.experiment(s.id), s.mallory.token);
    expect((await within(again.closed, 5_000, 'refused')).code).toBe(4401);
  });

  it('closes the socket of a session when the session expires (4401 SESSION_EXPIRED)', async () => {
    const s = await setup();
    const [a, b] = await twoReaders(s);
    const token = randomBytes(32).toString('base64url');
    await s.h.server.store.addSession({
      tokenHash: hashToken(token),
      username: 'mallory',
      publicId: randomBytes(8).toString('hex'),
      createdAt: Date.now(),
      expiresAt: Date.now() + 1_500,
      lastUsedAt: null,
    });
    const m = await rawSocket(s.h, docName.experiment(s.id), token);
    await waitUntil(() => m.controls.some((c) => c.t === 'welcome'), 'welcome');
    expect(await within(m.closed, 10_000, 'the socket closed at expiry')).toEqual({ code: 4401, reason: 'SESSION_EXPIRED' });
    expect(m.controls).toContainEqual(expect.objectContaining({ t: 'closing', code: 'SESSION_EXPIRED' }));
    await stillSyncing(a, b, 'after the expiry');
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
  });
});

describe('sync step 1 requests on sockets that never read', () => {
  it('hold at most the account’s buffered-bytes budget: sockets past it close with 4008, and reopening at once is refused (4429)', async () => {
    const sockets = 8;
    // A per-socket limit far above what the test sends: only the per-socket step-1 rule and
    // the account budget stand between the requests and the server's memory.
    // Every step 1 answered as soon as the previous answer left (no interval), as fast as it can.
    const s = await setup({ socketBufferBytes: 256 * MiB, accountBufferBytes: MiB, socketsPerAccount: sockets, syncStep1IntervalMs: 0 });
    const own = await s.mallory.createExperiment('Big');
    await s.mallory.intent({ type: 'share', experimentId: own, user: 'bob' });
    const name = docName.experiment(own);
    // A document of a few hundred KB, written by its owner in messages under the bound on one
    // message: 20,000 sample-tag cells of the experiment's files, 1,000 a message.
    const writer = await s.mallory.open(name);
    await writer.waitFor(() => writer.provider.synced, 'writer synced');
    for (let batch = 0; batch < 20; batch++) {
      const acks = writer.controls.filter((c) => c.t === 'ack').length;
      writer.doc.transact(() => {
        const tags = writer.doc.getMap('tags');
        for (let i = 0; i < 1_000; i++) tags.set(tagKey(`s${batch}.fcs`, `Marker ${i}`), 'x');
      });
      await waitUntil(() => writer.controls.filter((c) => c.t === 'ack').length > acks, 'the batch acknowledged', 20_000);
    }
    expect(writer.controls.filter((c) => c.t === 'refused')).toEqual([]);
    writer.destroy();
    await waitUntil(() => s.h.server.sockets.count('mallory') === 0, 'the writer gone');
    const baseline = usedMemory();

    const flood: Raw[] = [];
    for (let i = 0; i < sockets; i++) {
      const r = await rawSocket(s.h, name, s.mallory.token);
      await waitUntil(() => r.controls.some((c) => c.t === 'welcome'), 'welcome');
      r.ws.pause();
      flood.push(r);
    }
    // Reopening right after the server drops a socket as too slow finds it still counted.
    let reopened: Promise<Raw> | null = null;
    const step1 = new Uint8Array([0, 0, 1, 0]); // sync step 1 with an empty state vector: "send me everything"
    for (let round = 0; round < 80; round++) {
      for (const r of flood) if (!r.isClosed()) r.ws.send(step1);
      const dropped = s.h.server.sockets.closingCount('mallory') > 0 || s.h.server.sockets.count('mallory') < sockets;
      if (reopened === null && dropped) reopened = rawSocket(s.h, name, s.mallory.token);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(reopened, 'some socket was dropped as too slow').not.toBeNull();
    const again = await reopened!;
    expect(await within(again.closed, 5_000, 'the reopened socket refused')).toEqual({ code: 4429, reason: 'TOO_MANY_SOCKETS' });

    // bob's reader answers after the requests sent before it (one room runs messages in order).
    const probe = await s.bob.open(name);
    await probe.waitFor(() => probe.provider.synced, 'probe synced', 20_000);
    // The dropped sockets are gone after their grace; what the rest hold is within the budget.
    await new Promise((r) => setTimeout(r, 2 * CLOSE_GRACE_MS));
    const after = usedMemory();
    expect(after - baseline, `memory grew by ${Math.round((after - baseline) / MiB)} MiB`).toBeLessThan(16 * MiB);
    for (const r of flood) r.ws.resume();
    const ends = await Promise.all(flood.map((r) => Promise.race([r.closed, new Promise<null>((done) => setTimeout(() => done(null), 3_000))])));
    const closes = ends.filter((e) => e !== null);
    expect(closes.length).toBeGreaterThan(0);
    for (const end of closes) expect([{ code: 4008, reason: 'READER_TOO_SLOW' }, { code: 1006, reason: '' }]).toContainEqual(end);
    probe.destroy();
  });
});

describe('sync step 1 requests from a reader that reads', () => {
  it('get one answer per interval: a burst of requests costs one encoding of the document', async () => {
    const s = await setup({ syncStep1IntervalMs: 60_000 });
    const name = docName.experiment(s.id);
    const r = await rawSocket(s.h, name, s.mallory.token);
    let answers = 0;
    r.ws.on('message', (data: Buffer) => {
      if (data[0] === 0 && data[1] === 1) answers++;
    });
    await waitUntil(() => r.controls.some((c) => c.t === 'welcome'), 'welcome');
    for (let i = 0; i < 200; i++) r.ws.send(new Uint8Array([0, 0, 1, 0]));
    // A presence message after the burst: its refusal comes back once the burst was handled.
    r.ws.send(awarenessFrame(new Uint8Array([0xff])));
    await waitUntil(() => r.controls.some((c) => c.t === 'refused'), 'the burst handled');
    expect(answers).toBe(1);
    // Everyone else is served as before.
    const [a, b] = await twoReaders(s);
    await stillSyncing(a, b, 'after the burst');
  });
});
