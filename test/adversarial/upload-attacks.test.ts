import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { writeFcs } from '../../shared/fcs/index.ts';
import type { Session } from '../../shared/schemas/api.ts';
import { createAccount } from '../../sync-server/admin.ts';
import type { ServerLimits } from '../../sync-server/limits.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';
import { waitUntil, type TestUser } from '../integration/support/harness.ts';
import { useHarnessPerTest } from '../integration/support/use-harness.ts';
import { spawnServer, type ServerProcess } from '../integration/support/server-process.ts';
import { writeBigFcs } from './support/big-fcs.ts';

const fcs = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array(2 * 1000).fill(7) }) as Uint8Array<ArrayBuffer>;
const MiB = 1024 * 1024;

const h = useHarnessPerTest();

async function setUp(limits: Partial<ServerLimits> = {}): Promise<{ alice: TestUser; bob: TestUser; id: string; url: (name?: string) => string }> {
  await h.start({ limits });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const id = await alice.createExperiment('Uploads');
  const server = h.server.url;
  return { alice, bob, id, url: (name = 'a.fcs') => `${server}/api/experiments/${id}/files?name=${encodeURIComponent(name)}` };
}

/** Temporary upload files in the blob store's folder. */
const tempFiles = (dataDir: string) => readdirSync(join(dataDir, 'blobs')).filter((n) => n.startsWith('.tmp-'));

/** A body that would produce `total` bytes, pulled 64 KiB at a time; `pulled` counts what was taken. */
function countingBody(total: number, first: Uint8Array): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const block = new Uint8Array(64 * 1024).fill(0x41);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      const chunk = pulled === 0 ? first : block.subarray(0, Math.min(block.length, total - pulled));
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled };
}

type Answer = { status: number; body: Record<string, unknown> };

/**
 * A PUT over node:http whose body the test writes by hand: `start` writes what it wants (or
 * nothing). Resolves with the answer, or with `closed` when the server dropped the connection.
 */
function rawPut(url: string, token: string, headers: Record<string, string | number>, start: (req: ClientRequest) => void): { req: ClientRequest; answer: Promise<Answer | 'closed'> } {
  let req!: ClientRequest;
  const answer = new Promise<Answer | 'closed'>((resolve) => {
    req = request(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, ...headers } }, (res: IncomingMessage) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      res.on('error', () => resolve('closed'));
    });
    req.on('error', () => resolve('closed'));
    req.on('close', () => setTimeout(() => resolve('closed'), 100));
    start(req);
  });
  return { req, answer };
}

describe('an upload that is not an FCS file', () => {
  it('is refused after its first bytes, without the server reading the rest', async () => {
    const { alice, url } = await setUp();
    const total = 1024 * MiB;
    const body = countingBody(total, new TextEncoder().encode('PK\x03\x04 this is a zip, not FCS'));
    const res = await fetch(url('x.fcs'), { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: body.stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: 'INVALID_FILE', detail: { fcsCode: 'FCS_BAD_HEADER', segment: 'HEADER' } });
    // The answer came while the body could still have produced nearly all of its gigabyte.
    expect(body.pulled()).toBeLessThan(64 * MiB);
    await waitUntil(() => tempFiles(h.dataDir).length === 0, 'the temporary file removed');
  });
});

