/**
 * Soak: does the server's memory stay flat under a long realistic load, with no errors?
 *
 *   npx tsx bench/soak.ts [--clients 200] [--minutes 10]
 *
 * Our server runs in a child process (`node --expose-gc`, unloadDelayMs 2000, so documents
 * also unload and reload). One owner account makes one experiment per 10 clients and shares it
 * with them; each client keeps a socket on its group's experiment. The mix, per client, every
 * 0.5–1.5 s: 95 % an edit of its own tag cell, 5 % it leaves and rejoins 1–3 s later. Every 2 s
 * the owner revokes a random connected client (its socket must be closed with 4403) and shares
 * with it again 1–3 s later, after which it rejoins. Every 10 s the child reports RSS and heap
 * (after `global.gc()`). Errors: a refused edit, a socket closed for any other reason than a
 * leave or a revocation, a failed join or intent, a revoked socket left open.
 * Verdict: the mean of the last third of the samples over the mean of the first third, for RSS
 * and heap (target ≤ 1.1x each), and the error count (target 0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docName, tagKey } from '../shared/doc-layout.ts';
import { addBenchFile, BENCH_FILE, createUsers, intent, loginAll, type Session } from './lib/accounts.ts';
import { startChild } from './lib/child.ts';
import { DocClient } from './lib/doc-client.ts';
import { sleep, table } from './lib/stats.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const CLIENTS = flag('clients', 200);
const MINUTES = flag('minutes', 10);
const GROUP = 10;
const SAMPLE_MS = 10_000;
const MB = (n: number) => (n / 1024 / 1024).toFixed(1);
const between = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

type Member = { session: Session; client: DocClient; doc: string; experimentId: string; leaving: boolean; revoked: boolean };

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-bench-soak-'));
  const names = await createUsers(dataDir, CLIENTS + 1, 'soak');
  const child = await startChild('our-server-child.ts', [dataDir, '2000']);
  const ws = child.url.replace('http', 'ws');
  const errors = new Map<string, number>();
  const error = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);
  const counts = { edits: 0, leaves: 0, joins: 0, revocations: 0, shares: 0 };
  try {
    const sessions = await loginAll(child.url, names);
    const owner = sessions[0]!;
    const experiments: string[] = [];
    for (let g = 0; g * GROUP < CLIENTS; g++) {
      const experimentId = `soak-${g.toString().padStart(3, '0')}-${Date.now().toString(36)}`;
      await intent(child.url, owner, { type: 'create', experimentId, name: `Soak ${g}` });
      await addBenchFile(child.url, owner, experimentId);
      experiments.push(experimentId);
    }
    const members: Member[] = sessions.slice(1).map((session, i) => {
      const experimentId = experiments[Math.floor(i / GROUP)]!;
      return { session, experimentId, doc: docName.experiment(experimentId), client: new DocClient(session.username, tagKey(BENCH_FILE, `Donor ${i}`)), leaving: false, revoked: false };
    });
    for (const m of members) await intent(child.url, owner, { type: 'share', experimentId: m.experimentId, user: m.session.username });
    const join = async (m: Member) => {
      try {
        await m.client.connect(`${ws}/sync/${m.doc}?token=${m.session.token}&v=1`);
        counts.joins++;
      } catch {
        error('join failed');
      }
    };
    for (const m of members) {
      m.client.onClose = (code) => {
        if (m.leaving || (m.revoked && code === 4403)) return;
        error(`socket closed ${code}`);
        if (running) setTimeout(() => void join(m), 1_000);
      };
    }
    for (let i = 0; i < members.length; i += 20) await Promise.all(members.slice(i, i + 20).map(join));
    console.log(`soak: ${CLIENTS} clients on ${experiments.length} experiments for ${MINUTES} min; set up in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    let running = true;
    const endAt = Date.now() + MINUTES * 60_000;
    const clientLoops = members.map(async (m) => {
      await sleep(between(0, 1_500));
      while (running) {
        if (m.client.open && !m.revoked) {
          if (Math.random() < 0.95) {
            m.client.write();
            counts.edits++;
          } else {
            m.leaving = true;
            m.client.disconnect();
            counts.leaves++;
            await m.client.closed(5_000);
            await sleep(between(1_000, 3_000));
            m.leaving = false;
            if (running && !m.revoked) await join(m);
          }
        }
        await sleep(between(500, 1_500));
      }
    });
    const ownerLoop = (async () => {
      while (running) {
        await sleep(2_000);
        const candidates = members.filter((m) => m.client.open && !m.revoked && !m.leaving);
        const m = candidates[between(0, candidates.length)];
        if (!m || !running) continue;
        m.revoked = true;
        try {
          await intent(child.url, owner, { type: 'unshare', experimentId: m.experimentId, user: m.session.username });
          counts.revocations++;
          if ((await m.client.closed(5_000)) !== 4403) error('revoked socket not closed with 4403');
          if (m.client.updatesAfterClosing > 0) error('update after closing');
          await sleep(between(1_000, 3_000));
          await intent(child.url, owner, { type: 'share', experimentId: m.experimentId, user: m.session.username });
          counts.shares++;
        } catch {
          error('intent failed');
        }
        m.revoked = false;
        if (running) await join(m);
      }
    })();

    const samples: Array<{ t: number; rss: number; heap: number; loaded: number; edits: number }> = [];
    const t0 = Date.now();
    while (Date.now() < endAt) {
      await sleep(Math.min(SAMPLE_MS, Math.max(0, endAt - Date.now())));
      try {
        const h = await child.heap();
        samples.push({ t: Math.round((Date.now() - t0) / 1000), rss: h.rss, heap: h.heapUsed, loaded: h.loaded, edits: counts.edits });
        const s = samples.at(-1)!;
        console.log(`  t=${s.t}s rss ${MB(s.rss)} MiB heap ${MB(s.heap)} MiB rooms ${s.loaded} edits ${s.edits} errors ${[...errors.values()].reduce((a, b) => a + b, 0)}`);
      } catch {
        error('heap sample failed');
      }
    }
    running = false;
    await Promise.all([...clientLoops, ownerLoop]);
    const refused = members.reduce((a, m) => a + m.client.refused.length, 0);
    if (refused > 0) errors.set('edit refused', refused);
    members.forEach((m) => {
      m.leaving = true;
      m.client.destroy();
    });

    console.log(table(['t s', 'rss MiB', 'heap MiB', 'rooms', 'edits'], samples.map((s) => [s.t, MB(s.rss), MB(s.heap), s.loaded, s.edits])));
    const third = Math.max(1, Math.floor(samples.length / 3));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = samples.slice(0, third);
    const last = samples.slice(-third);
    const rssRatio = mean(last.map((s) => s.rss)) / mean(first.map((s) => s.rss));
    const heapRatio = mean(last.map((s) => s.heap)) / mean(first.map((s) => s.heap));
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    console.log(`work: ${counts.edits} edits, ${counts.joins} joins, ${counts.leaves} leaves, ${counts.revocations} revocations, ${counts.shares} re-shares`);
    console.log(`errors: ${errorCount}${errorCount ? ` (${[...errors].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`);
    console.log(`last third / first third (${third} samples each): rss ${rssRatio.toFixed(3)}x, heap ${heapRatio.toFixed(3)}x (target ≤ 1.10x each, 0 errors): ${rssRatio <= 1.1 && heapRatio <= 1.1 && errorCount === 0 ? 'MET' : 'MISSED'}`);
    console.log(`soak done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
