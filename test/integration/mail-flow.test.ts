/**
 * Notification mail end to end (README, "Connections and mail"): the app server
 * sends through a REAL SMTP server (smtp-server on 127.0.0.1); tests read what arrives, follow
 * the one-time accept/reject links with plain HTTP, check share notices and the preference that
 * turns them off, and check that mail waits while SMTP is down, also across an app restart.
 * Every wait is bounded; both servers stop in afterEach.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressObject, ParsedMail } from 'mailparser';
import { freePort, startSmtp, type Inbox } from './support/smtp.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionsRoot, docName } from '../../shared/doc-layout.ts';
import type { ConnectionEntry } from '../../shared/schemas/connection-entry.ts';
import { startHarness, waitUntil, type Harness, type TestUser } from './support/harness.ts';


const fastRetry = { baseMs: 50, maxMs: 200 };
const mailOf = (u: string) => `${u}@lab.test`;
const toAddress = (m: ParsedMail) => (m.to as AddressObject | undefined)?.value[0]?.address;
const requestSubject = (from: string) => `${from} would like to connect with you on Cytoshare`;

let h: Harness | undefined;
let inbox: Inbox | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.stop();
  h = undefined;
  await inbox?.close();
  inbox = undefined;
});

async function setup(): Promise<{ h: Harness; inbox: Inbox }> {
  inbox = await startSmtp();
  h = await startHarness({ connectAll: false, smtpUrl: `smtp://127.0.0.1:${inbox.port}`, mailRetry: fastRetry });
  return { h, inbox };
}

/** Waits for a mail to `to` whose subject matches, and returns it. */
async function waitForMail(box: Inbox, to: string, subject: string | RegExp, ms = 8_000): Promise<ParsedMail> {
  const match = (m: ParsedMail) => toAddress(m) === to && (typeof subject === 'string' ? m.subject === subject : subject.test(m.subject ?? ''));
  await waitUntil(() => box.messages.some(match), `a mail to ${to}: ${String(subject)}`, ms);
  return box.messages.find(match) as ParsedMail;
}

/** The accept and reject links of a connection-request mail, from its text; the html carries the same. */
function linksOf(m: ParsedMail): { accept: string; reject: string } {
  const accept = /^Accept: (\S+)$/m.exec(m.text ?? '')?.[1];
  const reject = /^Reject: (\S+)$/m.exec(m.text ?? '')?.[1];
  expect(accept, 'accept link in the text').toBeDefined();
  expect(reject, 'reject link in the text').toBeDefined();
  expect(m.html).toContain(`href="${accept}"`);
  expect(m.html).toContain(`href="${reject}"`);
  return { accept: accept as string, reject: reject as string };
}

/** Opens a mailed link as a person does: the page asks, and the button confirms. */
async function follow(url: string): Promise<{ status: number; text: string }> {
  const page = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await page.text();
  const token = /name="token" value="([^"]+)"/.exec(text)?.[1];
  if (!token) return { status: page.status, text };
  const res = await fetch(new URL('/connections/respond', url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, text: await res.text() };
}

async function connectionsOf(user: TestUser): Promise<() => Record<string, ConnectionEntry>> {
  const d = await user.open(docName.connections(user.username));
  await d.waitFor(() => d.provider.synced, `conn-${user.username} synced`);
  return () => d.doc.getMap(ConnectionsRoot.connections).toJSON() as Record<string, ConnectionEntry>;
}

/** Connects two users through the app (request and accept). */
async function connect(a: TestUser, b: TestUser): Promise<void> {
  expect(await a.intent({ type: 'connect', email: mailOf(b.username) })).toMatchObject({ ok: true });
  expect(await b.intent({ type: 'accept', user: a.username })).toMatchObject({ ok: true });
}

