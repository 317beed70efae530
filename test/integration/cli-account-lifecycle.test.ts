import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, cli, PASSWORD, world, type Run, type World } from './cli-helpers.ts';
import { spawnServer } from './support/server-process.ts';

/** `password`, `sessions` and the admin's `reset-password`, `disable`, `enable`, through the real binary. */
const NEW_PASSWORD = 'a brand new password';

let w: World;
beforeEach(async () => {
  w = await world(['alice', 'bob']);
  expect((await w.login('alice')).code).toBe(0);
});
afterEach(async () => cleanup(w));

/** The same account signed in on a second profile (another machine). */
function second(args: string[], input?: string): Promise<Run> {
  return cli([...args, '--json', '--server', w.url, '--profile', join(w.root, 'profile-alice-laptop')], input);
}
const admin = (args: string[], input?: string) => cli(['admin', '--data', join(w.root, 'data'), ...args, '--json'], input);

describe('cytoshare password', () => {
  it('changes the password, ends the other sessions and keeps this one', { timeout: 40_000 }, async () => {
    expect((await second(['login', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    const changed = await w.as('alice', ['password', '--password-stdin'], `${PASSWORD}\n${NEW_PASSWORD}\n`);
    expect(changed.code).toBe(0);
    expect(changed.json).toEqual({ endedSessions: 1 });
    expect((await w.as('alice', ['whoami'])).code).toBe(0);
    const other = await second(['whoami']);
    expect(other.code).toBe(4);
    expect((await second(['login', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(4);
    expect((await second(['login', 'alice', '--password-stdin'], `${NEW_PASSWORD}\n`)).code).toBe(0);
  });

  it('refuses a wrong current password (exit 4) and a bad new one or a missing line (exit 2)', { timeout: 40_000 }, async () => {
    const wrong = await w.as('alice', ['password', '--password-stdin'], `not it\n${NEW_PASSWORD}\n`);
    expect(wrong.code).toBe(4);
    expect(wrong.json.error.code).toBe('BAD_CREDENTIALS');
    expect((await w.as('alice', ['password', '--password-stdin'], `${PASSWORD}\nshort\n`)).code).toBe(2);
    expect((await w.as('alice', ['password', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(2);
    expect((await w.as('alice', ['password'], `${PASSWORD}\n${NEW_PASSWORD}\n`)).code).toBe(2);
    expect((await w.as('alice', ['whoami'])).code).toBe(0);
  });
});

describe('cytoshare sessions', () => {
  it('lists own sessions by public id, ends one, refuses an unknown or foreign id, and ends the others', { timeout: 40_000 }, async () => {
    expect((await second(['login', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    expect((await w.login('bob')).code).toBe(0);
    const list = await w.as('alice', ['sessions']);
    expect(list.code).toBe(0);
    expect(list.json).toHaveLength(2);
    expect(list.json.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    for (const s of list.json) expect(s).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), createdAt: expect.any(Number), lastUsedAt: expect.any(Number), expiresAt: expect.any(Number), current: expect.any(Boolean) });

    const bobs = (await w.as('bob', ['sessions'])).json as Array<{ id: string }>;
    const foreign = await w.as('alice', ['sessions', '--end', bobs[0]!.id]);
    expect(foreign.code).toBe(3);
    expect(foreign.json.error.code).toBe('UNKNOWN_SESSION');
    expect((await w.as('alice', ['sessions', '--end', 'nonsense'])).json.error.code).toBe('UNKNOWN_SESSION');
    expect((await w.as('bob', ['whoami'])).code).toBe(0);

    const other = list.json.find((s: { current: boolean }) => !s.current);
    const ended = await w.as('alice', ['sessions', '--end', other.id]);
    expect(ended.code).toBe(0);
    expect(ended.json).toMatchObject({ ended: 1, current: false });
    expect((await second(['whoami'])).code).toBe(4);

    expect((await second(['login', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    const others = await w.as('alice', ['sessions', '--end-others']);
    expect(others.json).toEqual({ ended: 1 });
    expect((await second(['whoami'])).code).toBe(4);
    expect((await w.as('alice', ['whoami'])).code).toBe(0);
    expect((await w.as('alice', ['sessions', '--end', 'x', '--end-others'])).code).toBe(2);
  });

  it('ending this profile’s own session signs it out', async () => {
    const mine = ((await w.as('alice', ['sessions'])).json as Array<{ id: string; current: boolean }>).find((s) => s.current)!;
    const ended = await w.as('alice', ['sessions', '--end', mine.id]);
    expect(ended.json).toMatchObject({ ended: 1, current: true });
    expect((await w.as('alice', ['whoami'])).json.error.code).toBe('NOT_SIGNED_IN');
  });
});

describe('cytoshare admin on a running server', () => {
  it('reset-password ends every session of the account and sets the new password', { timeout: 40_000 }, async () => {
    const reset = await admin(['reset-password', 'alice', '--password-stdin'], `${NEW_PASSWORD}\n`);
    expect(reset.code).toBe(0);
    expect(reset.json).toEqual({ username: 'alice', endedSessions: 1 });
    expect((await w.as('alice', ['whoami'])).code).toBe(4);
    expect((await w.login('alice')).code).toBe(4);
    expect((await w.as('alice', ['login', 'alice', '--password-stdin'], `${NEW_PASSWORD}\n`)).code).toBe(0);
    const unknown = await admin(['reset-password', 'nobody', '--password-stdin'], `${NEW_PASSWORD}\n`);
    expect(unknown.code).toBe(3);
    expect(unknown.json.error.code).toBe('UNKNOWN_USER');
  });

  it('disable ends the sessions and refuses sign-in with ACCOUNT_DISABLED; enable lets the account back in', { timeout: 40_000 }, async () => {
    const disabled = await admin(['disable', 'alice']);
    expect(disabled.code).toBe(0);
    expect(disabled.json).toEqual({ username: 'alice', disabled: true });
    expect((await w.as('alice', ['whoami'])).code).toBe(4);
    const wrong = await w.as('alice', ['login', 'alice', '--password-stdin'], 'a wrong guess\n');
    expect(wrong.json.error.code).toBe('BAD_CREDENTIALS');
    const refused = await w.login('alice');
    expect(refused.code).toBe(4);
    expect(refused.json.error.code).toBe('ACCOUNT_DISABLED');
    expect((await admin(['enable', 'alice'])).json).toEqual({ username: 'alice', disabled: false });
    expect((await w.login('alice')).code).toBe(0);
    expect((await admin(['disable', 'nobody'])).code).toBe(3);
  });
});

describe('cytoshare server', () => {
  it('logs failed logins (user and address, not the password) in its normal run, and answers guessing with TOO_MANY_ATTEMPTS', { timeout: 60_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'cytoshare-guess-'));
    const data = join(root, 'data');
    const { url, child, exited } = await spawnServer(data);
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    try {
      expect((await cli(['admin', '--data', data, 'add-user', 'dora', '--email', 'dora@lab.example', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
      const guess = (i: number) => cli(['login', 'dora', '--password-stdin', '--server', url, '--profile', join(root, 'p'), '--json'], `secret-guess-${i}\n`);
      const codes: string[] = [];
      // Five free failures, then waits of 1, 2, 4 … s: a CLI start takes long enough that one soon lands inside a wait.
      for (let i = 0; i < 12 && !codes.includes('TOO_MANY_ATTEMPTS'); i++) {
        const run = await guess(i);
        codes.push(run.json.error.code);
        if (run.json.error.code === 'TOO_MANY_ATTEMPTS') expect(run.code).toBe(3);
      }
      expect(codes.slice(0, 5)).toEqual(Array(5).fill('BAD_CREDENTIALS'));
      expect(codes).toContain('TOO_MANY_ATTEMPTS');
      const failed = log.split('\n').filter((l) => l.includes('"login refused"'));
      expect(failed.length).toBeGreaterThanOrEqual(5);
      expect(JSON.parse(failed[0]!)).toMatchObject({ level: 'warn', user: 'dora', address: '127.0.0.1', reason: 'bad credentials' });
      expect(log).not.toContain('secret-guess');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
