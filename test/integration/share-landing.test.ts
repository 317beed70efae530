/**
 * The landing page of a share mail's link (README, "Connections and mail"): the mail arrives
 * through a real SMTP server on 127.0.0.1, the test follows its link with plain HTTP as a
 * browser would, and checks that the page names the experiment (escaped) and the sharer, while
 * any token that is not a live link for a reader (forged, altered, expired, for another
 * experiment or recipient, unshared since) gets one page that names nothing.
 */
import type { AddressObject, ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { loadShareLinkKey, shareLinks } from '../../sync-server/auth/share-links.ts';
import { DEFAULT_LIMITS } from '../../sync-server/limits.ts';
import { createLogger } from '../../sync-server/log.ts';
import { waitUntil, type Harness } from './support/harness.ts';
import { useHarnessPerTest } from './support/use-harness.ts';
import type { Inbox } from './support/smtp.ts';

const h = useHarnessPerTest();

const NAME = 'Tregs <script>alert(1)</script>';
const ESCAPED = 'Tregs &lt;script&gt;alert(1)&lt;/script&gt;';

async function setup(): Promise<{ h: Harness; inbox: Inbox; logLines: string[] }> {
  const logLines: string[] = [];
  const inbox = await h.startWithInbox({ log: createLogger((line) => logLines.push(line)) });
  return { h, inbox, logLines };
}

async function shareMailTo(box: Inbox, username: string): Promise<ParsedMail> {
  const mine = (m: ParsedMail) => (m.to as AddressObject | undefined)?.value[0]?.address === `${username}@lab.test` && /shared/.test(m.subject ?? '');
  await waitUntil(() => box.messages.some(mine), `a share mail to ${username}`, 8_000);
  return box.messages.find(mine) as ParsedMail;
}

/** The landing link of a share mail, from its text; the html links the same URL. */
function landingLink(m: ParsedMail): string {
  const url = /(http:\/\/\S+\/shared\?token=[A-Za-z0-9_-]+)/.exec(m.text ?? '')?.[1];
  expect(url, 'a landing link in the text').toBeDefined();
  expect(m.html).toContain(`href="${url}"`);
  return url as string;
}

async function open(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('share landing page', () => {
  it("opens from the mail's link, naming the experiment (escaped) and the sharer, under a strict policy", async () => {
    const { h, inbox, logLines } = await setup();
    const alice = await h.user('alice');
    await h.user('bob');
    const id = await alice.createExperiment(NAME);
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });

    const url = landingLink(await shareMailTo(inbox, 'bob'));
    const page = await open(url);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<strong>alice</strong> shared the experiment <strong>“${ESCAPED}”</strong> with you (bob)`);
    expect(page.text).not.toContain('<script');
    // The extension's content script finds the experiment here; the page itself runs no script.
    expect(page.text).toContain(`id="cytoshare-open" data-experiment="${id}"`);
    expect(page.text).toContain('Load unpacked');
    expect(page.text).toContain('open Settings from the Cytoshare button');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src|unsafe/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    // Opening it again works (a mail scanner's visit does not use it up).
    expect((await open(url)).status).toBe(200);

    const token = new URL(url).searchParams.get('token') as string;
    expect(logLines.join('\n')).not.toContain(token);
    expect(logLines.join('\n')).not.toContain(token.slice(0, 24));
  });

  it('names nothing for a forged, altered, expired, other-experiment, other-recipient or unshared token', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    await h.user('bob');
    await h.user('carol');
    const shared = await alice.createExperiment(NAME);
    const secret = await alice.createExperiment('Private panel');
    expect(await alice.intent({ type: 'share', experimentId: shared, user: 'bob' })).toMatchObject({ ok: true });
    const url = landingLink(await shareMailTo(inbox, 'bob'));
    const real = new URL(url).searchParams.get('token') as string;
    const at = (token: string) => `${h.server.url}/shared?token=${encodeURIComponent(token)}`;
    // Links as the server would seal them: only the data folder's key can make one.
    const links = shareLinks(loadShareLinkKey(h.dataDir), DEFAULT_LIMITS.shareLinkTtlMs);

    const altered = real.slice(0, 20) + (real[20] === 'A' ? 'B' : 'A') + real.slice(21);
    const refused = [
      `${h.server.url}/shared`,
      at('nope'),
      at(Buffer.alloc(80, 7).toString('base64url')),
      at(altered),
      at(real + 'AA'),
      at(links.mint({ experimentId: shared, recipient: 'bob', sharer: 'alice' }, Date.now() - DEFAULT_LIMITS.shareLinkTtlMs - 1)),
      at(links.mint({ experimentId: secret, recipient: 'bob', sharer: 'alice' })),
      at(links.mint({ experimentId: shared, recipient: 'carol', sharer: 'alice' })),
      at(links.mint({ experimentId: 'exp-nonexistent-1', recipient: 'bob', sharer: 'alice' })),
      // A share mail from before sealed links named the id in its path.
      `${h.server.url}/experiments/${shared}`,
    ];
    const pages = await Promise.all(refused.map(open));
    for (const page of pages) {
      expect(page.text).not.toContain('Tregs');
      expect(page.text).not.toContain('Private panel');
      expect(page.text).not.toContain('alice');
      expect(page.text).not.toContain(shared);
    }
    // One and the same answer, whatever the token was: nothing tells them apart.
    const tokenPages = pages.slice(0, -1);
    expect(new Set(tokenPages.map((p) => p.status))).toEqual(new Set([404]));
    expect(new Set(tokenPages.map((p) => p.text)).size).toBe(1);

    // A link stops naming the experiment once its recipient can no longer read it.
    expect((await open(url)).status).toBe(200);
    expect(await alice.intent({ type: 'unshare', experimentId: shared, user: 'bob' })).toMatchObject({ ok: true });
    const after = await open(url);
    expect(after.status).toBe(404);
    expect(after.text).toBe(tokenPages[0]?.text);
  });

  it('keeps working across a restart (the key stays in the data folder)', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    await h.user('bob');
    const id = await alice.createExperiment('Kept across restarts');
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    const url = landingLink(await shareMailTo(inbox, 'bob'));
    await h.restart();
    const page = await open(url.replace(/^http:\/\/[^/]+/, h.server.url));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Kept across restarts');
  });
});
