import { beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { readControl, type ControlMessage } from '../../shared/protocol/control.ts';
import { MAX_FRAME_BYTES, MAX_JSON_BYTES, MAX_MESSAGE_BYTES } from '../../shared/protocol/message-types.ts';
import { hashToken } from '../../sync-server/auth/sessions.ts';
import { waitUntil, type TestUser } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

const h = useHarness();
let alice: TestUser;
let id: string;
beforeEach(async () => {
  alice = await h.user('alice');
  id = await alice.createExperiment('Robust');
});

/** A bare socket, to send bytes no well-behaved provider would. */
async function rawSocket(query: string, doc = docName.experiment(id)) {
  const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/sync/${doc}?${query}`);
  const controls: ControlMessage[] = [];
  ws.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(decoder) === 10) {
      const c = readControl(decoder);
      if (c) controls.push(c);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, controls, closed };
}

function syncFrame(step: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, step);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

async function storedRows(): Promise<number> {
  return (await h.server.store.loadUpdates(docName.experiment(id))).updates.length;
}

describe('bad input on the socket changes nothing and gets a code', () => {
  it.each([
    ['garbage bytes', () => new Uint8Array([0xff, 0xfe, 0xfd, 0x00, 0x13])],
    ['a truncated sync frame', () => syncFrame(2, new Uint8Array([1, 2, 3])).slice(0, 4)],
    ['an update that is not a Yjs update', () => syncFrame(2, new Uint8Array([9, 9, 9, 9, 9, 9]))],
    [
      'a truncated Yjs update',
      () => {
        const d = new Y.Doc();
        d.getMap('meta').set('name', 'x'.repeat(50));
        const u = Y.encodeStateAsUpdate(d);
        return syncFrame(2, u.slice(0, u.length - 10));
      },
    ],
  ])('%s', async (_what, frame) => {
    const rows = await storedRows();
    const s = await rawSocket(`token=${alice.token}&v=1`);
    s.ws.send(frame());
    await waitUntil(() => s.controls.some((c) => c.t === 'refused'), 'refusal');
    expect(s.controls.find((c) => c.t === 'refused')).toMatchObject({ code: expect.stringMatching(/^(BAD_REQUEST|UPDATE_MALFORMED)$/) });
    expect(await storedRows()).toBe(rows);
    // The server is still there for everyone.
    const d = await alice.open(docName.experiment(id));
    await d.waitFor(() => d.doc.getMap('meta').get('name') === 'Robust', 'still serving');
    s.ws.close();
  });

  it('an update that depends on unknown changes: reset, nothing stored', async () => {
    const d = new Y.Doc();
    d.getMap('meta').set('purpose', 'first');
    const first = Y.encodeStateVector(d);
    d.getMap('meta').set('purpose', 'second');
    const onlySecond = Y.encodeStateAsUpdate(d, first);
    const rows = await storedRows();
    const s = await rawSocket(`token=${alice.token}&v=1`);
    s.ws.send(syncFrame(2, onlySecond));
    expect(await s.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });
    expect(s.controls.find((c) => c.t === 'refused')).toMatchObject({ code: 'UPDATE_INCOMPLETE' });
    expect(await storedRows()).toBe(rows);
  });

  it("a deletion aimed at another account's next edit: reset, nothing stored, the edit stays", async () => {
    const mallory = await h.user('mallory');
    expect(await alice.intent({ type: 'publish', experimentId: id })).toMatchObject({ ok: true });
    const a = await alice.open(docName.experiment(id));
    await a.waitFor(() => a.provider.synced, 'alice synced');
    // Mallory, who may only read, forges the deletion of the struct alice will write next: a
    // copy under alice's client id writes it, a second copy deletes it, and only that
    // deletion is sent.
    const forger = new Y.Doc();
    forger.clientID = a.doc.clientID;
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(a.doc));
    forger.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'forged');
    const deleter = new Y.Doc();
    Y.applyUpdate(deleter, Y.encodeStateAsUpdate(forger));
    let deletion: Uint8Array | null = null;
    deleter.on('update', (u: Uint8Array) => (deletion = u));
    deleter.getMap('tags').delete(tagKey('s1.fcs', 'Donor'));
    expect(deletion).not.toBeNull();

    const rows = await storedRows();
    const s = await rawSocket(`token=${mallory.token}&v=1`);
    s.ws.send(syncFrame(2, deletion!));
    expect(await s.closed).toEqual({ code: 4409, reason: 'RESET_REQUIRED' });
    expect(s.controls.find((c) => c.t === 'refused')).toMatchObject({ code: 'UPDATE_INCOMPLETE' });
    expect(await storedRows()).toBe(rows);

    a.doc.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'D1');
    await a.waitFor(() => a.controls.some((c) => c.t === 'ack'), 'edit acknowledged');
    const viewer = await mallory.open(docName.experiment(id));
    await viewer.waitFor(() => viewer.provider.synced, 'viewer synced');
    expect(viewer.doc.getMap('tags').get(tagKey('s1.fcs', 'Donor'))).toBe('D1');
  });

  it('a message over MAX_MESSAGE_BYTES is refused unread, with a code the client can show (the client core sends slices instead)', async () => {
    const s = await rawSocket(`token=${alice.token}&v=1`);
    await waitUntil(() => s.controls.some((c) => c.t === 'welcome'), 'welcome');
    const rows = await storedRows();
    // A legal update of tag cells, one byte too many.
    const writer = new Y.Doc();
    writer.transact(() => {
      for (let i = 0; i < MAX_MESSAGE_BYTES / 30; i++) writer.getMap('tags').set(tagKey(`big${i}.fcs`, 'Donor'), 'D1');
    });
    const update = Y.encodeStateAsUpdate(writer);
    const frame = syncFrame(2, update);
    expect(frame.byteLength).toBeGreaterThan(MAX_MESSAGE_BYTES);
    s.ws.send(frame);
    expect(await s.closed).toEqual({ code: 4409, reason: 'UPDATE_TOO_COSTLY' });
    expect(s.controls.find((c) => c.t === 'closing')).toMatchObject({ code: 'UPDATE_TOO_COSTLY' });
    expect(await storedRows()).toBe(rows);
  });

  it('a message over MAX_FRAME_BYTES is not even read: 1009', async () => {
    const s = await rawSocket(`token=${alice.token}&v=1`);
    s.ws.send(new Uint8Array(MAX_FRAME_BYTES + 1));
    expect((await s.closed).code).toBe(1009);
  });

  it.each([
    ['no token', '', 4401, 'NOT_SIGNED_IN'],
    ['a forged token', 'token=forged-token-forged-token-forged-token', 4401, 'NOT_SIGNED_IN'],
    ['another protocol version', 'v=99', 4426, 'PROTOCOL_VERSION'],
  ])('a socket with %s is refused', async (_what, query, code, reason) => {
    const q = query.startsWith('v=') ? `token=${alice.token}&${query}` : query;
    const s = await rawSocket(q);
    expect(await s.closed).toEqual({ code, reason });
  });

  it('an expired session is refused over HTTP and WebSocket', async () => {
    const db = await h.server.store.findSession(hashToken(alice.token));
    expect(db).not.toBeNull();
    await h.server.store.deleteSession(hashToken(alice.token));
    await h.server.store.addSession({ ...db!, expiresAt: Date.now() - 1 });
    const res = await fetch(`${h.server.url}/api/whoami`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'SESSION_EXPIRED', message: expect.any(String) });
    const s = await rawSocket(`token=${alice.token}&v=1`);
    expect((await s.closed).code).toBe(4401);
  });

  it('an unknown document name is refused', async () => {
    const s = await rawSocket(`token=${alice.token}&v=1`, 'no-such-kind');
    expect(await s.closed).toEqual({ code: 4404, reason: 'BAD_REQUEST' });
  });
});

describe('bad input over HTTP changes nothing and gets a code', () => {
  it.each([
    ['not JSON', '{"type": "share",', 400, 'BAD_REQUEST'],
    ['a field of the wrong type', { id: 'draft-0001', type: 'share', experimentId: 'exp-robust-1', user: 42 }, 400, 'BAD_REQUEST'],
    ['an unknown intent type', { id: 'draft-0001', type: 'destroy', experimentId: 'exp-robust-1' }, 400, 'BAD_REQUEST'],
    ['an extra field', { id: 'draft-0001', type: 'publish', experimentId: 'exp-robust-1', owner: 'mallory' }, 400, 'BAD_REQUEST'],
    ['an oversize body', { id: 'draft-0001', type: 'create', experimentId: 'exp-robust-1', name: 'x'.repeat(MAX_JSON_BYTES) }, 413, 'PAYLOAD_TOO_LARGE'],
  ])('%s', async (_what, body, status, code) => {
    const res = await alice.post('/api/intents', body);
    expect(res).toMatchObject({ status, body: { code } });
    expect(await h.server.store.getExperiment('exp-robust-1')).toBeNull();
  });

  it('refuses intents without a session, and bad credentials without saying which part was wrong', async () => {
    const anon = await fetch(`${h.server.url}/api/intents`, { method: 'POST', body: '{}' });
    expect(anon.status).toBe(401);
    const wrong = async (username: string) =>
      fetch(`${h.server.url}/api/login`, { method: 'POST', body: JSON.stringify({ username, password: 'wrong password' }) }).then(async (r) => [r.status, await r.json()]);
    expect(await wrong('alice')).toEqual([401, { code: 'BAD_CREDENTIALS', message: expect.any(String) }]);
    expect(await wrong('nobody')).toEqual([401, { code: 'BAD_CREDENTIALS', message: expect.any(String) }]);
  });

  it('never writes a password or token into its log', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../sync-server/log.ts');
    await h.server.close();
    const { startServer } = await import('../../sync-server/server.ts');
    h.server = await startServer({ dataDir: h.dataDir, host: '127.0.0.1', port: 0, log: createLogger((l) => lines.push(l)) });
    await fetch(`${h.server.url}/api/login`, { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'hunter2-secret' }) });
    await fetch(`${h.server.url}/api/intents`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: '{bad' });
    const log = lines.join('\n');
    expect(log).toContain('login refused');
    expect(log).not.toContain('hunter2-secret');
    expect(log).not.toContain(alice.token);
  });
});
