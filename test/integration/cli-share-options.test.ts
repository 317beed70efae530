/**
 * `cytoshare share ID USER [--no-notify] [--message TEXT] [--connect]` through the real binary
 * and server: the message reaches the share mail (read from the server's outbox), --no-notify
 * sends none, a bad message is a usage error, and --connect turns NOT_CONNECTED into a share
 * that waits for the connection. Output and exit codes of a plain share are unchanged.
 */
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cli, world, type World } from './cli-helpers.ts';
import { outboxMails, recipient as to } from './support/outbox.ts';

let w: World | undefined;
afterEach(async () => {
  await cleanup(w);
  w = undefined;
});

const outbox = (world: World) => outboxMails(join(world.root, 'data'));

async function mailTo(world: World, address: string, subject: RegExp): Promise<ParsedMail> {
  const deadline = Date.now() + 8_000;
  for (;;) {
    const found = (await outbox(world)).find((m) => to(m) === address && subject.test(m.subject ?? ''));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for mail to ${address}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cytoshare share options', () => {
  it('--message goes into the mail; --no-notify sends none; a bad message is a usage error', async () => {
    w = await world(['alice', 'bob', 'carol']);
    await w.login('alice');
    const expId = (await w.as('alice', ['exp', 'create', 'Donor 9'])).json.id as string;

    const quiet = await w.as('alice', ['share', expId, 'bob', '--no-notify']);
    expect(quiet.code).toBe(0);
    expect(quiet.json.state).toBe('accepted');
    const told = await w.as('alice', ['share', expId, 'carol', '--message', 'See tube 3, line two']);
    expect(told.code).toBe(0);
    const mail = await mailTo(w, 'carol@lab.example', /shared “Donor 9”/);
    expect(mail.text).toContain('> See tube 3, line two');
    // Carol's mail was queued after bob's share: bob's would be there by now.
    expect((await outbox(w)).filter((m) => to(m) === 'bob@lab.example')).toEqual([]);

    expect((await w.as('alice', ['share', expId, 'bob', '--message', 'x'.repeat(501)])).code).toBe(2);
    expect((await w.as('alice', ['share', expId, 'bob', '--no-notify', '--message', 'hi'])).code).toBe(2);
  });

  it('--connect: a share to someone not connected waits for them instead of exiting 3', async () => {
    w = await world(['alice', 'dave'], { connected: false });
    await w.login('alice');
    await w.login('dave');
    const expId = (await w.as('alice', ['exp', 'create', 'Waiting'])).json.id as string;
    const plain = await w.as('alice', ['share', expId, 'dave']);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toContain('NOT_CONNECTED');
    const waiting = await w.as('alice', ['share', expId, 'dave', '--connect']);
    expect(waiting.code).toBe(0);
    expect(waiting.json.state).toBe('accepted');
    // Without --json the waiting is said in words (the draft alone reads "accepted").
    const human = await cli(['share', expId, 'dave', '--connect', '--server', w.url, '--profile', join(w.root, 'profile-alice')]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('waiting for dave to accept your connection request');
    expect((await w.as('dave', ['exp', 'list', '--filter', 'shared'])).json).toEqual([]);
    expect((await w.as('dave', ['accept', 'alice'])).code).toBe(0);
    const list = await w.as('dave', ['exp', 'list', '--filter', 'shared']);
    expect(list.json.map((r: { id: string }) => r.id)).toEqual([expId]);
  });
});
