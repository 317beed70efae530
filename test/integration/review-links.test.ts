import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile, cleanup, world, type World } from './cli-helpers.ts';

const NAME = 'Lymph <b>node</b> & co';

/** A plain HTTP GET, as a reviewer's browser makes it: no account, no token. */
async function open(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('reviewer links', () => {
  let w: World;
  let exp: string;
  let fileId: string;
  beforeAll(async () => {
    w = await world(['ria', 'sam']);
    for (const user of ['ria', 'sam']) expect((await w.login(user)).code).toBe(0);
    exp = (await w.as('ria', ['exp', 'create', NAME])).json.id;
    fileId = await addFile(w, 'ria', exp, 'tube 1.fcs');
    expect((await w.as('ria', ['tag', exp, 'tube 1.fcs', 'Donor', 'D-17'])).code).toBe(0);
    expect((await w.as('ria', ['gate', 'add', exp, 'Lymphocytes', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', '1,2,5,9'])).code).toBe(0);
  });
  afterAll(async () => cleanup(w));

  it('opens a read-only page of the experiment without an account, names escaped, nothing loaded from elsewhere', async () => {
    const made = await w.as('ria', ['review-link', 'create', exp]);
    expect(made.code).toBe(0);
    expect(made.json).toMatchObject({ id: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), download: false, expiresAt: null });
    const page = await open(made.json.url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Lymph &lt;b&gt;node&lt;/b&gt; &amp; co');
    expect(page.text).not.toContain('<b>node</b>');
    for (const shown of ['tube 1.fcs', 'D-17', 'Lymphocytes', 'FSC-A × SSC-A']) expect(page.text).toContain(shown);
    expect(page.text).not.toContain('Download');
    // The gates drawn on a plot of the file, as an image (an SVG naming the gate and its share).
    const image = /<img alt="Gates on FSC-A × SSC-A" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(page.text);
    expect(image).not.toBeNull();
    expect(Buffer.from(image![1]!, 'base64').toString()).toContain('Lymphocytes');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    // Without --download the file is not served either, whatever the URL.
    expect((await open(`${made.json.url}/files/${fileId}`)).status).toBe(404);
  });

  it('with --download offers the files, byte for byte', async () => {
    const made = await w.as('ria', ['review-link', 'create', exp, '--download']);
    const page = await open(made.json.url);
    expect(page.text).toContain('Download');
    const file = await fetch(`${made.json.url}/files/${fileId}`);
    expect(file.status).toBe(200);
    const back = join(w.root, 'mine.fcs');
    expect((await w.as('ria', ['file', 'get', exp, fileId, '--out', back])).code).toBe(0);
    expect(Buffer.from(await file.arrayBuffer()).equals(readFileSync(back))).toBe(true);
  });

  it('a wrong secret, a revoked link and an expired one all answer the same 404 page that names nothing', async () => {
    const made = await w.as('ria', ['review-link', 'create', exp]);
    const url: string = made.json.url;
    const secret = url.slice(url.lastIndexOf('/') + 1);
    const wrong = url.slice(0, -secret.length) + (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
    const guessed = await open(wrong);
    expect(guessed.status).toBe(404);
    expect(guessed.text).not.toContain('Lymph');

    expect((await w.as('ria', ['review-link', 'revoke', exp, made.json.id])).code).toBe(0);
    const revoked = await open(url);
    expect(revoked.status).toBe(404);
    expect(revoked.text).toBe(guessed.text);
    const listed = (await w.as('ria', ['review-link', 'list', exp])).json as Array<{ id: string; active: boolean; revokedAt: number | null }>;
    expect(listed.find((l) => l.id === made.json.id)).toMatchObject({ active: false, revokedAt: expect.any(Number) });
    expect(JSON.stringify(listed)).not.toContain(secret);

    // Far enough ahead for a CLI start on a loaded machine; then polled until it has passed.
    const ends = Date.now() + 6_000;
    const short = await w.as('ria', ['review-link', 'create', exp, '--expires', new Date(ends).toISOString()]);
    expect(short.code).toBe(0);
    expect((await open(short.json.url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, ends - Date.now()) + 100));
    const expired = await open(short.json.url);
    expect(expired.status).toBe(404);
    expect(expired.text).toBe(guessed.text);
  });

  it('only sharing managers create or list links; an end date in the past is refused', async () => {
    const stranger = await w.as('sam', ['review-link', 'create', exp]);
    expect(stranger.code).toBe(3);
    expect(stranger.json.error.code).toBe('NOT_A_READER');
    expect((await w.as('sam', ['review-link', 'list', exp])).code).toBe(3);
    const past = await w.as('ria', ['review-link', 'create', exp, '--expires', '2020-01-01']);
    expect(past.code).toBe(3);
    expect(past.json.error.code).toBe('REVIEW_LINK_EXPIRY');
    expect((await w.as('ria', ['share', exp, 'sam'])).code).toBe(0);
    expect((await w.as('sam', ['review-link', 'create', exp])).code).toBe(0);
  });

  it('a trashed experiment closes its links', async () => {
    const made = await w.as('ria', ['review-link', 'create', exp]);
    expect((await open(made.json.url)).status).toBe(200);
    expect((await w.as('ria', ['trash', exp])).code).toBe(0);
    expect((await open(made.json.url)).status).toBe(404);
    expect((await w.as('ria', ['restore', exp])).code).toBe(0);
    expect((await open(made.json.url)).status).toBe(200);
  });
});
