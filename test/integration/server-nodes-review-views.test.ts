import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewLinkCreated } from '../../shared/schemas/review-links.ts';
import type { RunningServer } from '../../sync-server/server.ts';
import { PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { startNodes, type Nodes } from './support/nodes.ts';

const VIEWS = 3;

/**
 * A reviewer link's views of several nodes on one database: `reviewPagesPerLinkPerMinute` is the
 * link's budget, not each node's, so a link (or a script) going round the nodes behind a proxy
 * gets its pages the number of times one server would give them.
 */
describe.skipIf(TEST_PG === null)(`reviewer link views shared by several nodes${PG_SKIP_REASON}`, () => {
  let cluster: Nodes | null = null;
  afterEach(async () => {
    await cluster?.stop();
    cluster = null;
  });

  it('stops views spread over two nodes at the count one node allows, per link', async () => {
    cluster = await startNodes(2, { limits: { reviewPagesPerLinkPerMinute: VIEWS } });
    const [a, b] = cluster.nodes as [RunningServer, RunningServer];
    const ria = await cluster.user('ria');
    const exp = await ria.createExperiment(a, 'Under review');
    const link = async () => {
      const made = await ria.post(b, `/api/experiments/${exp}/review-links`, {});
      expect(made.status).toBe(201);
      return new URL((made.body as ReviewLinkCreated).url).pathname;
    };
    const first = await link();
    const second = await link();
    const view = async (node: RunningServer, path: string) => {
      const res = await fetch(`${node.url}${path}`);
      await res.arrayBuffer();
      return res.status;
    };
    const statuses: number[] = [];
    for (let i = 0; i < VIEWS + 2; i++) statuses.push(await view(i % 2 ? b : a, first));
    expect(statuses).toEqual([...Array(VIEWS).fill(200), 429, 429]);
    // Node B, where fewer than VIEWS of them went, refuses too; another link has its own budget.
    expect(await view(b, first)).toBe(429);
    expect(await view(b, second)).toBe(200);
  });
});
