import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

/**
 * The mails a server with no SMTP relay wrote to `outbox/` in its data folder, oldest first:
 * what tests read where a real inbox is not needed.
 */
export async function outboxMails(dataDir: string): Promise<ParsedMail[]> {
  const dir = join(dataDir, 'outbox');
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(names.filter((n) => n.endsWith('.eml')).sort().map(async (n) => simpleParser(await readFile(join(dir, n)))));
}

/** The first address a mail is to. */
export const recipient = (m: ParsedMail) => (m.to as AddressObject | undefined)?.value[0]?.address;

/** Waits (bounded) for a mail to `address` whose subject matches. */
export async function waitForMail(dataDir: string, address: string, subject: RegExp, ms = 8_000): Promise<ParsedMail> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = (await outboxMails(dataDir)).find((m) => recipient(m) === address && subject.test(m.subject ?? ''));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${address} matching ${subject}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
