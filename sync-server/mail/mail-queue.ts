/**
 * The durable mail queue. `send` writes the mail into the store first and only then wakes the
 * worker, so a mail exists in the database before anyone is told it was sent; a crash, a dead
 * SMTP server or a restart only delays it. The worker takes due mail oldest first, hands each to
 * the transport, and on failure records the error and the next attempt at
 * `min(max, base · 2^attempts)`. It gives a mail up, keeping it for the admin to see, when the
 * SMTP server refuses it for good (a 5xx reply) or when it is still unsent after `maxAgeMs`. At most one pass runs at a time; `stop` clears the timer and
 * waits for the pass in flight.
 *
 * Logs carry mail ids, the recipient's domain, attempt counts and the SMTP host; never bodies,
 * links, subjects (they name experiments) or the SMTP URL (it may hold a password).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { Email } from '../../shared/schemas/entities.ts';
import type { Logger } from '../log.ts';
import type { MailRecord, Store } from '../store/store.ts';
import { MailRefused, outboxTransport, smtpTransport, type MailTransport } from './transports.ts';

export type RetryPolicy = { baseMs: number; maxMs: number };

export type MailQueueOptions = {
  store: Pick<Store, 'enqueueMail' | 'dueMail' | 'claimMail' | 'markMailSent' | 'markMailFailed' | 'markMailGivenUp'>;
  dataDir: string;
  /** `smtp://host:port` or `smtps://user:pass@host:465`; absent: write `.eml` files to `<dataDir>/outbox/`. */
  smtpUrl?: string;
  from: string;
  log: Logger;
  retry?: Partial<RetryPolicy>;
  /** How long a mail that keeps failing is tried before it is given up (default 4 days, as MTAs do). */
  maxAgeMs?: number;
  /** Longest sleep between passes, a safety net for mail enqueued by another process. */
  pollMs?: number;
  /** For tests: the clock. */
  now?: () => number;
};

export type MailMessage = { to: string; subject: string; text: string; html?: string };

export type MailQueue = {
  /** Resolves once the mail is stored; delivery happens in the background. Throws on a malformed message. */
  send(message: MailMessage): Promise<void>;
  /** Attempts every mail due now, and resolves when done (also when the queue is not started). */
  drain(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
};

export const defaultRetry: RetryPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };
const defaultMaxAgeMs = 4 * 24 * 60 * 60_000;
const defaultPollMs = 60_000;
const batchSize = 20;
const minWaitMs = 5;
/**
 * How long a mail taken by one sender is left to it (see `Store.claimMail`): several server nodes
 * poll one queue. Far longer than a delivery takes; a node that dies mid-delivery leaves its mail
 * to the others after that.
 */
const claimMs = 5 * 60_000;

const messageSchema = z.strictObject({
  to: Email,
  subject: z.string().min(1).max(998),
  text: z.string(),
  html: z.string().optional(),
});

/** Delay before the next attempt of a mail that has failed `attempts` times before this failure. */
export function retryDelay(attempts: number, retry: RetryPolicy): number {
  return Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(attempts, 52));
}

/** An error as one short line for the database and the log, with the SMTP credentials cut out should one ever be echoed. */
function describeError(error: unknown, secrets: string[]): string {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown } | null;
  const parts = [e?.code, e?.responseCode, typeof e?.message === 'string' ? e.message : String(error)];
  let line = parts.filter((p) => p !== undefined && p !== null && p !== '').join(' ').replace(/\s+/g, ' ');
  for (const secret of secrets) line = line.split(secret).join('[redacted]');
  return line.slice(0, 300);
}