describe('upload size', () => {
  it('is refused with 413 from a Content-Length over the limit, before any byte of the body', async () => {
    const { alice, url } = await setUp({ uploadBytes: MiB });
    // Headers only: the body never comes, so only an answer that reads none of it arrives.
    const put = rawPut(url(), alice.token, { 'content-length': 2 * MiB }, (req) => req.flushHeaders());
    const noAnswer = new Promise<string>((resolve) => setTimeout(() => resolve('no answer while the body is awaited'), 10_000).unref());
    expect(await Promise.race([put.answer, noAnswer])).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    put.req.destroy();
    expect(tempFiles(h.dataDir)).toEqual([]);
  });

  it('cuts off a chunked body with 413 once it passes the limit, and the sender reads the 413', async () => {
    const { alice, url } = await setUp({ uploadBytes: MiB });
    // Without the drain after the answer the sender often got EPIPE instead of the 413: repeat.
    for (let run = 0; run < 5; run++) {
      const body = countingBody(256 * MiB, fcs.subarray(0, 64 * 1024));
      const res = await fetch(url(), { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: body.stream, duplex: 'half' } as RequestInit);
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(body.pulled()).toBeLessThan(64 * MiB);
    }
    await waitUntil(() => tempFiles(h.dataDir).length === 0, 'the temporary file removed');
  });

  it('a sender that goes on after the 413 is cut off once past refusedBodyDrainBytes', async () => {
    const { alice, url } = await setUp({ uploadBytes: MiB, refusedBodyDrainBytes: 2 * MiB, refusedBodyDrainMs: 60_000 });
    let written = 0;
    let answered = 0;
    const block = Buffer.alloc(64 * 1024, 0x41);
    const put = rawPut(url(), alice.token, { 'transfer-encoding': 'chunked' }, (req) => {
      req.write(fcs.subarray(0, 64 * 1024));
      const more = () => {
        // Write until the socket dies; note how much had gone when the answer came.
        while (!req.destroyed && written < 512 * MiB) {
          written += block.length;
          if (!req.write(block)) return void req.once('drain', more);
        }
      };
      req.once('response', () => (answered = written));
      more();
    });
    expect(await put.answer).toMatchObject({ status: 413 });
    await waitUntil(() => put.req.destroyed, 'the connection closed by the server');
    // Cut off within the limit, the drain bound and what sits in socket buffers, far from 512 MiB.
    expect(written - answered).toBeLessThan(64 * MiB);
    expect(written).toBeLessThan(64 * MiB);
  });
});

describe('concurrent uploads', () => {
  it('beyond the per-account limit are refused with 429; other accounts and later uploads go on', async () => {
    const { alice, bob, id, url } = await setUp({ uploadsPerAccount: 2 });
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    // Two uploads that send their first half and wait: both hold a slot.
    const half = fcs.subarray(0, fcs.length >> 1);
    const slow = [0, 1].map((i) => rawPut(url(`slow${i}.fcs`), alice.token, { 'content-length': fcs.length }, (req) => req.write(half)));
    await waitUntil(() => tempFiles(h.dataDir).length === 2, 'two uploads in flight');
    const third = await fetch(url('third.fcs'), { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: fcs });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ code: 'TOO_MANY_UPLOADS' });
    const other = await fetch(url('bob.fcs'), { method: 'PUT', headers: { authorization: `Bearer ${bob.token}` }, body: fcs });
    expect(other.status).toBe(201);
    // One finishes: its slot is free again.
    slow[0]!.req.end(fcs.subarray(half.length));
    expect(await slow[0]!.answer).toMatchObject({ status: 201 });
    const fourth = await fetch(url('fourth.fcs'), { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: fcs });
    expect(fourth.status).toBe(201);
    slow[1]!.req.destroy();
  });
});

describe('a stalled upload', () => {
  it('is dropped after the idle timeout, freeing its slot and its temporary file', async () => {
    const { alice, url } = await setUp({ uploadsPerAccount: 1, uploadIdleMs: 300 });
    const stalled = rawPut(url(), alice.token, { 'content-length': fcs.length }, (req) => req.write(fcs.subarray(0, 1000)));
    await waitUntil(() => tempFiles(h.dataDir).length === 1, 'the upload in flight');
    expect(await stalled.answer).toBe('closed');
    await waitUntil(() => tempFiles(h.dataDir).length === 0, 'the temporary file removed');
    const next = await fetch(url(), { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: fcs });
    expect(next.status).toBe(201);
  });
});

