import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeAt } from '../../sync-server/auth/totp.ts';
import { addUser } from '../../sync-server/admin.ts';
import { createLogger } from '../../sync-server/log.ts';
import { startServer, type RunningServer } from '../../sync-server/server.ts';
import { cli, PASSWORD, type Run } from './cli-helpers.ts';

/**
 * Two-step sign-in through the real server and the real `cytoshare` binary: enrolment, login
 * with and without a code, replay and recovery codes, the throttle, and the admin's
 * `require-totp` and `reset-totp`. The server's log lines are kept to check no secret is in them.
 */
const STEP_MS = 30_000;
/** Enough for the failures the first test makes on purpose. */
const FREE_FAILURES = 8;

let root: string;
let server: RunningServer;
let url: string;
let logs: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cytoshare-totp-'));
  logs = [];
  server = await startServer({
    dataDir: join(root, 'data'),
    host: '127.0.0.1',
    port: 0,
    mode: 'premium',
    log: createLogger((line) => logs.push(line)),
    limits: { loginFailuresFree: FREE_FAILURES },
  });
  url = `http://127.0.0.1:${server.port}`;
  for (const user of ['alice', 'bob']) await addUser(join(root, 'data'), { username: user, email: `${user}@lab.example`, password: PASSWORD, verified: true });
});
afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const as = (user: string, args: string[], input?: string, profile = user): Promise<Run> =>
  cli([...args, '--json', '--server', url, '--profile', join(root, `profile-${profile}`)], input);
const admin = (args: string[]) => cli(['admin', '--data', join(root, 'data'), ...args, '--json']);
const login = (user: string, code?: string, password = PASSWORD, profile = user) =>
  code === undefined ? as(user, ['login', user, '--password-stdin'], `${password}\n`, profile) : as(user, ['login', user, '--password-stdin', '--code-stdin'], `${password}\n${code}\n`, profile);
const sessionCount = async (user: string) => (await server.store.sessionsOf(user)).length;

