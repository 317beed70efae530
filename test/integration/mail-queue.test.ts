/**
 * The mail queue against a real SMTP server (smtp-server on 127.0.0.1) and against the outbox
 * folder: delivery, a server that is down and comes back, a restart over the same data folder,
 * and a stop that waits for the send in flight. Every wait is bounded.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { freePort, startSmtp, type Inbox } from './support/smtp.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../sync-server/log.ts';
import { createMailQueue, type MailQueue, type MailQueueOptions } from '../../sync-server/mail/mail-queue.ts';
import { connectionRequest, shareNotification } from '../../sync-server/mail/templates.ts';
import { DATABASE_FILE, openSqliteStore } from '../../sync-server/store/sqlite-store.ts';
import type { Store } from '../../sync-server/store/store.ts';

const FROM = 'Cytoshare <noreply@cytoshare.test>';
const PASSWORD = 's3cret-smtp-pass';
const fastRetry = { baseMs: 50, maxMs: 200 };


async function waitFor(condition: () => boolean | Promise<boolean>, label: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const allPending = (store: Store) => store.dueMail(Number.MAX_SAFE_INTEGER, 100);
const toAddress = (mail: ParsedMail) => (mail.to as AddressObject | undefined)?.value[0]?.address;

let dataDir: string;
let store: Store;
let logLines: string[];
const cleanups: (() => Promise<void>)[] = [];

function queue(options: Partial<MailQueueOptions> = {}): MailQueue {
  const q = createMailQueue({ store, dataDir, from: FROM, log: createLogger((l) => logLines.push(l)), retry: fastRetry, ...options });
  cleanups.push(() => q.stop());
  return q;
}

function smtp(inbox: Inbox): Inbox {
  cleanups.push(() => inbox.close());
  return inbox;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cytoshare-mail-'));
  store = openSqliteStore(dataDir);
  logLines = [];
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await store.close().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
});

const share = shareNotification({
  publicUrl: 'http://127.0.0.1:8080',
  sharer: { username: 'alice', email: 'alice@example.org' },
  experiments: [{ id: 'exp-42', name: 'Tregs <CD25+>' }],
});
const link = 'http://127.0.0.1:8080/experiments/exp-42';

describe('mail queue over SMTP', () => {
  it('delivers a queued share notification with its recipient, subject, text and link', async () => {
    const inbox = smtp(await startSmtp());
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${inbox.port}` });
    q.start();
    await q.send({ to: 'bob@example.org', ...share });
    await waitFor(() => inbox.messages.length === 1, 'the mail to arrive');

    const mail = inbox.messages[0]!;
    expect(inbox.recipients[0]).toEqual(['bob@example.org']);
    expect(toAddress(mail)).toBe('bob@example.org');
    expect(mail.from?.value[0]?.address).toBe('noreply@cytoshare.test');
    expect(mail.subject).toBe('alice shared “Tregs <CD25+>” with you');
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).toContain('Tregs &lt;CD25+&gt;');
    await waitFor(async () => (await store.pendingMailCount()) === 0, 'the mail marked sent');
  });

  it('keeps no body of a sent mail (its links and codes), only recipient, subject and times', async () => {
    const inbox = smtp(await startSmtp());
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${inbox.port}` });
    q.start();
    await q.send({ to: 'bob@example.org', ...share });
    await waitFor(async () => (await store.pendingMailCount()) === 0, 'the mail marked sent');
    expect(inbox.messages[0]?.text).toContain(link);
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      const rows = db.prepare('SELECT to_addr, subject, text_body, html_body, sent_at FROM mail_outbox').all();
      expect(rows).toEqual([{ to_addr: 'bob@example.org', subject: share.subject, text_body: '', html_body: null, sent_at: expect.any(Number) }]);
    } finally {
      db.close();
    }
  });

  it('carries both links of a connection request', async () => {
    const inbox = smtp(await startSmtp());
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${inbox.port}` });
    const acceptUrl = 'http://127.0.0.1:8080/connect/accept?token=abc';
    const rejectUrl = 'http://127.0.0.1:8080/connect/reject?token=def';
    await q.send({ to: 'carol@example.org', ...connectionRequest({ fromUser: 'bob', fromEmail: 'bob@example.org', acceptUrl, rejectUrl }) });
    await q.drain();

    expect(inbox.messages).toHaveLength(1);
    const mail = inbox.messages[0]!;
    expect(mail.subject).toBe('bob would like to connect with you on Cytoshare');
    expect(mail.text).toContain(acceptUrl);
    expect(mail.text).toContain(rejectUrl);
    expect(mail.html).toContain(`href="${acceptUrl}"`);
    expect(mail.html).toContain(`href="${rejectUrl}"`);
  });

  it('keeps mail queued while the SMTP server is down, records the error, and delivers once it is up', async () => {
    const port = await freePort();
    const q = queue({ smtpUrl: `smtp://mailer:${PASSWORD}@127.0.0.1:${port}` });
    q.start();
    await q.send({ to: 'bob@example.org', ...share });
    await waitFor(async () => ((await allPending(store))[0]?.attempts ?? 0) >= 2, 'two failed attempts');

    const [pending] = await allPending(store);
    expect(pending?.sentAt).toBeNull();
    expect(pending?.lastError).toMatch(/ECONNREFUSED/);
    expect(await store.pendingMailCount()).toBe(1);

    const inbox = smtp(await startSmtp(port));
    await waitFor(() => inbox.messages.length === 1, 'the mail to arrive after the server came up');
    expect(toAddress(inbox.messages[0]!)).toBe('bob@example.org');
    expect(inbox.messages[0]!.text).toContain(link);
    await waitFor(async () => (await store.pendingMailCount()) === 0, 'the mail marked sent');

    const log = logLines.join('\n');
    expect(log).toContain('mail.failed');
    expect(log).toContain(`smtp://127.0.0.1:${port}`);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain('mailer:');
    expect(log).not.toContain(link);
    expect(log).not.toContain('Tregs');
  });

  it('delivers unsent mail after a restart over the same data folder', async () => {
    const port = await freePort();
    const first = queue({ smtpUrl: `smtp://127.0.0.1:${port}` });
    first.start();
    await first.send({ to: 'bob@example.org', ...share });
    await waitFor(async () => ((await allPending(store))[0]?.attempts ?? 0) >= 1, 'a failed attempt');
    // Stored before `send` resolved, even with no worker running.
    const quiet = queue({ smtpUrl: `smtp://127.0.0.1:${port}` });
    await quiet.send({ to: 'carol@example.org', subject: 'Second', text: 'plain only' });
    await first.stop();
    await quiet.stop();
    await store.close();

    const inbox = smtp(await startSmtp(port));
    store = openSqliteStore(dataDir);
    expect(await store.pendingMailCount()).toBe(2);
    queue({ smtpUrl: `smtp://127.0.0.1:${port}` }).start();
    await waitFor(() => inbox.messages.length === 2, 'both mails to arrive after the restart');
    expect(inbox.messages.map(toAddress).sort()).toEqual(['bob@example.org', 'carol@example.org']);
    expect(inbox.messages.find((m) => m.subject === 'Second')?.text?.trim()).toBe('plain only');
    await waitFor(async () => (await store.pendingMailCount()) === 0, 'both marked sent');
  });

  it('stops cleanly: waits for the send in flight, and sends nothing after', async () => {
    const inbox = smtp(await startSmtp(0, 300));
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${inbox.port}` });
    q.start();
    await q.send({ to: 'bob@example.org', ...share });
    await new Promise((r) => setTimeout(r, 100)); // the send is now in flight, held by the server
    await q.stop();
    expect(inbox.messages).toHaveLength(1);
    expect(await store.pendingMailCount()).toBe(0);

    await q.send({ to: 'carol@example.org', subject: 'After stop', text: 'kept for later' });
    await new Promise((r) => setTimeout(r, 200));
    expect(inbox.messages).toHaveLength(1);
    expect(await store.pendingMailCount()).toBe(1);
  });

  it('gives up a mail the SMTP server refuses for good, keeps it for the admin, and goes on with the rest', async () => {
    const inbox = smtp(await startSmtp(0, 0, { 'gone@example.org': 550 }));
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${inbox.port}` });
    q.start();
    await q.send({ to: 'gone@example.org', ...share });
    await q.send({ to: 'bob@example.org', ...share });
    await waitFor(() => inbox.messages.length === 1, 'the deliverable mail to arrive');
    await waitFor(async () => (await store.undeliverableMail(10)).length === 1, 'the refused mail given up');
    // Several retry periods later it has still been tried only once.
    await new Promise((r) => setTimeout(r, fastRetry.maxMs * 3));
    const [given] = await store.undeliverableMail(10);
    expect(given).toMatchObject({ to: 'gone@example.org', attempts: 1, sentAt: null });
    expect(given?.givenUpAt).toEqual(expect.any(Number));
    expect(given?.lastError).toMatch(/550/);
    expect(await store.pendingMailCount()).toBe(0);
    expect(inbox.recipients).toEqual([['bob@example.org']]);
    expect(logLines.join('\n')).toContain('mail.undeliverable');
    expect(logLines.join('\n')).not.toContain('gone@example.org');
  });

  it('sends a given-up mail once the admin queues it again', async () => {
    const refuse: Record<string, number> = { 'gone@example.org': 550 };
    const inbox = smtp(await startSmtp(0, 0, refuse));
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${inbox.port}` });
    await q.send({ to: 'gone@example.org', ...share });
    await q.drain();
    const [given] = await store.undeliverableMail(10);
    expect(given?.to).toBe('gone@example.org');
    delete refuse['gone@example.org']; // the mailbox exists now
    expect(await store.requeueMail(given!.id, Date.now())).toBe(true);
    expect(await store.requeueMail(given!.id, Date.now())).toBe(false);
    await q.drain();
    expect(inbox.recipients).toEqual([['gone@example.org']]);
    expect(await store.pendingMailCount()).toBe(0);
    expect(await store.undeliverableMail(10)).toEqual([]);
  });

  it('keeps retrying when the relay refuses the sender for good: that is its set-up, not the mail', async () => {
    const refuse: Record<string, number> = { 'noreply@cytoshare.test': 553 };
    const inbox = smtp(await startSmtp(0, 0, refuse));
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${inbox.port}` });
    q.start();
    await q.send({ to: 'bob@example.org', ...share });
    await waitFor(async () => ((await allPending(store))[0]?.attempts ?? 0) >= 2, 'two refused attempts');
    expect((await allPending(store))[0]?.lastError).toMatch(/553/);
    expect(await store.undeliverableMail(10)).toEqual([]);
    delete refuse['noreply@cytoshare.test'];
    await waitFor(() => inbox.messages.length === 1, 'the mail to arrive once the relay takes the sender');
  });

  it('retries a mail refused for now (4xx) and delivers it once the server takes it', async () => {
    const refuse: Record<string, number> = { 'bob@example.org': 451 };
    const inbox = smtp(await startSmtp(0, 0, refuse));
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${inbox.port}` });
    q.start();
    await q.send({ to: 'bob@example.org', ...share });
    await waitFor(async () => ((await allPending(store))[0]?.attempts ?? 0) >= 2, 'two refused attempts');
    expect((await allPending(store))[0]?.lastError).toMatch(/451/);
    delete refuse['bob@example.org'];
    await waitFor(() => inbox.messages.length === 1, 'the mail to arrive once accepted');
    expect(await store.undeliverableMail(10)).toEqual([]);
  });

  it('gives up a mail still failing after the maximum age', async () => {
    let clock = 1_000_000;
    const port = await freePort();
    const q = queue({ smtpUrl: `smtp://127.0.0.1:${port}`, now: () => clock, maxAgeMs: 60_000 });
    await q.send({ to: 'bob@example.org', ...share });
    await q.drain();
    expect((await allPending(store))[0]?.attempts).toBe(1);
    clock += 61_000;
    await q.drain();
    expect(await store.pendingMailCount()).toBe(0);
    const [given] = await store.undeliverableMail(10);
    expect(given).toMatchObject({ to: 'bob@example.org', attempts: 2, givenUpAt: clock });
    expect(given?.lastError).toMatch(/ECONNREFUSED/);
  });

  it('refuses a malformed message before storing it', async () => {
    const q = queue({ smtpUrl: 'smtp://127.0.0.1:1' });
    await expect(q.send({ to: 'not an address', subject: 'x', text: 'y' })).rejects.toThrow();
    await expect(q.send({ to: 'bob@example.org', subject: '', text: 'y' })).rejects.toThrow();
    expect(await store.pendingMailCount()).toBe(0);
  });
});

describe('mail queue with no SMTP configured', () => {
  it('writes each mail as an .eml file in <dataDir>/outbox and marks it sent', async () => {
    const q = queue();
    q.start();
    await q.send({ to: 'bob@example.org', ...share });
    const outbox = join(dataDir, 'outbox');
    await waitFor(async () => (await readdir(outbox).catch(() => [])).some((f) => f.endsWith('.eml')), 'an .eml file');

    const files = await readdir(outbox);
    expect(files).toHaveLength(1); // no temp file left behind
    expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z-1\.eml$/);
    const raw = await readFile(join(outbox, files[0]!));
    expect(raw.toString('latin1')).toContain('\r\n');
    const mail = await simpleParser(raw);
    expect(toAddress(mail)).toBe('bob@example.org');
    expect(mail.from?.value[0]?.address).toBe('noreply@cytoshare.test');
    expect(mail.subject).toBe(share.subject);
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    await waitFor(async () => (await store.pendingMailCount()) === 0, 'the mail marked sent');
    expect(logLines.join('\n')).toContain('"via":"outbox"');
    // The file is the delivery and holds the links: the server's user only.
    expect((await stat(join(outbox, files[0]!))).mode & 0o777).toBe(0o600);
  });
});
