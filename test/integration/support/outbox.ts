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
