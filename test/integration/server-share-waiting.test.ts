/**
 * Connect-then-share and the share mail's options, through the real server on 127.0.0.1 with a
 * real SMTP server: a share sent with `connect` to someone not connected waits for them, is
 * carried out when they accept (in the app or by the mail's link), is refused with the rules'
 * code if they no longer allow it then, or when the request is declined; the sharer's message
 * reaches the mail quoted, escaped and defanged; `notify: false` sends none. Every wait is bounded.
 */
import type { AddressObject, ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { ConnectionsRoot, docName } from '../../shared/doc-layout.ts';
import type { WaitingShareEntry } from '../../shared/schemas/connection-entry.ts';
import type { Inbox } from './support/smtp.ts';
import { waitUntil, type Harness, type TestDoc, type TestUser } from './support/harness.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

const h = useHarnessPerTest();

async function setup(connectAll: boolean, limits: { waitingSharesPerAccount?: number } = {}): Promise<{ h: Harness; inbox: Inbox }> {
  const inbox = await h.startWithInbox({ connectAll, limits });
  return { h, inbox };
}

const toAddress = (m: ParsedMail) => (m.to as AddressObject | undefined)?.value[0]?.address;
async function waitForMail(box: Inbox, to: string, subject: RegExp): Promise<ParsedMail> {
  const match = (m: ParsedMail) => toAddress(m) === to && subject.test(m.subject ?? '');
  await waitUntil(() => box.messages.some(match), `a mail to ${to}: ${String(subject)}`, 8_000);
  return box.messages.find(match) as ParsedMail;
}

async function waitingOf(user: TestUser): Promise<TestDoc> {
  const d = await user.open(docName.connections(user.username));
  await d.waitFor(() => d.provider.synced, 'connections synced');
  return d;
}
const shown = (d: TestDoc) => Object.values(d.doc.getMap(ConnectionsRoot.waitingShares).toJSON()) as WaitingShareEntry[];

async function grantsOf(t: Harness, experimentId: string): Promise<string[]> {
  return Object.keys((await t.server.store.getExperiment(experimentId))?.grants ?? {});
}

describe('a share waiting for a connection', () => {
  it('waits, sends the request, and is carried out (with its message) once bob accepts in the app', async () => {
    const { h: t, inbox: box } = await setup(false);
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const exp = await alice.createExperiment('CD4 panel');
    const aliceConn = await waitingOf(alice);

    expect(await alice.intent({ type: 'share', experimentId: exp, user: 'bob' })).toMatchObject({ ok: false, code: 'NOT_CONNECTED' });
    const result = await alice.intent({ type: 'share', experimentId: exp, user: 'bob', connect: true, message: 'The panel we discussed.' });
    expect(result).toMatchObject({ ok: true, affected: [], waitingFor: 'bob' });
    await waitForMail(box, 'bob@lab.test', /would like to connect/);
    await aliceConn.waitFor(() => shown(aliceConn).some((w) => w.user === 'bob' && w.state === 'waiting'), 'alice sees the share waiting');
    expect(await grantsOf(t, exp)).toEqual([]);
    // Named by username, bob's address is not revealed to alice by her pending request.
    expect(aliceConn.doc.getMap(ConnectionsRoot.connections).get('bob')).toMatchObject({ user: 'bob', email: '', status: 'pending', direction: 'outgoing' });

    expect(await bob.intent({ type: 'accept', user: 'alice' })).toMatchObject({ ok: true });
    expect(await grantsOf(t, exp)).toEqual(['bob']);
    const mail = await waitForMail(box, 'bob@lab.test', /shared “CD4 panel” with you/);
    expect(mail.text).toContain('> The panel we discussed.');
    await aliceConn.waitFor(() => shown(aliceConn).length === 0, 'the waiting share leaves alice’s list');
  });

  it('is carried out when bob accepts through the link in the request mail', async () => {
    const { h: t, inbox: box } = await setup(false);
    const alice = await t.user('alice');
    await t.user('bob');
    const exp = await alice.createExperiment('Tregs');
    const aliceConn = await waitingOf(alice);
    await alice.intent({ type: 'share', experimentId: exp, user: 'bob@lab.test', connect: true });
    const request = await waitForMail(box, 'bob@lab.test', /would like to connect/);
    // Named by address, the pending request shows the address alice typed.
    await aliceConn.waitFor(() => aliceConn.doc.getMap(ConnectionsRoot.connections).has('bob'), 'the pending request');
    expect(aliceConn.doc.getMap(ConnectionsRoot.connections).get('bob')).toMatchObject({ email: 'bob@lab.test' });
    const accept = /^Accept: (\S+)$/m.exec(request.text ?? '')?.[1] as string;
    const token = new URL(accept).searchParams.get('token') as string;
    const res = await fetch(new URL('/connections/respond', accept), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(token)}`,
      signal: AbortSignal.timeout(5_000),
    });
    expect(res.status).toBe(200);
    expect(await grantsOf(t, exp)).toEqual(['bob']);
  });

  it('is refused with the reason when the rules no longer allow it at acceptance', async () => {
    const { h: t } = await setup(false);
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const exp = await alice.createExperiment('Old run');
    const aliceConn = await waitingOf(alice);
    await alice.intent({ type: 'share', experimentId: exp, user: 'bob', connect: true });
    expect(await alice.intent({ type: 'trash', experimentId: exp })).toMatchObject({ ok: true });

    await bob.intent({ type: 'accept', user: 'alice' });
    expect(await grantsOf(t, exp)).toEqual([]);
    await aliceConn.waitFor(() => shown(aliceConn).some((w) => w.state === 'refused'), 'alice sees the refusal');
    expect(shown(aliceConn)).toEqual([expect.objectContaining({ experimentId: exp, user: 'bob', state: 'refused', code: 'EXPERIMENT_TRASHED' })]);
  });

  it('is refused when bob declines the request', async () => {
    const { h: t } = await setup(false);
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const exp = await alice.createExperiment('Declined');
    const aliceConn = await waitingOf(alice);
    await alice.intent({ type: 'share', experimentId: exp, user: 'bob', connect: true });
    await bob.intent({ type: 'reject', user: 'alice' });
    await aliceConn.waitFor(() => shown(aliceConn).some((w) => w.state === 'refused'), 'alice sees the refusal');
    expect(shown(aliceConn)[0]).toMatchObject({ user: 'bob', code: 'NOT_CONNECTED' });
    expect(await grantsOf(t, exp)).toEqual([]);
  });

  it('asking again does not send a second request or hold a second share', async () => {
    const { h: t, inbox: box } = await setup(false);
    const alice = await t.user('alice');
    await t.user('bob');
    const exp = await alice.createExperiment('Twice');
    await alice.intent({ type: 'share', experimentId: exp, user: 'bob', connect: true });
    expect(await alice.intent({ type: 'share', experimentId: exp, user: 'bob', connect: true })).toMatchObject({ ok: true, waitingFor: 'bob' });
    await waitForMail(box, 'bob@lab.test', /would like to connect/);
    expect((await t.server.store.waitingShares({ sharer: 'alice' })).length).toBe(1);
    expect(box.messages.filter((m) => /would like to connect/.test(m.subject ?? '')).length).toBe(1);
  });
});

describe('a share with connect, in other states of the pair', () => {
  it('applies at once when bob had asked alice first (asking back answers his request)', async () => {
    const { h: t } = await setup(false);
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const exp = await alice.createExperiment('Asked first');
    await bob.intent({ type: 'connect', email: 'alice@lab.test' });
    const result = await alice.intent({ type: 'share', experimentId: exp, user: 'bob', connect: true });
    expect(result).toMatchObject({ ok: true, affected: [exp] });
    expect(result).not.toHaveProperty('waitingFor');
    expect(await grantsOf(t, exp)).toEqual(['bob']);
    expect(await t.server.store.waitingShares({ sharer: 'alice' })).toEqual([]);
  });

  it('refuses TOO_MANY_WAITING_SHARES past the limit, and sends no request for it', async () => {
    const { h: t, inbox: box } = await setup(false, { waitingSharesPerAccount: 1 });
    const alice = await t.user('alice');
    await t.user('bob');
    await t.user('carol');
    const exp = await alice.createExperiment('Limited');
    expect(await alice.intent({ type: 'share', experimentId: exp, user: 'bob', connect: true })).toMatchObject({ ok: true, waitingFor: 'bob' });
    expect(await alice.intent({ type: 'share', experimentId: exp, user: 'carol', connect: true })).toMatchObject({ ok: false, code: 'TOO_MANY_WAITING_SHARES' });
    await waitForMail(box, 'bob@lab.test', /would like to connect/);
    expect(box.messages.filter((m) => toAddress(m) === 'carol@lab.test')).toEqual([]);
  });
});

describe('the share mail', () => {
  it('quotes a hostile message as text: escaped in HTML, links defanged, nothing in the headers', async () => {
    const { h: t, inbox: box } = await setup(true);
    const alice = await t.user('alice');
    await t.user('bob');
    const exp = await alice.createExperiment('Mail test');
    const hostile = `<a href="https://evil.example/x">Accept</a>\nVisit ${t.server.url}/connections/respond?token=abc\nBcc: eve@evil.example`;
    expect(await alice.intent({ type: 'share', experimentId: exp, user: 'bob', message: hostile })).toMatchObject({ ok: true });
    const mail = await waitForMail(box, 'bob@lab.test', /shared/);
    expect(mail.html).toContain('&lt;a href=&quot;https[:]//evil[.]example/x&quot;&gt;');
    expect(mail.html).not.toContain('href="https://evil');
    // The one live link is ours, to the experiment's landing page; the message's look-alike is not a link.
    expect(String(mail.html).match(/href="/g)).toHaveLength(1);
    expect(mail.html).toContain(`href="${t.server.url}/shared?token=`);
    expect(mail.text).toContain('> Visit http[:]//127[.]0[.]0[.]1');
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.subject).toBe('alice shared “Mail test” with you');
  });

  it('refuses a message over the bound, and sends none with notify off', async () => {
    const { h: t, inbox: box } = await setup(true);
    const alice = await t.user('alice');
    await t.user('bob');
    await t.user('carol');
    const exp = await alice.createExperiment('Quiet');
    const tooLong = await alice.post('/api/intents', { id: 'draft-toolong1', type: 'share', experimentId: exp, user: 'bob', message: 'x'.repeat(501) });
    expect(tooLong.status).toBe(400);
    expect(await alice.intent({ type: 'share', experimentId: exp, user: 'bob', notify: false })).toMatchObject({ ok: true, affected: [exp] });
    // A later share's mail is the barrier: the queue sends in order.
    await alice.intent({ type: 'share', experimentId: exp, user: 'carol' });
    await waitForMail(box, 'carol@lab.test', /shared/);
    expect(box.messages.filter((m) => toAddress(m) === 'bob@lab.test')).toEqual([]);
  });
});
