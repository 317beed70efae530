import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogPage } from '../../shared/schemas/catalog-page.ts';
import { startHarness, type Harness, type TestUser } from './support/harness.ts';

/**
 * GET /api/catalog through the real server: the public catalog a page at a time, searched and
 * filtered on the server, so a client never has to download the whole of it.
 */
const PAGE_MAX = 3;
let h: Harness;
let alice: TestUser;
let bob: TestUser;
const ids = new Map<string, string>();

async function get(user: TestUser | null, query: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${h.server.url}/api/catalog${query}`, { headers: user ? { authorization: `Bearer ${user.token}` } : {} });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function page(query: string): Promise<CatalogPage> {
  const res = await get(bob, query);
  expect(res.status).toBe(200);
  return CatalogPage.parse(res.body);
}

beforeAll(async () => {
  h = await startHarness({ limits: { catalogPageRows: PAGE_MAX } });
  alice = await h.user('alice');
  bob = await h.user('bob');
  const staff = await h.user('curator', { staff: true });
  for (const name of ['Tcell panel', 'Bcell panel', 'CD8 panel', 'NK cells', 'Myeloid', 'Secret panel', 'Binned panel']) {
    const id = await alice.createExperiment(name);
    ids.set(name, id);
    if (name !== 'Secret panel') expect((await alice.intent({ type: 'publish', experimentId: id })).ok).toBe(true);
  }
  expect((await alice.intent({ type: 'trash', experimentId: ids.get('Binned panel') as string })).ok).toBe(true);
  expect((await staff.intent({ type: 'curate', experimentId: ids.get('CD8 panel') as string, curated: true })).ok).toBe(true);
}, 60_000);
afterAll(async () => h?.stop());

describe('the public catalog route', () => {
  it('pages through every public experiment in name order, each once, and never lists a private or trashed one', async () => {
    const names: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const p: CatalogPage = await page(`?limit=2${after ? `&after=${after}` : ''}`);
      expect(p.entries.length).toBeLessThanOrEqual(2);
      names.push(...p.entries.map((e) => e.name));
      after = p.next;
      if (after === null) break;
    }
    expect(after).toBeNull();
    expect(names).toEqual(['Bcell panel', 'CD8 panel', 'Myeloid', 'NK cells', 'Tcell panel']);
  });

  it('searches on the server by name and owner, every word', async () => {
    expect((await page('?search=panel%20cd8')).entries.map((e) => e.name)).toEqual(['CD8 panel']);
    expect((await page('?search=ALICE&limit=3')).entries).toHaveLength(3);
    expect((await page('?search=secret')).entries).toEqual([]);
  });

  it('keeps only curated experiments under the curated filter, with what a list row needs', async () => {
    expect((await page('?filter=curated')).entries).toEqual([
      { id: ids.get('CD8 panel'), name: 'CD8 panel', owner: 'alice', curated: true, projectId: null, parentId: null },
    ]);
  });

  it('bounds a page by the server limit and refuses what it cannot read', async () => {
    const big = await page('?limit=100000');
    expect(big.entries).toHaveLength(PAGE_MAX);
    expect(big.next).not.toBeNull();
    for (const bad of ['?filter=mine', '?limit=0', '?limit=many', '?after=not-a-cursor', '?other=1', `?search=${'x'.repeat(201)}`]) {
      expect((await get(bob, bad)).status, bad).toBe(400);
    }
    expect((await get(null, '')).status).toBe(401);
  });
});
