import { request } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import { docName, ExperimentRoot } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import { type TestUser } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

const h = useHarness();
let alice: TestUser;
let bob: TestUser;
let id: string;
const fcs = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array([1, 2, 3, 4, 5, 6]) });

beforeEach(async () => {
  alice = await h.user('alice');
  bob = await h.user('bob');
  id = await alice.createExperiment('Files');
});

const put = (url: string, headers: Record<string, string> = {}, body: Uint8Array = fcs) =>
  fetch(url, { method: 'PUT', headers, body: body as Uint8Array<ArrayBuffer> });

describe('upload tickets', () => {
  it('let a page upload once into one experiment without the session token', async () => {
    const issued = await alice.post(`/api/experiments/${id}/upload-ticket`, {});
    expect(issued.status).toBe(200);
    const { ticket } = issued.body as { ticket: string };
    const other = await alice.createExperiment('Other');
    const wrong = await put(`${h.server.url}/api/experiments/${other}/files?name=a.fcs&ticket=${ticket}`);
    expect(wrong.status).toBe(401);
    // A ticket tried on the wrong experiment is spent: it never works twice.
    const spent = await put(`${h.server.url}/api/experiments/${id}/files?name=a.fcs&ticket=${ticket}`);
    expect(spent.status).toBe(401);

    const fresh = ((await alice.post(`/api/experiments/${id}/upload-ticket`, {})).body as { ticket: string }).ticket;
    const ok = await put(`${h.server.url}/api/experiments/${id}/files?name=a.fcs&ticket=${fresh}`);
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ name: 'a.fcs', events: 3 });
    expect((await put(`${h.server.url}/api/experiments/${id}/files?name=b.fcs&ticket=${fresh}`)).status).toBe(401);
  });

  it('are refused to accounts that may not upload', async () => {
    const res = await bob.post(`/api/experiments/${id}/upload-ticket`, {});
    expect(res).toMatchObject({ status: 404, body: { code: 'NOT_A_READER' } });
    await alice.intent({ type: 'publish', experimentId: id });
    expect(await bob.post(`/api/experiments/${id}/upload-ticket`, {})).toMatchObject({ status: 403, body: { code: 'READ_ONLY' } });
  });
});

describe('download tickets', () => {
  it('let the browser fetch one file once, and only a reader may get one', async () => {
    const auth = { authorization: `Bearer ${alice.token}` };
    const { fileId } = await (await put(`${h.server.url}/api/experiments/${id}/files?name=a.fcs`, auth)).json();
    const issued = await alice.post(`/api/experiments/${id}/files/${fileId}/download-ticket`, {});
    expect(issued.status).toBe(200);
    const { ticket } = issued.body as { ticket: string };
    const url = `${h.server.url}/api/experiments/${id}/files/${fileId}?ticket=${ticket}`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-disposition')).toBe(`attachment; filename="a.fcs"; filename*=UTF-8''a.fcs`);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(fcs);
    expect((await fetch(url)).status).toBe(401);
    // An upload ticket does not open a download, nor the other way round.
    const upload = ((await alice.post(`/api/experiments/${id}/upload-ticket`, {})).body as { ticket: string }).ticket;
    expect((await fetch(`${h.server.url}/api/experiments/${id}/files/${fileId}?ticket=${upload}`)).status).toBe(401);
    expect(await bob.post(`/api/experiments/${id}/files/${fileId}/download-ticket`, {})).toMatchObject({ status: 404, body: { code: 'NOT_A_READER' } });
  });
});

describe('files over HTTP', () => {
  it('are stored once by content, downloaded by readers, hidden from strangers', async () => {
    const auth = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });
    const first = await (await put(`${h.server.url}/api/experiments/${id}/files?name=a.fcs`, auth(alice))).json();
    const second = await (await put(`${h.server.url}/api/experiments/${id}/files?name=copy.fcs`, auth(alice))).json();
    expect(first.sha256).toBe(second.sha256);
    expect(first.fileId).not.toBe(second.fileId);
    const stranger = await fetch(`${h.server.url}/api/experiments/${id}/files/${first.fileId}`, { headers: auth(bob) });
    expect(stranger.status).toBe(404);
    await alice.intent({ type: 'publish', experimentId: id });
    const viewer = await fetch(`${h.server.url}/api/experiments/${id}/files/${first.fileId}`, { headers: auth(bob) });
    expect(viewer.status).toBe(200);
    expect(new Uint8Array(await viewer.arrayBuffer())).toEqual(fcs);
    expect((await put(`${h.server.url}/api/experiments/${id}/files?name=x.fcs`, auth(bob))).status).toBe(403);
  });

  it('refuse a truncated file with the segment and offsets, storing nothing', async () => {
    const res = await put(`${h.server.url}/api/experiments/${id}/files?name=cut.fcs`, { authorization: `Bearer ${alice.token}` }, fcs.slice(0, fcs.length - 5));
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'INVALID_FILE', detail: { fcsCode: 'FCS_TRUNCATED', segment: 'DATA' } });
    expect(typeof body.detail.expected).toBe('number');
    expect(body.detail.actual).toBe(fcs.length - 5);
  });

  /**
   * An upload that stalls before its last bytes while `meanwhile` runs. The body is larger than
   * what the loopback socket buffers hold, so the write of the first part completing means the
   * server is reading the body: its first rights check is behind it.
   */
  const large = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array(2 * 3_000_000).fill(1) });
  async function stalledUpload(user: TestUser, meanwhile: () => Promise<void>): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${h.server.url}/api/experiments/${id}/files?name=slow.fcs`);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers: { authorization: `Bearer ${user.token}`, 'content-length': large.length } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      });
      req.on('error', reject);
      req.write(large.subarray(0, large.length - 16), () => void meanwhile().then(() => req.end(large.subarray(large.length - 16)), reject));
    });
  }

  it('refuse an upload whose right was withdrawn while its bytes came in, storing no record', async () => {
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    const fileCount = () => h.server.rooms.with(docName.experiment(id), async (room) => room.doc.getMap(ExperimentRoot.files).size);
    const before = await fileCount();
    const res = await stalledUpload(bob, async () => {
      expect(await alice.intent({ type: 'unshare', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    });
    expect(res).toMatchObject({ status: 404, body: { code: 'NOT_A_READER' } });
    expect(await fileCount()).toBe(before);
  });

  it('refuse an upload into an experiment deleted while its bytes came in, and store nothing of it', async () => {
    const res = await stalledUpload(alice, async () => {
      await alice.intent({ type: 'trash', experimentId: id });
      expect(await alice.intent({ type: 'delete', experimentId: id })).toMatchObject({ ok: true });
    });
    expect(res).toMatchObject({ status: 404, body: { code: 'NOT_A_READER' } });
    expect(await h.server.store.storedDocNames(docName.experiment(id))).toEqual([]);
  });
});