/** Enrols `user` (signed in already) and returns the secret and the recovery codes. */
async function enrol(user: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enabled = await as(user, ['totp', 'enable', '--password-stdin'], `${PASSWORD}\n`);
  expect(enabled.code).toBe(0);
  expect(enabled.json).toEqual({ secret: expect.stringMatching(/^[A-Z2-7]{32}$/), uri: expect.stringMatching(/^otpauth:\/\/totp\//) });
  const { secret } = enabled.json as { secret: string };
  // This step's code; a login then uses the next step's (which the window takes, and stays good if the step turns meanwhile).
  const confirmed = await as(user, ['totp', 'confirm', codeAt(secret, Date.now())]);
  expect(confirmed.code).toBe(0);
  expect(confirmed.json.recoveryCodes).toHaveLength(10);
  return { secret, recoveryCodes: confirmed.json.recoveryCodes };
}

describe('two-step sign-in', () => {
  it('enable → confirm → login asks for a code (no session), takes it once, then a recovery code once', { timeout: 60_000 }, async () => {
    expect((await login('alice')).code).toBe(0);
    expect((await as('alice', ['totp', 'status'])).json).toEqual({ enabled: false, pending: false, required: false, recoveryCodesLeft: 0 });
    const wrongPassword = await as('alice', ['totp', 'enable', '--password-stdin'], 'not the password\n');
    expect(wrongPassword.json.error.code).toBe('BAD_CREDENTIALS');
    // Not on until a first code proves the app holds the secret.
    const pending = await as('alice', ['totp', 'enable', '--password-stdin'], `${PASSWORD}\n`);
    expect((await as('alice', ['totp', 'status'])).json).toMatchObject({ enabled: false, pending: true });
    expect((await as('alice', ['totp', 'confirm', '000000'])).json.error.code).toBe('BAD_TOTP_CODE');
    expect((await login('alice', undefined, PASSWORD, 'alice-2')).code).toBe(0);
    const { secret, recoveryCodes } = await enrol('alice');
    expect(secret).not.toBe(pending.json.secret);
    expect((await as('alice', ['totp', 'status'])).json).toEqual({ enabled: true, pending: false, required: false, recoveryCodesLeft: 10 });
    expect((await as('alice', ['totp', 'enable', '--password-stdin'], `${PASSWORD}\n`)).json.error.code).toBe('TOTP_ALREADY_ON');

    expect((await as('alice', ['logout'])).code).toBe(0);
    const before = await sessionCount('alice');
    const noCode = await login('alice');
    expect(noCode.code).toBe(4);
    expect(noCode.json.error.code).toBe('TOTP_REQUIRED');
    expect(await sessionCount('alice')).toBe(before);
    expect((await as('alice', ['whoami'])).code).toBe(4);

    const code = codeAt(secret, Date.now() + STEP_MS);
    const withCode = await login('alice', code);
    expect(withCode.code).toBe(0);
    expect(await sessionCount('alice')).toBe(before + 1);
    expect((await as('alice', ['whoami'])).json.username).toBe('alice');

    const replay = await login('alice', code, PASSWORD, 'alice-3');
    expect(replay.code).toBe(4);
    expect(replay.json.error.code).toBe('BAD_TOTP_CODE');

    const recovery = recoveryCodes[0]!;
    expect((await login('alice', recovery, PASSWORD, 'alice-3')).code).toBe(0);
    expect((await login('alice', recovery, PASSWORD, 'alice-4')).json.error.code).toBe('BAD_TOTP_CODE');
    expect((await as('alice', ['totp', 'status'])).json.recoveryCodesLeft).toBe(9);

    // A wrong password says only that, with or without a good code.
    for (const run of [await login('alice', undefined, 'not the password', 'x'), await login('alice', recoveryCodes[1], 'not the password', 'x')]) {
      expect(run.code).toBe(4);
      expect(run.json.error.code).toBe('BAD_CREDENTIALS');
    }
    expect((await as('alice', ['totp', 'status'])).json.recoveryCodesLeft).toBe(9);

    // Turning it off needs the password and a code.
    expect((await as('alice', ['totp', 'disable', '--password-stdin'], `${PASSWORD}\n000000\n`)).json.error.code).toBe('BAD_TOTP_CODE');
    expect((await as('alice', ['totp', 'disable', '--password-stdin'], `${PASSWORD}\n${recoveryCodes[2]}\n`)).code).toBe(0);
    expect((await login('alice', undefined, PASSWORD, 'alice-5')).code).toBe(0);

    // Neither the secret nor any code ever reaches the log.
    const log = logs.join('\n');
    expect(log).toContain('login refused');
    for (const s of [secret, pending.json.secret as string, code, ...recoveryCodes]) expect(log).not.toContain(s);
  });

  it('counts wrong codes in the login throttle, like wrong passwords', { timeout: 60_000 }, async () => {
    expect((await login('alice')).code).toBe(0);
    await enrol('alice');
    const codes: string[] = [];
    for (let i = 0; i < FREE_FAILURES + 6 && !codes.includes('TOO_MANY_ATTEMPTS'); i++) codes.push((await login('alice', '000000', PASSWORD, 'guess')).json.error.code);
    expect(codes.slice(0, FREE_FAILURES)).toEqual(Array(FREE_FAILURES).fill('BAD_TOTP_CODE'));
    expect(codes).toContain('TOO_MANY_ATTEMPTS');
  });

  it('counts wrong first codes (which would answer the recovery codes) in the login throttle too', { timeout: 60_000 }, async () => {
    expect((await login('alice')).code).toBe(0);
    expect((await as('alice', ['totp', 'enable', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    const codes: string[] = [];
    for (let i = 0; i < FREE_FAILURES + 6 && !codes.includes('TOO_MANY_ATTEMPTS'); i++) codes.push((await as('alice', ['totp', 'confirm', '000000'])).json.error.code);
    expect(codes.slice(0, FREE_FAILURES)).toEqual(Array(FREE_FAILURES).fill('BAD_TOTP_CODE'));
    expect(codes).toContain('TOO_MANY_ATTEMPTS');
  });

  it('admin require-totp limits a session without it to enrolment until it confirms; reset-totp ends the sessions', { timeout: 60_000 }, async () => {
    expect((await login('bob')).code).toBe(0);
    expect((await admin(['require-totp', 'on'])).json).toEqual({ totpRequired: true });
    // Existing and new sessions of bob may only enrol.
    const refused = await as('bob', ['sessions']);
    expect(refused.code).toBe(3);
    expect(refused.json.error.code).toBe('TOTP_ENROLMENT_REQUIRED');
    const limited = await login('bob', undefined, PASSWORD, 'bob-2');
    expect(limited.code).toBe(0);
    expect(limited.json.totpEnrolmentRequired).toBe(true);
    expect((await as('bob', ['whoami'])).json.totpEnrolmentRequired).toBe(true);
    expect((await as('bob', ['totp', 'status'])).json).toMatchObject({ enabled: false, required: true });
    const { secret } = await enrol('bob');
    expect((await as('bob', ['sessions'])).code).toBe(0);
    expect((await as('bob', ['sessions'], undefined, 'bob-2')).code).toBe(0);

    const reset = await admin(['reset-totp', 'bob']);
    expect(reset.json).toEqual({ username: 'bob', hadTotp: true, endedSessions: 2 });
    expect((await as('bob', ['whoami'])).code).toBe(4);
    // Back to the password alone, limited to enrolment again while the server requires it.
    const again = await login('bob');
    expect(again.code).toBe(0);
    expect(again.json.totpEnrolmentRequired).toBe(true);
    expect((await admin(['require-totp', 'off'])).json).toEqual({ totpRequired: false });
    expect((await as('bob', ['sessions'])).code).toBe(0);
    expect((await admin(['reset-totp', 'nobody'])).code).toBe(3);
    expect(logs.join('\n')).not.toContain(secret);
  });
});
