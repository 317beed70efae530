import { request } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName } from '../../shared/doc-layout.ts';
import { setAccountDisabled } from '../../sync-server/admin.ts';
import { MemoryLoginThrottle } from '../../sync-server/auth/login-throttle.ts';
import { createLogger } from '../../sync-server/log.ts';
import { SocketDirectory } from '../../sync-server/sync/socket-directory.ts';
import { waitUntil, type TestUser } from '../integration/support/harness.ts';
import { useHarness } from '../integration/support/use-harness.ts';

/**
 * Password guessing and the end of sessions, through the real server. Requests come from
 * chosen loopback addresses (127.0.0.x are all this machine on Linux), so "many addresses" and
 * "one address" are real client addresses as the server sees them.
 */
const PASSWORD = 'correct horse battery';
const FREE = 3;
const FREE_PER_ADDRESS = 6;
const SIGNUPS_PER_HOUR = 3;

type Answer = { status: number; retryAfter: string | undefined; body: { code?: string } & Record<string, unknown> };

let lines: string[];
const h = useHarness(() => {
  lines = [];
  return {
    log: createLogger((line) => lines.push(line), true),
    limits: { loginFailuresFree: FREE, loginFailuresFreePerAddress: FREE_PER_ADDRESS, signupsPerAddressPerHour: SIGNUPS_PER_HOUR },
  };
});

function call(method: string, path: string, body: unknown, { from = '127.0.0.1', token }: { from?: string; token?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: h.server.port,
        method,
        path,
        localAddress: from,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: typeof retry === 'string' ? retry : undefined, body: data ? JSON.parse(data) : {} });
        });
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(text);
  });
}

const login = (username: string, password: string, from?: string) => call('POST', '/api/login', { username, password }, { from });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sign-up floods', () => {
  const signup = (username: string, email: string, from: string) => call('POST', '/api/signup', { username, email, password: PASSWORD }, { from });

  it('one address gets a bounded number of accounts per hour (each could mail a victim codes); others are not affected', async () => {
    const victim = 'victim@lab.test';
    for (let i = 0; i < SIGNUPS_PER_HOUR; i++) expect((await signup(`flood${i}`, victim, '127.0.0.150')).status).toBe(201);
    const refused = await signup('flood-more', victim, '127.0.0.150');
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // No account was made: the name is still free, and another address may take it.
    expect((await signup('flood-more', 'someone@lab.test', '127.0.0.151')).status).toBe(201);
  });

  it('a sign-up that makes no account (a name taken) does not count', async () => {
    await h.user('alice');
    for (let i = 0; i < SIGNUPS_PER_HOUR + 2; i++) expect((await signup('alice', 'a@lab.test', '127.0.0.152')).status).toBe(409);
    expect((await signup('newcomer', 'newcomer@lab.test', '127.0.0.152')).status).toBe(201);
  });
});

