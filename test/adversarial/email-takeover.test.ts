/**
 * Attack 8: taking over someone's address by signing up with it. Alice asks carol@lab.org to
 * connect; eve signs up with carol@lab.org before Carol does. Through the real server (and a
 * real SMTP server on 127.0.0.1 standing in for Carol's mailbox): eve never sees the request,
 * a share "to carol@lab.org" never reaches her, she cannot prove the address without the code
 * (guessing is bounded), and once the real Carol proves it, what waited for it is hers. Every
 * wait is bounded; both servers stop in afterEach.
 */
import type { AddressObject, ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionsRoot, docName } from '../../shared/doc-layout.ts';
import type { WhoAmI } from '../../shared/schemas/api.ts';
import type { ConnectionEntry } from '../../shared/schemas/connection-entry.ts';
import { openDoc, waitUntil, type Harness, type TestDoc, type TestUser } from '../integration/support/harness.ts';
import { useHarnessPerTest } from '../integration/support/use-harness.ts';
import type { Inbox } from '../integration/support/smtp.ts';

const CAROL = 'carol@lab.org';
const PASSWORD = 'correct horse battery';

const h = useHarnessPerTest();
const docs: TestDoc[] = [];
afterEach(async () => {
  for (const d of docs.splice(0)) d.destroy();
});

async function setup(limits: Record<string, number> = {}): Promise<{ h: Harness; inbox: Inbox }> {
  const inbox = await h.startWithInbox({ connectAll: false, limits });
  return { h, inbox };
}

type Account = { username: string; token: string; call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> };

async function signup(server: string, username: string, email: string): Promise<Account> {
  const res = await fetch(`${server}/api/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, email, password: PASSWORD }),
  });
  expect(res.status, `sign-up of ${username}`).toBe(201);
  const { token } = (await res.json()) as { token: string };
  return {
    username,
    token,
    async call(method, path, body) {
      const r = await fetch(`${server}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await r.text();
      return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
  };
}

const toAddress = (m: ParsedMail) => (m.to as AddressObject | undefined)?.value[0]?.address;

async function mailsTo(box: Inbox, to: string, count: number): Promise<ParsedMail[]> {
  await waitUntil(() => box.messages.filter((m) => toAddress(m) === to).length >= count, `${count} mail(s) to ${to}`, 8_000);
  return box.messages.filter((m) => toAddress(m) === to);
}

const codeIn = (m: ParsedMail) => /cytoshare verify ([A-Z0-9-]+)/.exec(m.text ?? '')?.[1];

async function connectionsDoc(h: Harness, username: string, token: string): Promise<() => Record<string, ConnectionEntry>> {
  const d = openDoc(h.server.url, docName.connections(username), token);
  docs.push(d);
  await d.waitFor(() => d.provider.synced, `conn-${username} synced`);
  return () => d.doc.getMap(ConnectionsRoot.connections).toJSON() as Record<string, ConnectionEntry>;
}

