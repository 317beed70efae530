import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile, cleanup, PASSWORD, world, type World } from './cli-helpers.ts';

/**
 * Bounds on answers that grow with use: the sharing history comes in pages of
 * `historyEntriesPerAnswer` (the CLI joins them), and a reviewer link's page, which draws
 * density plots on every view, opens `reviewPagesPerLinkPerMinute` times a minute, then 429.
 */
const PER_ANSWER = 2;
const VIEWS = 3;

async function tokenOf(url: string, username: string): Promise<string> {
  const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  return ((await login.json()) as { token: string }).token;
}

type Page = { entries: Array<{ seq: number }>; next?: number | null; verification: { intact: boolean; entries?: number } };

describe('server bounds on histories and reviewer pages', () => {
  let w: World;
  let exp: string;
  beforeAll(async () => {
    w = await world(['ria', 'sam'], { limits: { historyEntriesPerAnswer: PER_ANSWER, reviewPagesPerLinkPerMinute: VIEWS } });
    for (const user of ['ria', 'sam']) expect((await w.login(user)).code).toBe(0);
    exp = (await w.as('ria', ['exp', 'create', 'Bounded run'])).json.id;
    await addFile(w, 'ria', exp, 'tube 1.fcs');
    expect((await w.as('ria', ['gate', 'add', exp, 'Lymphocytes', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', '1,2,5,9'])).code).toBe(0);
    for (const step of [['share', exp, 'sam'], ['publish', exp], ['unpublish', exp], ['unshare', exp, 'sam']]) expect((await w.as('ria', step)).code).toBe(0);
  }, 60_000);
  afterAll(async () => cleanup(w));

  it('answers the history a page at a time, and the CLI still shows and verifies all of it', async () => {
    const token = await tokenOf(w.url, 'ria');
    const get = async (query: string) => {
      const res = await fetch(`${w.url}/api/experiments/${exp}/audit${query}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as Page;
    };
    const seen: number[] = [];
    let page = await get('?verify=1');
    for (;;) {
      expect(page.entries.length).toBeLessThanOrEqual(PER_ANSWER);
      // Every page carries the server's check of the whole chain, not of the page.
      expect(page.verification).toMatchObject({ intact: true, entries: 5 });
      seen.push(...page.entries.map((e) => e.seq));
      if (page.next === null || page.next === undefined) break;
      page = await get(`?after=${page.next}`);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const bad = await fetch(`${w.url}/api/experiments/${exp}/audit?after=-1`, { headers: { authorization: `Bearer ${token}` } });
    expect(bad.status).toBe(400);

    const audit = await w.as('ria', ['audit', exp, '--verify']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.json.entries.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('draws a reviewer page a few times a minute per link, then answers 429 with Retry-After', async () => {
    const made = await w.as('ria', ['review-link', 'create', exp]);
    expect(made.code).toBe(0);
    for (let i = 0; i < VIEWS; i++) expect((await fetch(made.json.url)).status).toBe(200);
    const refused = await fetch(made.json.url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).not.toContain('Bounded run');
    // The bound is the link's own: another link to the same experiment still opens.
    const other = await w.as('ria', ['review-link', 'create', exp]);
    expect((await fetch(other.json.url)).status).toBe(200);
  });
});
