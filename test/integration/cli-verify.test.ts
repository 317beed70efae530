/**
 * Proving an address from the command line, against the real server and the real `cytoshare`
 * binary: `signup` leaves the address unproved and mails a code (read here from the outbox
 * `.eml` files the server writes without --smtp), `verify CODE` proves it once, `email
 * NEW_ADDRESS` changes it only once the new address is proved (and tells the old one), `whoami`
 * says which, and `admin add-user` makes a verified account only with `--verified`.
 */
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cli, PASSWORD, world, type World } from './cli-helpers.ts';
import { outboxMails, recipient } from './support/outbox.ts';

let w: World | undefined;
afterEach(async () => {
  await cleanup(w);
  w = undefined;
});

const outbox = (world: World) => outboxMails(join(world.root, 'data'));

async function mailTo(world: World, to: string, subject: string, nth = 1): Promise<ParsedMail> {
  let found: ParsedMail[] = [];
  const match = (m: ParsedMail) => recipient(m) === to && m.subject === subject;
  const deadline = Date.now() + 8_000;
  while ((found = (await outbox(world)).filter(match)).length < nth) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for mail ${nth} to ${to}: ${subject}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return found[nth - 1] as ParsedMail;
}

const codeIn = (m: ParsedMail) => /cytoshare verify ([A-Z0-9-]+)/.exec(m.text ?? '')?.[1] as string;

describe('cytoshare verify / email / whoami', () => {
  it('signup mails a code; verify proves the address once; a wrong code exits 3 VERIFICATION_INVALID', async () => {
    w = await world([]);
    const signup = await w.as('dora', ['signup', 'dora', '--email', 'dora@lab.example', '--password-stdin'], `${PASSWORD}\n`);
    expect(signup.code).toBe(0);
    expect(signup.json).toMatchObject({ username: 'dora', emailVerified: false, pendingEmail: 'dora@lab.example' });
    expect((await w.as('dora', ['whoami'])).json).toMatchObject({ email: '', emailVerified: false, pendingEmail: 'dora@lab.example' });

    const mail = await mailTo(w, 'dora@lab.example', 'Confirm your Cytoshare address');
    const code = codeIn(mail);
    expect(code).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
    expect(mail.text).toContain('The Cytoshare account dora was created with dora@lab.example as its address.');
    const link = /Or open this link and press Confirm: (\S+)/.exec(mail.text ?? '')?.[1];
    expect(link).toMatch(new RegExp(`^${w.url}/verify\\?token=[A-Za-z0-9_-]{43}$`));
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).toContain(`<strong>${code}</strong>`);

    const wrong = await w.as('dora', ['verify', 'AAAAA-AAAAA']);
    expect(wrong.code).toBe(3);
    expect(wrong.json.error.code).toBe('VERIFICATION_INVALID');
    expect(wrong.stderr + wrong.stdout).not.toContain(code);

    // Case and dashes do not matter.
    const ok = await w.as('dora', ['verify', code.replace('-', '').toLowerCase()]);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ email: 'dora@lab.example', emailVerified: true, pendingEmail: null });
    const text = await cli(['whoami', '--server', w.url, '--profile', join(w.root, 'profile-dora')]);
    expect(text.stdout).toContain('dora <dora@lab.example> (address proved)');

    const reused = await w.as('dora', ['verify', code]);
    expect(reused.code).toBe(3);
    expect(reused.json.error.code).toBe('VERIFICATION_INVALID');
  });

  it('email NEW_ADDRESS keeps the old address until the new one is proved, and tells the old one', async () => {
    w = await world(['alice']);
    expect((await w.login('alice')).code).toBe(0);
    const asked = await w.as('alice', ['email', 'alice@new.example']);
    expect(asked.code).toBe(0);
    expect(asked.json).toMatchObject({ email: 'alice@lab.example', emailVerified: true, pendingEmail: 'alice@new.example' });
    expect((await w.as('alice', ['whoami'])).json).toMatchObject({ email: 'alice@lab.example', emailVerified: true, pendingEmail: 'alice@new.example' });
    // Until proved, the new address finds nobody and the old one still finds alice.
    expect(await w.server.store.findUser('alice@new.example')).toBeNull();
    expect((await w.server.store.findUser('alice@lab.example'))?.username).toBe('alice');

    const mail = await mailTo(w, 'alice@new.example', 'Confirm your new Cytoshare address');
    expect(mail.text).toContain('The Cytoshare account alice asked to use alice@new.example as its address.');
    const proved = await w.as('alice', ['verify', codeIn(mail)]);
    expect(proved.code).toBe(0);
    expect(proved.json).toMatchObject({ email: 'alice@new.example', pendingEmail: null });
    expect(await w.server.store.findUser('alice@lab.example')).toBeNull();
    expect((await w.server.store.findUser('alice@new.example'))?.username).toBe('alice');

    const notice = await mailTo(w, 'alice@lab.example', 'Your Cytoshare address was changed');
    expect(notice.text).toContain('changed from alice@lab.example to alice@new.example');
  });

  it('admin add-user makes a verified account only with --verified; without it a code waits in the mail queue', async () => {
    w = await world([]);
    const data = join(w.root, 'data');
    const trusted = await cli(['admin', '--data', data, 'add-user', 'erin', '--email', 'erin@lab.example', '--password-stdin', '--verified', '--json'], `${PASSWORD}\n`);
    expect(trusted.code).toBe(0);
    expect(trusted.json).toMatchObject({ username: 'erin', email: 'erin@lab.example', emailVerified: true });
    expect((await w.login('erin')).code).toBe(0);
    expect((await w.as('erin', ['whoami'])).json).toMatchObject({ email: 'erin@lab.example', emailVerified: true });

    const plain = await cli(['admin', '--data', data, 'add-user', 'finn', '--email', 'finn@lab.example', '--password-stdin', '--json'], `${PASSWORD}\n`);
    expect(plain.code).toBe(0);
    expect(plain.json).toMatchObject({ username: 'finn', email: '', emailVerified: false, pendingEmail: 'finn@lab.example' });
    expect(await w.server.store.findUser('finn@lab.example')).toBeNull();
    // The admin command queued the mail in the data folder; the running server sends it on its next poll.
    // Read it from the queue, or from the outbox should the server's poll have sent it already.
    const queued = (await w.server.store.dueMail(Date.now() + 1, 10)).find((m) => m.to === 'finn@lab.example');
    const text = queued?.text ?? (await mailTo(w, 'finn@lab.example', 'Confirm your Cytoshare address')).text ?? '';
    expect(text).not.toContain('/verify?token='); // the admin command does not know the server's public URL
    const code = /cytoshare verify ([A-Z0-9-]+)/.exec(text)?.[1] as string;
    expect(code).toBeDefined();
    expect((await w.login('finn')).code).toBe(0);
    expect((await w.as('finn', ['verify', code])).code).toBe(0);
    expect((await w.server.store.findUser('finn@lab.example'))?.username).toBe('finn');

    const taken = await cli(['admin', '--data', data, 'add-user', 'gus', '--email', 'erin@lab.example', '--password-stdin', '--verified'], `${PASSWORD}\n`);
    expect(taken.code).toBe(3);
    expect(taken.stderr).toMatch(/EMAIL_TAKEN/);
  });
});
