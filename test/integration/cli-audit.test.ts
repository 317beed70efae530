import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../sync-server/store/sqlite-store.ts';
import { cleanup, cli, PASSWORD, world, type World } from './cli-helpers.ts';

type Entry = { seq: number; actor: string; action: string; verdict: string; code: string | null; detail: Record<string, unknown>; hash: string };
const summary = (entries: Entry[]) => entries.map((e) => [e.seq, e.actor, e.action, e.verdict, e.code]);

describe('cytoshare audit: the hash-chained sharing history', () => {
  let w: World;
  let parent: string;
  let child: string;
  beforeAll(async () => {
    w = await world(['ria', 'sam', 'zed']);
    for (const user of ['ria', 'sam', 'zed']) expect((await w.login(user)).code).toBe(0);
    parent = (await w.as('ria', ['exp', 'create', 'Parent run'])).json.id;
    child = (await w.as('ria', ['exp', 'create', 'Child run'])).json.id;
  });
  afterAll(async () => cleanup(w));

  it('a stranger cannot read it (NOT_A_READER)', async () => {
    const stranger = await w.as('zed', ['audit', parent]);
    expect(stranger.code).toBe(3);
    expect(stranger.json.error.code).toBe('NOT_A_READER');
  });

  it('records each sharing decision in order, refusals included, one entry per experiment of a family share', async () => {
    expect((await w.as('ria', ['link', child, '--parent', parent])).code).toBe(0);
    expect((await w.as('ria', ['share', parent, 'sam'])).code).toBe(0);
    // A refusal the server makes (a client that skipped the rules, as the CLI would refuse it itself).
    expect(await intentOverHttp(w.url, 'ria', { id: 'draft-unknown-1', type: 'share', experimentId: parent, user: 'nobody@nowhere.example' })).toMatchObject({ ok: false, code: 'UNKNOWN_USER' });
    expect((await w.as('ria', ['publish', parent])).code).toBe(0);
    expect((await w.as('ria', ['unshare', parent, 'sam'])).code).toBe(0);

    const audit = await w.as('ria', ['audit', parent, '--verify']);
    expect(audit.code).toBe(0);
    expect(summary(audit.json.entries)).toEqual([
      [1, 'ria', 'create', 'accepted', null],
      [2, 'ria', 'share', 'accepted', null],
      [3, 'ria', 'share', 'refused', 'UNKNOWN_USER'],
      [4, 'ria', 'publish', 'accepted', null],
      [5, 'ria', 'unshare', 'accepted', null],
    ]);
    expect(audit.json.entries[1].detail).toMatchObject({ user: 'sam' });
    expect(audit.json.verification).toMatchObject({ intact: true, entries: 5 });

    const below = await w.as('ria', ['audit', child]);
    expect(summary(below.json.entries)).toEqual([
      [1, 'ria', 'create', 'accepted', null],
      [2, 'ria', 'link', 'accepted', null],
      [3, 'ria', 'share', 'accepted', null],
      [4, 'ria', 'unshare', 'accepted', null],
    ]);
    expect(below.json.entries[2].detail).toMatchObject({ user: 'sam', via: parent });

    // Readable by the owner and full access only: a reader of the public experiment is refused.
    const reader = await w.as('zed', ['audit', parent]);
    expect(reader.code).toBe(3);
    expect(reader.json.error.code).toBe('NOT_A_SHARING_MANAGER');
  });

  it('exports RFC 4180 CSV with a header row (formula defusing: unit test)', async () => {
    const csv = await cli(['audit', parent, '--format', 'csv', '--server', w.url, '--profile', join(w.root, 'profile-ria')]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,action,verdict,code,detail,hash');
    expect(lines).toHaveLength(7);
    expect(lines[3]).toMatch(/^3,[^,]+,ria,share,refused,UNKNOWN_USER,"\{""user"":""nobody@nowhere.example""\}",[0-9a-f]{64}$/);
  });

  it('a row edited in the database file is caught: exit 3, AUDIT_TAMPERED, naming the first broken entry', async () => {
    const db = new Database(join(w.root, 'data', DATABASE_FILE));
    try {
      db.prepare("UPDATE experiment_history SET detail = ? WHERE experiment_id = ? AND seq = 2").run(JSON.stringify({ user: 'zed' }), parent);
    } finally {
      db.close();
    }
    const verify = await cli(['audit', parent, '--verify', '--server', w.url, '--profile', join(w.root, 'profile-ria')]);
    expect(verify.code).toBe(3);
    expect(verify.stderr).toContain('error AUDIT_TAMPERED: entry 2: hash-mismatch');
    const json = await w.as('ria', ['audit', parent, '--verify']);
    expect(json.code).toBe(3);
    expect(json.json.verification).toMatchObject({ intact: false, seq: 2, problem: 'hash-mismatch' });
    expect(json.json.error.code).toBe('AUDIT_TAMPERED');
    // Listing without --verify still shows the history as stored.
    expect((await w.as('ria', ['audit', parent])).code).toBe(0);
  });

  it('the CLI checks the chain itself: a server answering "intact" for a broken chain is caught', async () => {
    const liar = await lyingProxy(w.url);
    try {
      const profile = join(w.root, 'profile-ria-via-liar');
      expect((await cli(['login', 'ria', '--password-stdin', '--server', liar.url, '--profile', profile], `${PASSWORD}\n`)).code).toBe(0);
      const verify = await cli(['audit', parent, '--verify', '--json', '--server', liar.url, '--profile', profile]);
      expect(verify.code).toBe(3);
      expect(verify.json.verification).toMatchObject({ intact: false, seq: 2, problem: 'hash-mismatch' });
    } finally {
      await new Promise((done) => liar.server.close(done));
    }
  });
});

async function intentOverHttp(url: string, username: string, intent: Record<string, unknown>): Promise<unknown> {
  const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  const { token } = (await login.json()) as { token: string };
  const answer = await fetch(`${url}/api/intents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(intent) });
  return answer.json();
}

/** A server in the middle that passes everything on but says every history is intact. */
async function lyingProxy(target: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length')) as Record<string, string>;
    const upstream = await fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
    let body = Buffer.from(await upstream.arrayBuffer());
    if (/\/audit(\?|$)/.test(req.url ?? '') && upstream.ok) {
      const answer = JSON.parse(body.toString()) as { entries: Entry[]; verification: unknown };
      answer.verification = { intact: true, entries: answer.entries.length, head: answer.entries.at(-1)?.hash ?? '0'.repeat(64) };
      body = Buffer.from(JSON.stringify(answer));
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}
