import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../sync-server/server.ts';
import { PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { startNodes, type Nodes } from './support/nodes.ts';

const FREE = 5;

async function post(node: RunningServer, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

const login = (node: RunningServer, username: string, password: string) => post(node, '/api/login', { username, password });

/**
 * Login and sign-up throttles of several nodes on one database: a guesser who spreads tries over
 * the nodes gets the budget of one node, and what the nodes keep for it stays bounded.
 */
describe.skipIf(TEST_PG === null)(`throttles shared by several nodes${PG_SKIP_REASON}`, () => {
  let cluster: Nodes | null = null;
  afterEach(async () => {
    await cluster?.stop();
    cluster = null;
  });

  it('stops password guesses spread over two nodes at the count one node allows', async () => {
    cluster = await startNodes(2, { limits: { loginFailuresFree: FREE, loginFailuresFreePerAddress: 1_000 } });
    const [a, b] = cluster.nodes as [RunningServer, RunningServer];
    await cluster.user('alice');
    const statuses: number[] = [];
    for (let i = 0; i < FREE + 2; i++) statuses.push(await login(i % 2 ? b : a, 'alice', `guess-${i}`));
    expect(statuses).toEqual([...Array(FREE).fill(401), 429, 429]);
    // Node A, where fewer than FREE of the guesses went, refuses too: the count is the account's.
    expect(await login(a, 'alice', 'correct horse battery')).toBe(429);
  });

  it('stops one address rotating usernames over two nodes at its one budget, and sign-ups likewise', async () => {
    cluster = await startNodes(2, { limits: { loginFailuresFreePerAddress: 6, signupsPerAddressPerHour: 3 } });
    const [a, b] = cluster.nodes as [RunningServer, RunningServer];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await login(i % 2 ? b : a, `nobody${i}`, 'guess'));
    expect(statuses).toEqual([...Array(6).fill(401), 429, 429]);

    const signups: number[] = [];
    for (let i = 0; i < 5; i++) signups.push(await post(i % 2 ? a : b, '/api/signup', { username: `new${i}`, email: `new${i}@lab.test`, password: 'a long enough password' }));
    expect(signups).toEqual([201, 201, 201, 429, 429]);
  });

  it('keeps what it holds for fresh usernames bounded, without dropping a delay it holds', async () => {
    const ENTRIES = 6;
    cluster = await startNodes(2, { limits: { loginFailuresFree: 2, loginFailuresFreePerAddress: 1_000, throttleEntries: ENTRIES } });
    const [a, b] = cluster.nodes as [RunningServer, RunningServer];
    await cluster.user('alice');
    for (let i = 0; i < 2; i++) expect(await login(a, 'alice', `guess-${i}`)).toBe(401);
    // An attacker cycling usernames over both nodes: each a counter of its own.
    for (let i = 0; i < 20; i++) expect(await login(i % 2 ? b : a, `cycled${i}`, 'guess')).toBe(401);
    const db = new pg.Client({ connectionString: cluster.database });
    await db.connect();
    try {
      const { rows } = await db.query<{ scope: string; n: string }>('SELECT scope, count(*) AS n FROM throttle_counters GROUP BY scope');
      for (const row of rows) expect(Number(row.n), row.scope).toBeLessThanOrEqual(ENTRIES);
      expect(rows.find((r) => r.scope === 'login-account')?.n).toBe(String(ENTRIES));
    } finally {
      await db.end();
    }
    // Her counter was kept: once her wait is over, one more wrong guess starts the next wait at once
    // (a counter dropped by the flood would have let two more through).
    let status = 429;
    for (let i = 0; i < 50 && status === 429; i++) {
      status = await login(b, 'alice', 'guess-2');
      if (status === 429) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(401);
    expect(await login(a, 'alice', 'guess-3')).toBe(429);
  });
});