describe('password guessing', () => {
  it('guessing one account from many addresses meets 429 with Retry-After, and the wait grows', async () => {
    await h.user('alice');
    for (let i = 0; i < FREE; i++) expect((await login('alice', `guess-${i}`, `127.0.0.${10 + i}`)).status).toBe(401);
    const first = await login('alice', 'guess-x', '127.0.0.20');
    expect(first.status).toBe(429);
    expect(first.body.code).toBe('TOO_MANY_ATTEMPTS');
    expect(first.retryAfter).toBe('1');
    // Even the right password from a new address waits: the guesser cannot tell it was right.
    expect((await login('alice', PASSWORD, '127.0.0.21')).status).toBe(429);
    await sleep(1_100);
    expect((await login('alice', 'guess-y', '127.0.0.22')).status).toBe(401);
    const second = await login('alice', 'guess-z', '127.0.0.23');
    expect(second.status).toBe(429);
    expect(second.retryAfter).toBe('2');
  });

  it('rotating usernames from one address meets 429 once the address used its free failures', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < FREE_PER_ADDRESS + 2; i++) answers.push(await login(`user${i}`, 'guess', '127.0.0.30'));
    expect(answers.slice(0, FREE_PER_ADDRESS).map((a) => a.status)).toEqual(Array(FREE_PER_ADDRESS).fill(401));
    expect(answers.slice(FREE_PER_ADDRESS).map((a) => a.status)).toEqual([429, 429]);
    expect(Number(answers.at(-1)?.retryAfter)).toBeGreaterThanOrEqual(1);
    // Another address is not held back by this one.
    expect((await login('user99', 'guess', '127.0.0.31')).status).toBe(401);
  });

  it("a throttled address flooding random usernames neither wipes alice's delay nor fills the log", async () => {
    // The throttle itself, as the server holds it: 100 050 HTTP requests would take minutes here.
    const throttle = new MemoryLoginThrottle({ loginFailuresFree: 5, loginFailuresFreePerAddress: 20, loginDelayMaxMs: 600_000, loginFailureMemoryMs: 86_400_000 });
    const now = 1_000_000;
    for (let i = 0; ; i++) {
      const v = await throttle.begin({ account: 'alice', address: `10.0.0.${i}` }, now);
      if (!v.allowed) break;
      await v.attempt.failed(now);
    }
    // One address, past its free failures, tries 100 050 fresh usernames (more than the map holds).
    let logLines = 0;
    for (let k = 0; k < 100_050; k++) {
      const v = await throttle.begin({ account: `x${k.toString(36)}`, address: '10.9.9.9' }, now + k % 1000);
      if (v.allowed) await v.attempt.failed(now);
      else if (v.firstRefusal) logLines++;
    }
    expect((await throttle.begin({ account: 'alice', address: '10.0.1.1' }, now)).allowed).toBe(false);
    expect(logLines).toBeLessThanOrEqual(1);
  });

  it('a throttled attempt computes no password hash', async () => {
    await h.user('alice');
    for (let i = 0; i < FREE; i++) await login('alice', `guess-${i}`, '127.0.0.40');
    const before = h.server.hashes.computed;
    for (let i = 0; i < 5; i++) expect((await login('alice', `more-${i}`, '127.0.0.41')).status).toBe(429);
    expect(h.server.hashes.computed).toBe(before);
  });

  it('logs a failed login with the username and address, never the password, even from a quiet logger', async () => {
    await h.user('alice');
    await login('alice', 'hunter2-secret-guess', '127.0.0.50');
    const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'login refused');
    expect(failed).toEqual([expect.objectContaining({ level: 'warn', user: 'alice', address: '127.0.0.50', reason: 'bad credentials' })]);
    expect(lines.join('\n')).not.toContain('hunter2-secret-guess');
  });

  it('32 concurrent bad logins from one address get 429s, and a legitimate login from the same machine still succeeds', async () => {
    await h.user('alice');
    await h.user('bob');
    const before = h.server.hashes.computed;
    const flood = await Promise.all(Array.from({ length: 32 }, (_, i) => login('alice', `flood-${i}`, '127.0.0.1')));
    const bob = await login('bob', PASSWORD, '127.0.0.1');
    expect(bob.status).toBe(200);
    expect(typeof bob.body.token).toBe('string');
    const statuses = flood.map((a) => a.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(32 - FREE);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(flood.filter((a) => a.status === 429).every((a) => a.body.code === 'TOO_MANY_ATTEMPTS' && a.retryAfter !== undefined)).toBe(true);
    // The flood hashed no more than its free attempts; bob's login hashed once.
    expect(h.server.hashes.computed - before).toBeLessThanOrEqual(FREE + 1);
  });

  it('a guesser elsewhere cannot lock the owner out of an address she signed in from; a new address waits', async () => {
    await h.user('alice'); // signs in from 127.0.0.1: a known address for alice
    for (let i = 0; i < FREE + 1; i++) await login('alice', `guess-${i}`, `127.0.0.${60 + i}`);
    expect((await login('alice', PASSWORD, '127.0.0.70')).status).toBe(429);
    expect((await login('alice', PASSWORD, '127.0.0.1')).status).toBe(200);
  });

  it('a successful login resets the account counter', async () => {
    await h.user('alice');
    for (let i = 0; i < FREE - 1; i++) expect((await login('alice', `typo-${i}`, '127.0.0.80')).status).toBe(401);
    expect((await login('alice', PASSWORD, '127.0.0.80')).status).toBe(200);
    for (let i = 0; i < FREE - 1; i++) expect((await login('alice', `typo-again-${i}`, '127.0.0.81')).status).toBe(401);
    expect((await login('alice', PASSWORD, '127.0.0.82')).status).toBe(200);
  });

  it('a password change is throttled like a login: a stolen token gives no free guesses', async () => {
    const alice = await h.user('alice');
    const change = (current: string) => call('POST', '/api/password', { currentPassword: current, newPassword: 'a brand new password' }, { token: alice.token, from: '127.0.0.90' });
    for (let i = 0; i < FREE; i++) expect((await change(`guess-${i}`)).status).toBe(401);
    const before = h.server.hashes.computed;
    const throttled = await change('guess-more');
    expect(throttled.status).toBe(429);
    expect(throttled.retryAfter).toBeDefined();
    expect(h.server.hashes.computed).toBe(before);
  });
});