describe('temporary upload files', () => {
  it('left by a stopped server are removed when it starts again', async () => {
    await setUp();
    const left = join(h.dataDir, 'blobs', '.tmp-0123456789abcdef');
    writeFileSync(left, fcs);
    await h.restart();
    expect(tempFiles(h.dataDir)).toEqual([]);
  });
});

describe('a file named outside Latin-1', () => {
  // A name with a line break is refused at upload (names are one line), so no header can carry one.
  it('with a line break is refused at upload', async () => {
    const { alice, url } = await setUp();
    const up = await fetch(url('a "quoted"\r\nX-Injected: 1.fcs'), { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: fcs });
    expect(up.status).toBe(400);
    expect(await up.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it.each(['CD4_α.fcs', 'サンプル.fcs', 'a "quoted"; filename=evil.fcs'])('%j downloads with its bytes and a filename* header', async (name) => {
    const { alice, id, url } = await setUp();
    const up = await fetch(url(name), { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: fcs });
    expect(up.status).toBe(201);
    const { fileId } = (await up.json()) as { fileId: string };
    const down = await fetch(`${h.server.url}/api/experiments/${id}/files/${fileId}`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(down.status).toBe(200);
    expect(new Uint8Array(await down.arrayBuffer())).toEqual(fcs);
    expect(down.headers.get('x-injected')).toBe(null);
    const disposition = down.headers.get('content-disposition') ?? '';
    const star = /; filename\*=UTF-8''([^;]*)$/.exec(disposition);
    expect(star && decodeURIComponent(star[1]!)).toBe(name);
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+";/);
  });
});

/** Peak resident memory of a process, in bytes (Linux). */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error('no VmHWM');
  return Number(kb[1]) * 1024;
}

describe('a large upload', () => {
  it('keeps the server memory flat: its peak grows by far less than the file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cytoshare-upload-'));
    const data = join(root, 'data');
    const file = join(root, 'big.fcs');
    let server: ServerProcess | null = null;
    try {
      // ≈ 200 MB: 2.6M events × 20 float channels, written to disk and streamed from it.
      const size = await writeBigFcs(file, 2_600_000, 20);
      const tools = openSqliteStore(data);
      await createAccount(tools, { username: 'alice', email: 'alice@lab.test', password: 'correct horse battery' });
      await tools.close();
      server = await spawnServer(data);
      const base = server.url;
      const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }) });
      const { token } = (await login.json()) as Session;
      const auth = { authorization: `Bearer ${token}` };
      const created = await fetch(`${base}/api/intents`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'draft-big-1', type: 'create', experimentId: 'exp-big-0001', name: 'Big' }) });
      expect(created.status).toBe(200);
      // A small upload first, so the peak before counts the code paths an upload loads.
      expect((await fetch(`${base}/api/experiments/exp-big-0001/files?name=small.fcs`, { method: 'PUT', headers: auth, body: fcs })).status).toBe(201);
      const before = peakRss(server.child.pid!);

      const put = rawPut(`${base}/api/experiments/exp-big-0001/files?name=big.fcs`, token, { 'content-length': size }, (req) => {
        void pipeline(createReadStream(file), req).catch(() => undefined);
      });
      const answer = await put.answer;
      expect(answer).toMatchObject({ status: 201, body: { events: 2_600_000 } });
      const growth = peakRss(server.child.pid!) - before;
      expect(growth).toBeLessThan(size / 4);
      const sha256 = (answer as Answer).body.sha256 as string;
      expect(statSync(join(data, 'blobs', sha256)).size).toBe(size);

      // The download streams from disk too: counted and hashed here as it comes, never held.
      const down = await fetch(`${base}/api/experiments/exp-big-0001/files/${(answer as Answer).body.fileId as string}`, { headers: auth });
      expect(down.status).toBe(200);
      const hash = createHash('sha256');
      let received = 0;
      for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        received += chunk.length;
      }
      expect(received).toBe(size);
      expect(hash.digest('hex')).toBe(sha256);
      expect(peakRss(server.child.pid!) - before).toBeLessThan(size / 4);
    } finally {
      if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