/** The password and user name of an SMTP URL, raw and decoded, for `describeError` to cut out. */
function credentialsOf(smtpUrl: string | undefined): string[] {
  if (!smtpUrl) return [];
  try {
    const u = new URL(smtpUrl);
    return [u.password, decodeURIComponent(u.password), u.username, decodeURIComponent(u.username)].filter((s) => s.length >= 3);
  } catch {
    return [];
  }
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

export function createMailQueue(options: MailQueueOptions): MailQueue {
  const { store, log, from } = options;
  const retry: RetryPolicy = { ...defaultRetry, ...options.retry };
  if (!(retry.baseMs >= 1 && retry.maxMs >= retry.baseMs)) throw new Error('mail queue: retry needs 1 <= baseMs <= maxMs');
  const pollMs = Math.min(options.pollMs ?? defaultPollMs, 2 ** 31 - 1);
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? defaultMaxAgeMs;
  const secrets = credentialsOf(options.smtpUrl);
  const transport: MailTransport = options.smtpUrl ? smtpTransport(options.smtpUrl) : outboxTransport(join(options.dataDir, 'outbox'));

  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<void> | null = null;
  let again = false;

  async function attempt(mail: MailRecord): Promise<void> {
    const taken = now();
    if (!(await store.claimMail(mail.id, taken, taken + claimMs))) return;
    try {
      await transport.deliver({ id: mail.id, from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
      await store.markMailSent(mail.id, now());
      log.info('mail.sent', { mailId: mail.id, toDomain: domainOf(mail.to), attempts: mail.attempts + 1, via: transport.describe });
    } catch (error) {
      // The log promises domains only; an SMTP reply often quotes the whole address.
      const reason = describeError(error, [...secrets, mail.to]);
      const at = now();
      const delayMs = retryDelay(mail.attempts, retry);
      const fields = { mailId: mail.id, toDomain: domainOf(mail.to), attempts: mail.attempts + 1, via: transport.describe, reason };
      if (error instanceof MailRefused || at + delayMs - mail.createdAt > maxAgeMs) {
        await store.markMailGivenUp(mail.id, at, reason);
        log.error('mail.undeliverable', { ...fields, refused: error instanceof MailRefused });
        return;
      }
      await store.markMailFailed(mail.id, at + delayMs, reason);
      log.error('mail.failed', { ...fields, retryInMs: delayMs });
    }
  }

  /** One pass over the due mail; each mail at most once, so a zero backoff cannot spin. */
  async function runPass(): Promise<void> {
    const seen = new Set<number>();
    for (;;) {
      const due = (await store.dueMail(now(), batchSize)).filter((m) => !seen.has(m.id));
      if (due.length === 0) return;
      for (const mail of due) {
        seen.add(mail.id);
        await attempt(mail);
      }
    }
  }

  /**
   * Runs a pass, or if one is in flight asks it to go round once more; resolves when all is done.
   * Choosing the next wake-up is part of the pass, so once `pass` is null nothing touches the store.
   */
  function kick(): Promise<void> {
    if (pass) {
      again = true;
      return pass;
    }
    if (timer) clearTimeout(timer);
    timer = null;
    pass = (async () => {
      await null; // `pass` is assigned before the body can reach its `finally`
      try {
        do {
          again = false;
          try {
            await runPass();
          } catch (error) {
            log.error('mail.queue_error', { reason: describeError(error, secrets) });
          }
          if (!again) await schedule();
        } while (again);
      } finally {
        pass = null;
      }
    })();
    return pass;
  }

  /** Sleeps until the next mail falls due, or `pollMs`, whichever comes first. */
  async function schedule(): Promise<void> {
    if (!running) return;
    let wait = pollMs;
    try {
      const next = (await store.dueMail(Number.MAX_SAFE_INTEGER, 1))[0];
      if (next) wait = Math.max(minWaitMs, Math.min(pollMs, next.nextAttemptAt - now()));
    } catch (error) {
      log.error('mail.queue_error', { reason: describeError(error, secrets) });
    }
    if (!running || again) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void kick();
    }, wait);
    // Pending mail is safe in the database; it must not keep a finished process alive.
    timer.unref();
  }

  return {
    async send(message) {
      const m = messageSchema.parse(message);
      const id = await store.enqueueMail({ to: m.to, subject: m.subject, text: m.text, html: m.html ?? null, at: now() });
      log.info('mail.queued', { mailId: id, toDomain: domainOf(m.to) });
      if (running) void kick();
    },
    async drain() {
      // With a pass in flight, `kick` makes it go round once more, as it may have listed the due mail before the caller's.
      await kick();
    },
    start() {
      if (stopped) throw new Error('mail queue: start after stop; create a new queue');
      if (running) return;
      running = true;
      log.info('mail.queue_started', { via: transport.describe });
      void kick();
    },
    async stop() {
      running = false;
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      while (pass) await pass;
      transport.close();
    },
  };
}