describe('disabled accounts', () => {
  it('refuse sign-in with ACCOUNT_DISABLED only to the right password, end the sessions, and come back when enabled', async () => {
    const alice = await h.user('alice');
    await setAccountDisabled(h.dataDir, 'alice', true);
    const wrong = await login('alice', 'a wrong guess', '127.0.0.100');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('BAD_CREDENTIALS');
    const right = await login('alice', PASSWORD, '127.0.0.100');
    expect(right.status).toBe(403);
    expect(right.body.code).toBe('ACCOUNT_DISABLED');
    expect((await call('GET', '/api/whoami', undefined, { token: alice.token })).status).toBe(401);
    expect(lines.some((l) => l.includes('"reason":"account disabled"') && l.includes('"user":"alice"'))).toBe(true);
    await setAccountDisabled(h.dataDir, 'alice', false);
    expect((await login('alice', PASSWORD, '127.0.0.100')).status).toBe(200);
  });
});

describe('ending sessions', () => {
  async function secondSession(user: string, from = '127.0.0.1'): Promise<string> {
    const answer = await login(user, PASSWORD, from);
    expect(answer.status).toBe(200);
    return answer.body.token as string;
  }
  const whoami = (token: string) => call('GET', '/api/whoami', undefined, { token });

  it('logout, ending a session by id, ending the others and a password change each refuse the ended tokens at once', async () => {
    const alice = await h.user('alice');
    const t2 = await secondSession('alice');
    const t3 = await secondSession('alice');
    const t4 = await secondSession('alice');

    await call('POST', '/api/logout', undefined, { token: t4 });
    expect((await whoami(t4)).status).toBe(401);

    const list = await call('GET', '/api/sessions', undefined, { token: alice.token });
    const sessions = list.body as unknown as Array<{ id: string; current: boolean }>;
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(JSON.stringify(sessions)).not.toContain(t2);
    const other = sessions.find((s) => !s.current) as { id: string };
    expect((await call('POST', '/api/sessions/end', { id: other.id }, { token: alice.token })).body).toEqual({ ended: 1 });
    const statuses = [(await whoami(t2)).status, (await whoami(t3)).status].sort();
    expect(statuses).toEqual([200, 401]);
    const t5 = await secondSession('alice');
    expect((await call('POST', '/api/sessions/end', { others: true }, { token: alice.token })).body).toEqual({ ended: 2 });
    expect((await whoami(t5)).status).toBe(401);
    const t6 = await secondSession('alice');
    const t7 = await secondSession('alice');

    const changed = await call('POST', '/api/password', { currentPassword: PASSWORD, newPassword: 'a brand new password' }, { token: alice.token });
    expect(changed.body).toEqual({ endedSessions: 2 });
    expect((await whoami(t6)).status).toBe(401);
    expect((await whoami(t7)).status).toBe(401);
    expect((await whoami(alice.token)).status).toBe(200);
    expect((await login('alice', PASSWORD, '127.0.0.110')).status).toBe(401);
    expect((await login('alice', 'a brand new password', '127.0.0.110')).status).toBe(200);
  });

  it("another account's session id is UNKNOWN_SESSION, like an id that never existed", async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bobs = (await call('GET', '/api/sessions', undefined, { token: bob.token })).body as unknown as Array<{ id: string }>;
    const foreign = await call('POST', '/api/sessions/end', { id: bobs[0]!.id }, { token: alice.token });
    const missing = await call('POST', '/api/sessions/end', { id: 'ffffffffffffffff' }, { token: alice.token });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'UNKNOWN_SESSION']);
    expect(missing).toEqual(foreign);
    expect((await whoami(bob.token)).status).toBe(200);
  });

  describe('the open document socket closes with 4401 and a later write is not stored', () => {
    let alice: TestUser;
    let id: string;
    beforeEach(async () => {
      alice = await h.user('alice');
      id = await alice.createExperiment('Sockets');
    });

    async function closesAfter(token: string, end: () => Promise<unknown>): Promise<void> {
      const doc = new Y.Doc();
      const d = (await import('../integration/support/harness.ts')).openDoc(h.server.url, docName.experiment(id), token, doc);
      try {
        await d.waitFor(() => d.provider.synced, 'synced');
        await end();
        const closed = await Promise.race([d.closed, sleep(5_000).then(() => null)]);
        expect(closed?.code).toBe(4401);
        doc.getMap('meta').set('purpose', 'written after the end');
        await sleep(500);
        const stored = new Y.Doc();
        for (const u of (await h.server.store.loadUpdates(docName.experiment(id))).updates) Y.applyUpdate(stored, u);
        expect(stored.getMap('meta').get('purpose')).not.toBe('written after the end');
      } finally {
        d.destroy();
      }
    }

    it('after logout', async () => {
      const t = await secondSession('alice');
      await closesAfter(t, () => call('POST', '/api/logout', undefined, { token: t }));
    });
    it('after a password change (other sessions)', async () => {
      const t = await secondSession('alice');
      await closesAfter(t, () => call('POST', '/api/password', { currentPassword: PASSWORD, newPassword: 'a brand new password' }, { token: alice.token }));
    });
    it('after the session is ended by id', async () => {
      const t = await secondSession('alice');
      const list = (await call('GET', '/api/sessions', undefined, { token: t })).body as unknown as Array<{ id: string; current: boolean }>;
      const mine = list.find((s) => s.current) as { id: string };
      await closesAfter(t, () => call('POST', '/api/sessions/end', { id: mine.id }, { token: alice.token }));
    });
    it('after an admin disables the account (the server notices the data folder)', async () => {
      await closesAfter(alice.token, () => setAccountDisabled(h.dataDir, 'alice', true));
    });
    it('after an admin resets the password', async () => {
      const { resetPassword } = await import('../../sync-server/admin.ts');
      await closesAfter(alice.token, () => resetPassword(h.dataDir, 'alice', 'an admin-set password'));
    });
  });

  it('the server polls the store for sessions ended by the admin command', async () => {
    await h.user('alice');
    // The admin command writes the data folder directly: only the server's poll can reach the directory.
    const calls: string[] = [];
    const sockets = SocketDirectory.prototype;
    const original = sockets.closeAccount;
    sockets.closeAccount = function (username: string) {
      calls.push(username);
      return 0;
    };
    try {
      await setAccountDisabled(h.dataDir, 'alice', true);
      await waitUntil(() => calls.includes('alice'), 'the server to close alice’s sockets', 5_000);
    } finally {
      sockets.closeAccount = original;
    }
  });
});