describe('connection request mail', () => {
  it('arrives at the right address with the subject and one-time accept and reject links; accept connects', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bobList = await connectionsOf(bob);

    expect(await alice.intent({ type: 'connect', email: 'BOB@lab.test' })).toMatchObject({ ok: true });
    const m = await waitForMail(inbox, mailOf('bob'), requestSubject('alice'));
    expect(inbox.recipients[inbox.messages.indexOf(m)]).toEqual([mailOf('bob')]);
    expect(m.text).toContain('alice (alice@lab.test) would like to connect with you');
    const { accept, reject } = linksOf(m);
    const prefix = `${h.server.url}/connections/respond?token=`;
    expect(accept.startsWith(prefix), accept).toBe(true);
    expect(reject.startsWith(prefix), reject).toBe(true);
    expect(accept).not.toBe(reject);
    // Tokens are long and random, and the database keeps only their hash.
    const token = new URL(accept).searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(await h.server.store.getEmailLink(token)).toBeNull();
    expect(await h.server.store.getEmailLink(createHash('sha256').update(token).digest('hex'))).toMatchObject({ action: 'accept', usedAt: null });

    const id = await alice.createExperiment('Mail-linked');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: false, code: 'NOT_CONNECTED' });

    // Opening the link (as a mail scanner does) only asks; nothing changes until the button.
    const opened = await fetch(accept, { signal: AbortSignal.timeout(5_000) });
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('Connect with alice?');
    expect(await h.server.store.getConnection('alice', 'bob')).toBeNull();

    const first = await follow(accept);
    expect(first.status).toBe(200);
    expect(first.text).toContain('You are now connected with alice.');
    await waitUntil(() => bobList().alice?.status === 'connected', "bob's list shows alice connected");
    expect(await h.server.store.getConnection('alice', 'bob')).toMatchObject({ status: 'connected' });
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true, affected: [id] });

    const again = await follow(accept);
    expect(again.status).toBe(410);
    expect(again.text).toContain('This link was already used.');

    const late = await follow(reject);
    expect(late.status).toBe(409);
    expect(late.text).toContain('This request was already answered.');
    // Nothing undone by the late reject.
    expect(await h.server.store.getConnection('alice', 'bob')).toMatchObject({ status: 'connected' });
  });

  it('the reject link declines once; the accept link of the same request then says it was answered', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    const carol = await h.user('carol');
    const carolList = await connectionsOf(carol);
    await alice.intent({ type: 'connect', email: mailOf('carol') });
    await waitUntil(() => carolList().alice?.status === 'pending', 'carol sees the request');
    const { accept, reject } = linksOf(await waitForMail(inbox, mailOf('carol'), requestSubject('alice')));

    const declined = await follow(reject);
    expect(declined.status).toBe(200);
    expect(declined.text).toContain('You declined the connection request from alice.');
    await waitUntil(() => Object.keys(carolList()).length === 0, "the request leaves carol's list");
    expect(await h.server.store.getConnection('alice', 'carol')).toBeNull();
    const id = await alice.createExperiment('Declined');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'carol' })).toMatchObject({ ok: false, code: 'NOT_CONNECTED' });

    const lateAccept = await follow(accept);
    expect(lateAccept.status).toBe(409);
    expect(lateAccept.text).toContain('already answered');
    expect(await h.server.store.getConnection('alice', 'carol')).toBeNull();
    const rejectAgain = await follow(reject);
    expect(rejectAgain.status).toBe(410);
    expect(rejectAgain.text).toContain('already used');
  });

  it('the reject link of a request answered in the app says it was already answered', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.intent({ type: 'connect', email: mailOf('bob') });
    const { reject } = linksOf(await waitForMail(inbox, mailOf('bob'), requestSubject('alice')));
    expect(await bob.intent({ type: 'accept', user: 'alice' })).toMatchObject({ ok: true });

    const res = await follow(reject);
    expect(res.status).toBe(409);
    expect(res.text).toContain('This request was already answered.');
    expect(await h.server.store.getConnection('alice', 'bob')).toMatchObject({ status: 'connected' });
  });

  it('refuses an expired link and leaves the request pending', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    await h.user('bob');
    await alice.intent({ type: 'connect', email: mailOf('bob') });
    const { reject } = linksOf(await waitForMail(inbox, mailOf('bob'), requestSubject('alice')));
    const [request] = await h.server.store.pendingRequests({ fromUser: 'alice' });
    expect(request).toBeDefined();

    // A link whose expiry is in the past, written through the store for this very request.
    const token = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(token).digest('hex');
    await h.server.store.saveEmailLink({ tokenHash, requestId: request!.id, action: 'accept', expiresAt: Date.now() - 1_000, usedAt: null });
    const expired = await follow(`${h.server.url}/connections/respond?token=${token}`);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This link has expired.');
    expect(await h.server.store.getConnection('alice', 'bob')).toBeNull();
    expect((await h.server.store.getRequest(request!.id))?.status).toBe('pending');
    expect((await h.server.store.getEmailLink(tokenHash))?.usedAt).toBeNull();

    // The mailed link expires after about a week: eight days on it is refused too, untouched.
    const realNow = Date.now();
    const later = vi.spyOn(Date, 'now').mockReturnValue(realNow + 8 * 24 * 3600 * 1000);
    const stale = await follow(reject);
    later.mockRestore();
    expect(stale.status).toBe(410);
    expect(stale.text).toContain('expired');
    expect((await h.server.store.getRequest(request!.id))?.status).toBe('pending');
  });

  it('an unknown or missing token changes nothing', async () => {
    const { h } = await setup();
    const bad = await follow(`${h.server.url}/connections/respond?token=${randomBytes(32).toString('base64url')}`);
    expect(bad.status).toBe(404);
    expect(bad.text).toContain('This link is not valid.');
    const none = await follow(`${h.server.url}/connections/respond`);
    expect(none.status).toBe(404);
  });

  it('a request to an address with no account is mailed there; its link works once the account exists', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    await alice.intent({ type: 'connect', email: 'dora@elsewhere.test' });
    const { accept } = linksOf(await waitForMail(inbox, 'dora@elsewhere.test', requestSubject('alice')));

    const early = await follow(accept);
    expect(early.status).toBe(409);
    expect(early.text).toContain('Create an account with dora@elsewhere.test first');

    const { createAccount } = await import('../../sync-server/admin.ts');
    await createAccount(h.server.store, { username: 'dora', email: 'dora@elsewhere.test', password: 'correct horse battery', verified: true });
    const done = await follow(accept);
    expect(done.status).toBe(200);
    expect(done.text).toContain('You are now connected with alice.');
    expect(await h.server.store.getConnection('alice', 'dora')).toMatchObject({ status: 'connected' });
  });
});

