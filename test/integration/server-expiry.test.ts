/**
 * Access that ends, through the real server (README, "Access"): a share with an end is cut off
 * live when it ends (socket closed, index entry gone, the document's sharing state updated by
 * the server); an embargoed experiment is not public before its date and is after; what came
 * due while the server was stopped is applied at start; the warning mail goes once. Ends are a
 * few hundred ms ahead, and every wait is bounded.
 */
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import { docName, readSharing } from '../../shared/doc-layout.ts';
import { TEST_PG } from '../support/pg-database.ts';
import { waitUntil, type HarnessStore } from './support/harness.ts';
import { outboxMails } from './support/outbox.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

const h = useHarnessPerTest();

const soon = (ms = 600) => Date.now() + ms;

/** The subjects of the mails the server wrote to its outbox for `address`. */
async function outboxSubjects(dataDir: string, address: string): Promise<string[]> {
  const mails = await outboxMails(dataDir);
  return mails.filter((m) => m.to && 'text' in m.to && m.to.text.includes(address)).map((m) => m.subject ?? '');
}

const backends: HarnessStore[] = ['sqlite', ...(TEST_PG ? (['postgres'] as const) : [])];

describe.each(backends)('on %s', (backend) => {
  it('cuts off a share live when it ends, and the server records the end in the document', async () => {
    await h.start({ backend });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('Tregs');
    const until = soon(1_500);
    expect(await alice.intent({ type: 'share', experimentId: id, user: 'bob', until })).toMatchObject({ ok: true });

    const live = await bob.open(docName.experiment(id));
    const index = await bob.open(docName.index('bob'));
    await live.waitFor(() => live.provider.synced, 'bob synced');
    await index.waitFor(() => index.doc.getMap('experiments').has(id), 'bob index');
    expect(index.doc.getMap('experiments').get(id)).toMatchObject({ access: 'full', until });
    expect(readSharing(live.doc, id)?.grants['bob']).toMatchObject({ until });

    expect(await live.closed).toEqual({ code: 4403, reason: 'ACCESS_REVOKED' });
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    await index.waitFor(() => !index.doc.getMap('experiments').has(id), 'index entry removed');
    const owner = await alice.open(docName.experiment(id));
    await owner.waitFor(() => owner.provider.synced && readSharing(owner.doc, id) !== null, 'alice synced');
    expect(readSharing(owner.doc, id)?.grants).toEqual({});
    const again = await bob.open(docName.experiment(id));
    expect((await again.closed).code).toBe(4403);
    // The end is in the experiment's history, chained like every sharing decision.
    const history = await h.server.store.experimentHistory(id);
    expect(history.at(-1)).toMatchObject({ actor: '(server)', action: 'access-ended', detail: { user: 'bob', until } });
    expect(verifyChain(sha256Hex, id, history)).toMatchObject({ intact: true });
  });

  it('keeps an embargoed experiment out of the catalog until its date, then publishes it', async () => {
    await h.start({ backend });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const id = await alice.createExperiment('Embargoed');
    const at = soon(2_000);
    expect(await alice.intent({ type: 'publish', experimentId: id, at })).toMatchObject({ ok: true });
    const catalog = await bob.open(docName.catalog);
    await catalog.waitFor(() => catalog.provider.synced, 'catalog synced');
    const early = await bob.open(docName.experiment(id));
    expect((await early.closed).code).toBe(4403);
    expect(Date.now()).toBeLessThan(at);
    expect(catalog.doc.getMap('experiments').has(id)).toBe(false);

    await catalog.waitFor(() => catalog.doc.getMap('experiments').has(id), 'catalog lists it');
    expect(Date.now()).toBeGreaterThanOrEqual(at);
    const reader = await bob.open(docName.experiment(id));
    await reader.waitFor(() => reader.provider.synced && readSharing(reader.doc, id)?.public === true, 'bob reads it');
    expect(readSharing(reader.doc, id)?.publishAt).toBeNull();
  });
});

describe('a restart', () => {
  it('applies at start what came due while the server was stopped', async () => {
    await h.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const shared = await alice.createExperiment('Shared for a while');
    const embargoed = await alice.createExperiment('Public soon');
    const end = soon(400);
    await alice.intent({ type: 'share', experimentId: shared, user: 'bob', until: end });
    await alice.intent({ type: 'publish', experimentId: embargoed, at: end });
    await h.restart(() => waitUntil(() => Date.now() > end, 'the end to pass while stopped'));
    // Applied before the server answered its start: no timer turn is waited for here.
    expect((await h.server.store.getExperiment(shared))?.grants).toEqual({});
    expect(await h.server.store.getExperiment(embargoed)).toMatchObject({ public: true });
    expect(await h.server.store.experimentsOf('bob')).not.toContain(shared);
  });
});

describe('the warning mail', () => {
  it('tells the holder once that the share ends, and again only for a new end', async () => {
    await h.start();
    const alice = await h.user('alice');
    await h.user('bob');
    const id = await alice.createExperiment('Ends soon');
    const dataDir = h.dataDir;
    const warnings = async () => (await outboxSubjects(dataDir, 'bob@lab.test')).filter((s) => s.startsWith('Your access to'));
    const subject = (until: number) => `Your access to “Ends soon” ends on ${new Date(until).toISOString().slice(0, 10)}`;
    const waitForWarnings = async (n: number) => {
      const deadline = Date.now() + 5_000;
      while ((await warnings()).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    const first = soon(3600_000);
    await alice.intent({ type: 'share', experimentId: id, user: 'bob', until: first, notify: false });
    await waitForWarnings(1);
    expect(await warnings()).toEqual([subject(first)]);

    // The same end again, and a restart: no second warning. A new end is warned about again.
    await alice.intent({ type: 'share', experimentId: id, user: 'bob', until: first, notify: false });
    await h.restart();
    const second = soon(2 * 24 * 3600_000);
    await alice.intent({ type: 'share', experimentId: id, user: 'bob', until: second, notify: false });
    await waitForWarnings(2);
    expect(await warnings()).toEqual([subject(first), subject(second)]);
  });
});
