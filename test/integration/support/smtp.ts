import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type Inbox = { port: number; messages: ParsedMail[]; recipients: string[][]; close(): Promise<void> };

/**
 * A real SMTP server on 127.0.0.1 that keeps every mail it receives, in arrival order. It
 * accepts any credentials; `delayMs` holds each DATA reply (to test a send in flight);
 * `refuse` maps a recipient, or a sender, to the reply code its RCPT TO or MAIL FROM gets (the
 * test may change it later).
 */
export async function startSmtp(port = 0, delayMs = 0, refuse: Record<string, number> = {}): Promise<Inbox> {
  const messages: ParsedMail[] = [];
  const recipients: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1_000,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onMailFrom(address, _session, callback) {
      const code = refuse[address.address];
      if (code === undefined) return callback();
      callback(Object.assign(new Error('sender not allowed on this relay'), { responseCode: code }));
    },
    onRcptTo(address, _session, callback) {
      const code = refuse[address.address];
      if (code === undefined) return callback();
      callback(Object.assign(new Error(code >= 500 ? `no such mailbox here: ${address.address}` : 'mailbox busy, try later'), { responseCode: code }));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
          recipients.push(session.envelope.rcptTo.map((r) => r.address));
          messages.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  const net = await new Promise<ReturnType<SMTPServer['listen']>>((resolve, reject) => {
    const s = server.listen(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  return {
    port: (net.address() as AddressInfo).port,
    messages,
    recipients,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 that nobody listens on (bound once, then released). */
export async function freePort(): Promise<number> {
  const probe = await startSmtp();
  await probe.close();
  return probe.port;
}
