/**
 * Where queued mail goes: an SMTP server (nodemailer, from a URL), or with no SMTP configured an
 * outbox folder of RFC 822 `.eml` files in the data directory, so a default install loses nothing.
 * Both sit behind `MailTransport`; the queue never knows which one it drives.
 */
import nodemailer from 'nodemailer';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type OutgoingMail = { id: number; from: string; to: string; subject: string; text: string; html: string | null };

export type MailTransport = {
  /** For logs: `smtp:<host>:<port>` or `outbox`, never credentials. */
  readonly describe: string;
  /**
   * Resolves once the mail is handed over for good. Rejects with `MailRefused` when trying again
   * cannot help, with any other error when a later attempt may succeed.
   */
  deliver(mail: OutgoingMail): Promise<void>;
  close(): void;
};

/**
 * The SMTP server refused this mail itself, with a permanent (5xx) reply to its recipient
 * (`RCPT TO`) or its content (`DATA`): the same mail would be refused again. A refusal of the
 * connection, the login or the sender (`MAIL FROM`: missing credentials, a From address the
 * relay will not take) is the server's set-up, not the mail's; it stays a temporary failure,
 * so the queue goes on once the admin fixes it.
 */
export class MailRefused extends Error {
  readonly code: string;
  readonly responseCode: number;
  constructor(smtp: { code?: unknown; responseCode: number; message: string }) {
    super(smtp.message);
    this.name = 'MailRefused';
    this.code = typeof smtp.code === 'string' ? smtp.code : 'EENVELOPE';
    this.responseCode = smtp.responseCode;
  }
}

type SmtpFailure = { code?: unknown; responseCode?: unknown; message?: unknown; command?: unknown };

/** The error as `MailRefused` when nodemailer reports a permanent refusal of this mail, else as it is. */
function classify(error: unknown): unknown {
  const e = error as SmtpFailure | null;
  const permanent = typeof e?.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
  const ofThisMail = e?.command === 'RCPT TO' || e?.command === 'DATA';
  if (!permanent || !ofThisMail || typeof e?.message !== 'string') return error;
  return new MailRefused({ code: e.code, responseCode: e.responseCode as number, message: e.message });
}

/** Timeouts short enough that `stop()` never waits minutes on a dead server. */
const smtpTimeouts = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000, dnsTimeout: 15_000 };

/** `smtp://user:pass@host:25` → `smtp://host:25`: the only form of the URL that may be logged. */
export function smtpHostOnly(smtpUrl: string): string {
  try {
    const u = new URL(smtpUrl);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(unparsable SMTP URL)';
  }
}

const message = (mail: OutgoingMail) => ({
  from: mail.from,
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  ...(mail.html === null ? {} : { html: mail.html }),
});

export function smtpTransport(smtpUrl: string): MailTransport {
  const transport = nodemailer.createTransport({ url: smtpUrl, ...smtpTimeouts });
  return {
    describe: smtpHostOnly(smtpUrl),
    async deliver(mail) {
      const info = await transport.sendMail(message(mail)).catch((error: unknown) => {
        throw classify(error);
      });
      // A server may accept the transaction yet refuse the one recipient.
      if (info.rejected.length > 0) {
        const why = (info.rejectedErrors as SmtpFailure[] | undefined)?.[0];
        const rejected = Object.assign(new Error(`recipient rejected: ${info.response}`), { code: 'EENVELOPE', responseCode: why?.responseCode, command: 'RCPT TO' });
        throw classify(rejected);
      }
    },
    close: () => transport.close(),
  };
}

/**
 * Writes `<outboxDir>/<UTC timestamp>-<mail id>.eml`. The temp file and the rename make a reader
 * (or a crash) never see half a message. Delivery is at least once: a crash between the rename
 * and `markMailSent` writes the mail again on restart, as a second file with the same mail id.
 * Files are mode 0600 (folder 0700): they hold verification codes and connection links, which
 * the database keeps only as hashes once the mail is sent.
 */
export function outboxTransport(outboxDir: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    describe: 'outbox',
    async deliver(mail) {
      const info = await composer.sendMail(message(mail));
      if (!Buffer.isBuffer(info.message)) throw new Error('stream transport did not buffer the message');
      // The files hold codes and links as they are the delivery: for the server's user only.
      await mkdir(outboxDir, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = `${stamp}-${mail.id}.eml`;
      const temp = join(outboxDir, `.${name}.${randomUUID()}.tmp`);
      await writeFile(temp, info.message, { mode: 0o600 });
      await rename(temp, join(outboxDir, name));
    },
    close: () => composer.close(),
  };
}