describe('share notification mail', () => {
  it('goes to the grantee, naming the sharer and the experiment, with a link', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await connect(alice, bob);
    const id = await alice.createExperiment('Tregs <CD25+>');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });

    const m = await waitForMail(inbox, mailOf('bob'), /shared/);
    expect(m.subject).toBe('alice shared “Tregs <CD25+>” with you');
    // The experiment's link is its landing page, through a sealed link (share-landing.test.ts).
    const url = new RegExp(`(${h.server.url}/shared\\?token=[A-Za-z0-9_-]+)`).exec(m.text ?? '')?.[1] ?? 'no link';
    expect(m.text).toContain('alice (alice@lab.test) shared an experiment with you');
    expect(m.text).toContain('Tregs <CD25+>');
    expect(m.html).toContain(`href="${url}"`);
    expect(m.html).toContain('Tregs &lt;CD25+&gt;');
    expect(m.html).not.toContain('Tregs <CD25+>');
    // The sharer gets no share notice.
    expect(inbox.messages.filter((x) => toAddress(x) === mailOf('alice'))).toEqual([]);

    const page = await follow(url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Tregs &lt;CD25+&gt;');
  });

  it('is not sent once the grantee turned share emails off, and is again once turned back on', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await connect(alice, bob);
    await waitForMail(inbox, mailOf('bob'), requestSubject('alice'));

    expect(await bob.post('/api/preferences', { shareEmails: false })).toEqual({ status: 200, body: { shareEmails: false } });
    const quiet = await alice.createExperiment('Quiet share');
    expect(await alice.intent({ type: 'share', experimentId: quiet, user: 'bob' })).toMatchObject({ ok: true });
    // A marker mail queued after the share: mail goes out oldest first, so once the marker is
    // here any share notice would have arrived before it.
    await alice.intent({ type: 'connect', email: 'marker@elsewhere.test' });
    const marker = await waitForMail(inbox, 'marker@elsewhere.test', requestSubject('alice'));
    await new Promise((r) => setTimeout(r, 300));
    const shareNotices = inbox.messages.filter((x) => /shared/.test(x.subject ?? ''));
    expect(shareNotices).toEqual([]);
    expect(inbox.messages.at(-1)).toBe(marker);
    expect(await h.server.store.pendingMailCount()).toBe(0);

    expect(await bob.post('/api/preferences', { shareEmails: true })).toEqual({ status: 200, body: { shareEmails: true } });
    const loud = await alice.createExperiment('Loud share');
    await alice.intent({ type: 'share', experimentId: loud, user: 'bob' });
    const m = await waitForMail(inbox, mailOf('bob'), /shared/);
    expect(m.subject).toBe('alice shared “Loud share” with you');
  });

  it('the preference is per grantee: turning it off for one does not silence another', async () => {
    const { h, inbox } = await setup();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    await connect(alice, bob);
    await connect(alice, carol);
    expect((await carol.post('/api/preferences', { shareEmails: false })).status).toBe(200);
    const id = await alice.createExperiment('Two grantees');
    await alice.intent({ type: 'share', experimentId: id, user: 'carol' });
    await alice.intent({ type: 'share', experimentId: id, user: 'bob' });
    // Carol's share came first, so a notice to her would have arrived before Bob's.
    await waitForMail(inbox, mailOf('bob'), 'alice shared “Two grantees” with you');
    expect(inbox.messages.filter((x) => toAddress(x) === mailOf('carol') && /shared/.test(x.subject ?? ''))).toEqual([]);
  });
});

