import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentRecord } from '../../sync-server/store/store.ts';
import { cleanup, world, type World } from './cli-helpers.ts';

/**
 * `exp list --filter public|curated` reads the public catalog from the server page by page
 * (GET /api/catalog): every public experiment once, in the list's order, searched on the server.
 * More experiments than one page holds are seeded straight into the store.
 */
type Row = { id: string; name: string; owner: string; access: string; public: boolean; curated: boolean };
const COUNT = 230;

describe('cytoshare exp list over the paged public catalog', () => {
  let w: World;
  beforeAll(async () => {
    w = await world(['alice', 'bob']);
    const seeded: ExperimentRecord[] = Array.from({ length: COUNT }, (_, i) => ({
      id: `seed${i.toString().padStart(8, '0')}`, owner: 'alice', name: `Panel ${i}`, grants: {}, public: true, curated: i % 50 === 0,
      parentId: null, clonedFrom: null, projectId: null, trashed: false, createdAt: 1,
    }));
    await w.server.store.saveExperiments([...seeded, { ...seeded[0]!, id: 'secret0000', name: 'Panel secret', public: false, curated: false }]);
    for (const user of ['alice', 'bob']) expect((await w.login(user)).code).toBe(0);
  }, 60_000);
  afterAll(async () => cleanup(w));

  it('lists every public experiment across pages, each once, as a public reader sees it, never a private one', async () => {
    const listed = await w.as('bob', ['exp', 'list', '--filter', 'public']);
    expect(listed.code).toBe(0);
    const rows = listed.json as Row[];
    expect(rows).toHaveLength(COUNT);
    expect(new Set(rows.map((r) => r.id)).size).toBe(COUNT);
    expect(rows.slice(0, 3).map((r) => r.name)).toEqual(['Panel 0', 'Panel 1', 'Panel 2']);
    expect(rows[0]).toMatchObject({ owner: 'alice', access: 'public', public: true, curated: true });
    expect(rows.some((r) => r.name === 'Panel secret')).toBe(false);
  });

  it('narrows by search and by curation on the server', async () => {
    const found = (await w.as('bob', ['exp', 'list', '--filter', 'public', '--search', 'panel 123'])).json as Row[];
    expect(found.map((r) => r.name)).toEqual(['Panel 123']);
    const curated = (await w.as('bob', ['exp', 'list', '--filter', 'curated'])).json as Row[];
    expect(curated.map((r) => r.name)).toEqual(['Panel 0', 'Panel 50', 'Panel 100', 'Panel 150', 'Panel 200']);
    const own = (await w.as('alice', ['exp', 'list', '--filter', 'curated', '--search', 'panel 100'])).json as Row[];
    expect(own.map((r) => [r.name, r.access])).toEqual([['Panel 100', 'owner']]);
  });
});