describe('signing up with someone else’s address (attack 8)', () => {
  it('eve never gets what is addressed to carol@lab.org; the real Carol does once she proves it', async () => {
    const { h, inbox } = await setup();
    const alice: TestUser = await h.user('alice');
    expect(await alice.intent({ type: 'connect', email: CAROL })).toMatchObject({ ok: true });
    const [requestMail] = await mailsTo(inbox, CAROL, 1);
    const acceptLink = /^Accept: (\S+)$/m.exec(requestMail?.text ?? '')?.[1] as string;
    expect(acceptLink).toBeDefined();

    const eve = await signup(h.server.url, 'eve', CAROL);
    const eveWho = (await eve.call('GET', '/api/whoami')).body as WhoAmI;
    expect(eveWho).toMatchObject({ email: '', emailVerified: false, pendingEmail: CAROL });

    // Eve's own list shows no request, and she cannot answer one.
    const eveList = await connectionsDoc(h, 'eve', eve.token);
    expect(eveList()).toEqual({});
    const accept = await eve.call('POST', '/api/intents', { id: 'draft-eve-accept-1', type: 'accept', user: 'alice' });
    expect(accept.body).toMatchObject({ ok: false, code: 'NO_PENDING_REQUEST' });
    // Nor does the mail's accept link (in Carol's mailbox) answer for eve's account.
    const linkPage = await fetch(acceptLink);
    const linkText = await linkPage.text();
    expect(linkPage.status).toBe(409);
    expect(linkText).not.toContain('name="token"');
    expect(await h.server.store.getConnection('alice', 'eve')).toBeNull();

    // Even connected with her, a share addressed to carol@lab.org does not land on eve's account.
    await h.server.store.saveConnection('alice', 'eve', 'connected', Date.now());
    const exp = await alice.createExperiment('Tregs for Carol');
    expect(await alice.intent({ type: 'share', experimentId: exp, user: CAROL })).toMatchObject({ ok: false, code: 'UNKNOWN_USER' });
    expect(await h.server.store.experimentsOf('eve')).not.toContain(exp);

    // Without the code mailed to Carol, eve cannot prove the address: every guess is refused,
    // and after the bound even the right code is.
    const [, codeMail] = await mailsTo(inbox, CAROL, 2);
    const evesCode = codeIn(codeMail as ParsedMail);
    expect(evesCode).toBeDefined();
    const refusals: unknown[] = [];
    for (let i = 0; i < h.server.limits.verifyAttemptsPerCode; i++) {
      refusals.push((await eve.call('POST', '/api/verify', { code: `WRONG-${i}AAAA` })).body.code);
    }
    expect(refusals).toEqual(Array(h.server.limits.verifyAttemptsPerCode).fill('VERIFICATION_INVALID'));
    const locked = await eve.call('POST', '/api/verify', { code: evesCode });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('TOO_MANY_ATTEMPTS');
    expect(((await eve.call('GET', '/api/whoami')).body as WhoAmI).emailVerified).toBe(false);

    // The real Carol signs up with her address (eve's unproved claim does not block her), gets
    // her own code, and proves it.
    const carol = await signup(h.server.url, 'carol', CAROL);
    const [, , carolsMail] = await mailsTo(inbox, CAROL, 3);
    const code = codeIn(carolsMail as ParsedMail) as string;
    const proved = await carol.call('POST', '/api/verify', { code });
    expect(proved.status).toBe(200);
    expect(proved.body).toMatchObject({ email: CAROL, emailVerified: true, pendingEmail: null });

    // What waited for carol@lab.org is now Carol's, and eve's claim is gone.
    const carolList = await connectionsDoc(h, 'carol', carol.token);
    await waitUntil(() => carolList().alice?.direction === 'incoming', 'alice’s request on carol’s list');
    expect(await carol.call('POST', '/api/intents', { id: 'draft-carol-accept-1', type: 'accept', user: 'alice' })).toMatchObject({ body: { ok: true } });
    expect(await alice.intent({ type: 'share', experimentId: exp, user: CAROL })).toMatchObject({ ok: true });
    expect(await h.server.store.experimentsOf('carol')).toContain(exp);
    expect(((await eve.call('GET', '/api/whoami')).body as WhoAmI).pendingEmail).toBeNull();
    expect(await h.server.store.experimentsOf('eve')).not.toContain(exp);

    // A used code is dead.
    const again = await carol.call('POST', '/api/verify', { code });
    expect(again.body.code).toBe('VERIFICATION_INVALID');
  });

  it('the mail’s link only asks; its button proves, once (a scanner that opens links proves nothing)', async () => {
    const { h, inbox } = await setup();
    const dora = await signup(h.server.url, 'dora', 'dora@lab.org');
    const [mail] = await mailsTo(inbox, 'dora@lab.org', 1);
    const url = /Or open this link and press Confirm: (\S+)/.exec(mail?.text ?? '')?.[1] as string;
    expect(url).toMatch(/\/verify\?token=/);
    expect(mail?.html).toContain(`href="${url}"`);

    const page = await fetch(url);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('dora@lab.org');
    expect(((await dora.call('GET', '/api/whoami')).body as WhoAmI).emailVerified).toBe(false);

    const token = /name="token" value="([^"]+)"/.exec(html)?.[1] as string;
    const post = () =>
      fetch(new URL('/verify', url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    const done = await post();
    expect(done.status).toBe(200);
    expect(((await dora.call('GET', '/api/whoami')).body as WhoAmI)).toMatchObject({ email: 'dora@lab.org', emailVerified: true });
    expect((await post()).status).toBe(404);
  });

  it('sign-up with an address that has an account answers as for a free one; the owner is told, the asker can never prove it', async () => {
    const { h, inbox } = await setup();
    await h.user('alice');
    const mallory = await signup(h.server.url, 'mallory', 'alice@lab.test');
    expect(((await mallory.call('GET', '/api/whoami')).body as WhoAmI)).toMatchObject({ emailVerified: false, pendingEmail: 'alice@lab.test' });
    const [notice] = await mailsTo(inbox, 'alice@lab.test', 1);
    expect(notice?.subject).toBe('Someone tried to use your address on Cytoshare');
    expect(codeIn(notice as ParsedMail)).toBeUndefined();
    expect((await mallory.call('POST', '/api/verify', { code: 'ABCDE-FGHJK' })).body.code).toBe('VERIFICATION_INVALID');
  });

  it('a connection request gets the same answer whether or not an account has the address', async () => {
    const { h } = await setup();
    const alice = await h.user('alice');
    await h.user('bob');
    await signup(h.server.url, 'eve', 'eve@lab.org'); // an account that never proved its address
    const answers = [];
    for (const email of ['bob@lab.test', 'nobody@lab.test', 'eve@lab.org']) {
      const { draftId: _draft, ...rest } = await alice.intent({ type: 'connect', email });
      answers.push(rest);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('an account that has proved no address cannot send connection requests in anyone’s name', async () => {
    const { h } = await setup();
    const eve = await signup(h.server.url, 'eve', CAROL);
    const asked = await eve.call('POST', '/api/intents', { id: 'draft-eve-connect-1', type: 'connect', email: 'alice@lab.test' });
    expect(asked.body).toMatchObject({ ok: false, code: 'EMAIL_NOT_VERIFIED' });
  });

  it('new codes are bounded per account per day (no mail bombing through the code mail), also across cancelled changes', async () => {
    const { h, inbox } = await setup({ verifyMailsPerDay: 2 });
    const eve = await signup(h.server.url, 'eve', 'eve@lab.org'); // mail 1
    expect((await eve.call('POST', '/api/email', { email: 'victim@lab.org' })).status).toBe(200); // mail 2
    const third = await eve.call('POST', '/api/email', { email: 'victim@lab.org' });
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('TOO_MANY_ATTEMPTS');

    // Asking for one's own address drops the pending change but does not give the budget back.
    const mallory = await h.user('mallory');
    for (let i = 0; i < 2; i++) {
      expect((await mallory.post('/api/email', { email: 'victim@lab.org' })).status).toBe(200);
      expect((await mallory.post('/api/email', { email: 'mallory@lab.test' })).body).toMatchObject({ pendingEmail: null });
    }
    expect((await mallory.post('/api/email', { email: 'victim@lab.org' })).body).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    await mailsTo(inbox, 'victim@lab.org', 3);
    expect(inbox.messages.filter((m) => toAddress(m) === 'victim@lab.org')).toHaveLength(3);
  });

  it('mails to one address are capped per day across many accounts; the askers cannot tell', async () => {
    const { h, inbox } = await setup({ verifyMailsPerAddressPerDay: 3 });
    const answers: Array<{ status: number; body: unknown }> = [];
    for (let i = 0; i < 6; i++) answers.push(await (await h.user(`bomber${i}`)).post('/api/email', { email: 'victim@lab.org' }));
    // Every asker gets the same answer, mailed or not.
    for (const a of answers) expect(a).toMatchObject({ status: 200, body: { pendingEmail: 'victim@lab.org' } });
    // A mail queued after all of them arrives: the queue has delivered what it was given.
    expect((await (await h.user('marker')).post('/api/email', { email: 'other@lab.org' })).status).toBe(200);
    await mailsTo(inbox, 'other@lab.org', 1);
    expect(inbox.messages.filter((m) => toAddress(m) === 'victim@lab.org')).toHaveLength(3);
  });
});