describe('mail while the SMTP server is down', () => {
  it('waits in the queue and arrives once the SMTP server is back', async () => {
    const port = await freePort();
    h = await startHarness({ connectAll: false, smtpUrl: `smtp://127.0.0.1:${port}`, mailRetry: fastRetry });
    const alice = await h.user('alice');
    await h.user('bob');
    const server = h.server;

    // The intent is answered although the mail cannot go out.
    expect(await alice.intent({ type: 'connect', email: mailOf('bob') })).toMatchObject({ ok: true });
    expect(await server.store.pendingMailCount()).toBe(1);
    const tried = async () => (await server.store.dueMail(Number.MAX_SAFE_INTEGER, 10))[0];
    await pollUntil(async () => ((await tried())?.attempts ?? 0) >= 2, 'two failed attempts recorded');
    expect((await tried())?.lastError).toBeTruthy();
    expect(await server.store.pendingMailCount()).toBe(1);

    inbox = await startSmtp(port);
    const m = await waitForMail(inbox, mailOf('bob'), requestSubject('alice'));
    await pollUntil(async () => (await server.store.pendingMailCount()) === 0, 'the mail marked sent');
    expect(inbox.messages).toHaveLength(1);
    // The links in the late mail work.
    const res = await follow(linksOf(m).accept);
    expect(res.status).toBe(200);
    expect(await server.store.getConnection('alice', 'bob')).toMatchObject({ status: 'connected' });
  });

  it('survives an app-server restart and arrives once the SMTP server is back', async () => {
    const port = await freePort();
    h = await startHarness({ connectAll: false, smtpUrl: `smtp://127.0.0.1:${port}`, mailRetry: fastRetry });
    const alice = await h.user('alice');
    await h.user('bob');
    await h.server.store.saveConnection('alice', 'bob', 'connected', Date.now());
    const id = await alice.createExperiment('Queued notice');
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });
    expect(await alice.intent({ type: 'connect', email: 'erin@elsewhere.test' })).toMatchObject({ ok: true });
    expect(await h.server.store.pendingMailCount()).toBe(2);

    /** Attempts so far of each waiting mail, by mail id. */
    const attempts = async (s: Harness['server']) =>
      new Map((await s.store.dueMail(Number.MAX_SAFE_INTEGER, 10)).map((m) => [m.id, m.attempts] as const));
    await pollUntil(async () => [...(await attempts(h!.server)).values()].every((n) => n >= 1), 'a first failed attempt of each');
    await h.restart();
    const server = h.server;
    const before = await attempts(server);
    expect(before.size).toBe(2);
    expect(await server.store.pendingMailCount()).toBe(2);
    await pollUntil(
      async () => [...(await attempts(server))].every(([id, n]) => n > (before.get(id) ?? Infinity)),
      'retries after the restart',
    );

    inbox = await startSmtp(port);
    const share = await waitForMail(inbox, mailOf('bob'), 'alice shared “Queued notice” with you');
    expect(share.text).toContain(`${server.url}/shared?token=`);
    const request = await waitForMail(inbox, 'erin@elsewhere.test', requestSubject('alice'));
    await pollUntil(async () => (await server.store.pendingMailCount()) === 0, 'all mail marked sent');
    // Each exactly once (retries before and after the restart sent no duplicate).
    expect(inbox.messages).toHaveLength(2);
    expect(new Set(inbox.messages)).toEqual(new Set([share, request]));
  });
});

async function pollUntil(condition: () => Promise<boolean>, what: string, ms = 8_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
