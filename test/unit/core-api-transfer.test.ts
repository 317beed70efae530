import { describe, expect, it } from 'vitest';
import { Api, type FetchLike } from '../../extension/core/api.ts';

const uploaded = { fileId: 'f1', name: 'a.fcs', sha256: 'x'.repeat(64), events: 1, channels: [] };

describe('Api file transfers', () => {
  it('send a Blob as a stream with its size as Content-Length, pulled only as the request takes it', async () => {
    const blob = new Blob([new Uint8Array(300_000).fill(1)]);
    let seen: { headers: Record<string, string>; total: number; stream: boolean } | null = null;
    const fetchImpl: FetchLike = async (_url, init) => {
      const body = init.body as ReadableStream<Uint8Array>;
      let total = 0;
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) total += chunk.length;
      seen = { headers: init.headers as Record<string, string>, total, stream: body instanceof ReadableStream };
      return new Response(JSON.stringify(uploaded), { status: 201 });
    };
    const api = new Api('http://127.0.0.1:1', 'token', fetchImpl);
    expect(await api.uploadFile('exp-1', 'a.fcs', blob)).toEqual(uploaded);
    expect(seen).toMatchObject({ headers: { 'content-length': '300000' }, total: 300_000, stream: true });
  });

  it('give a download as a stream of the bytes', async () => {
    const bytes = new Uint8Array(100_000).fill(3);
    const api = new Api('http://127.0.0.1:1', 'token', async () => new Response(bytes, { status: 200 }));
    let total = 0;
    for await (const chunk of (await api.downloadFileStream('exp-1', 'f1')) as unknown as AsyncIterable<Uint8Array>) total += chunk.length;
    expect(total).toBe(100_000);
  });
});
