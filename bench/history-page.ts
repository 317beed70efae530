/**
 * One page of an experiment's sharing history (`GET /api/experiments/<id>/audit?after=SEQ`) at
 * chain lengths 1k and 100k: what a reader (or someone paging a long history on purpose) costs
 * the server per request, now that each answer checks its page, the entries since the stored
 * checkpoint and the checkpoint's entry. Reference, in the same run on the same server: the check
 * every answer made before, the whole chain re-hashed a page at a time. The chains are seeded
 * straight into the store (as the intents would append them), not through 100k intents; the
 * first request after seeding checks the whole chain once (shown apart: it moves the checkpoint).
 * All lengths live on one server and are measured in turns.
 * Target: page ms flat across lengths (100k/1k near 1x).
 *
 *   npx tsx bench/history-page.ts [--sizes 1000,100000] [--runs 15] [--per-answer 100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainCheck, nextLink, type HistoryFields } from '../shared/audit/history-chain.ts';
import { sha256Hex } from '../shared/audit/sha256-node.ts';
import { createAccount } from '../sync-server/admin.ts';
import { startServer } from '../sync-server/server.ts';
import type { Store } from '../sync-server/store/store.ts';
import { login, PASSWORD } from './lib/accounts.ts';
import { fmt, median, table } from './lib/stats.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SIZES = (arg('sizes') ?? '1000,100000').split(',').map(Number);
const RUNS = Number(arg('runs') ?? 15);
const PER_ANSWER = Number(arg('per-answer') ?? 100);
const expOf = (size: number) => `benchhistory${size}`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** The reference: the whole stored chain re-hashed a page at a time, as every answer did before. */
async function wholeChainCheck(store: Store, experimentId: string): Promise<void> {
  const check = chainCheck(sha256Hex, experimentId);
  for (let after = 0; ; ) {
    const entries = await store.experimentHistoryPage(experimentId, after, PER_ANSWER);
    for (const e of entries) if (!check.add(e)) throw new Error(`seeded chain broken: ${JSON.stringify(check.verdict())}`);
    if (entries.length < PER_ANSWER) return;
    after = entries.at(-1)!.seq;
  }
}

async function seed(store: Store, size: number): Promise<void> {
  const experimentId = expOf(size);
  await store.saveExperiments([{ id: experimentId, owner: 'owner', name: 'Long history', grants: {}, public: false, curated: false, parentId: null, clonedFrom: null, projectId: null, trashed: false, createdAt: 1 }]);
  const link = (head: Parameters<typeof nextLink>[1], f: HistoryFields) => nextLink(sha256Hex, head, f);
  for (let i = 0; i < size; i += 1000) {
    const entries: HistoryFields[] = Array.from({ length: Math.min(1000, size - i) }, (_, k) => ({
      experimentId, at: 1_700_000_000_000 + i + k, actor: 'owner', action: (i + k) % 2 ? 'unshare' : 'share', verdict: 'accepted', code: null, detail: { user: `reader${(i + k) % 97}` },
    }));
    await store.appendHistory({ entries, link });
  }
}

type Row = { size: number; firstMs: number; pageMs: number; wholeMs: number };

/** Every length on one server, measured in turns (a page of each, then the next round), so load and warm-up fall on all alike. */
async function measure(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cytoshare-bench-history-'));
  const server = await startServer({ dataDir: dir, host: '127.0.0.1', port: 0, limits: { historyEntriesPerAnswer: PER_ANSWER } });
  try {
    await createAccount(server.store, { username: 'owner', email: 'owner@bench.test', password: PASSWORD, verified: true });
    for (const size of SIZES) await seed(server.store, size);
    const { token } = await login(server.url, 'owner');
    const page = async (size: number, after: number) => {
      const res = await fetch(`${server.url}/api/experiments/${expOf(size)}/audit?after=${after}`, { headers: { authorization: `Bearer ${token}` } });
      const answer = (await res.json()) as { entries: unknown[]; verification: { intact: boolean; entries?: number } };
      if (res.status !== 200 || answer.entries.length !== PER_ANSWER || !answer.verification.intact || answer.verification.entries !== size) {
        throw new Error(`unexpected answer ${res.status}: ${JSON.stringify(answer.verification)}`);
      }
    };
    const firstMs = new Map<number, number>();
    for (const size of SIZES) firstMs.set(size, await timed(() => page(size, 0)));
    for (let r = 0; r < 5; r++) for (const size of SIZES) await page(size, PER_ANSWER * r);
    const pages = new Map<number, number[]>(SIZES.map((s) => [s, []]));
    const whole = new Map<number, number[]>(SIZES.map((s) => [s, []]));
    for (let r = 0; r < RUNS; r++) {
      for (const size of SIZES) {
        // Pages from all over the chain, as someone paging through it asks for them.
        pages.get(size)!.push(await timed(() => page(size, Math.floor(((r * 7) % RUNS) * ((size - PER_ANSWER) / RUNS)))));
        if (r < Math.min(RUNS, 5)) whole.get(size)!.push(await timed(() => wholeChainCheck(server.store, expOf(size))));
      }
    }
    return SIZES.map((size) => ({ size, firstMs: firstMs.get(size)!, pageMs: median(pages.get(size)!), wholeMs: median(whole.get(size)!) }));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = await measure();
const first = rows[0]!;
console.log(
  table(
    ['entries', `page ms (${PER_ANSWER} entries)`, `page ms vs ${first.size.toLocaleString('en')}`, 'first page ms (checks all once)', 'ref: whole-chain check ms', `ref vs ${first.size.toLocaleString('en')}`, 'ref / page'],
    rows.map((r) => [
      r.size.toLocaleString('en'), fmt(r.pageMs, 2), `${fmt(r.pageMs / first.pageMs, 2)}x`, fmt(r.firstMs), fmt(r.wholeMs), `${fmt(r.wholeMs / first.wholeMs, 1)}x`, `${fmt(r.wholeMs / r.pageMs, 1)}x`,
    ]),
  ),
);
console.log('target: page ms flat across lengths (third column near 1x); the reference (what each page cost before) grows with the chain');
