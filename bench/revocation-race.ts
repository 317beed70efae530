/**
 * Revocation race: does a reader whose access is removed receive anything after the removal?
 *
 *   npx tsx bench/revocation-race.ts [--rounds 100]
 *
 * Our server runs in a child process. Each round: the owner shares the experiment with the
 * reader, the reader opens a socket and syncs, the owner writes its tag cell continuously
 * (every ~1 ms, each value carrying `~seq~`), and after 20–80 ms the owner unshares. Counted at
 * the reader, from the moment the unshare intent is answered:
 *   after-closing  update frames the reader received after the server's `closing` message on its
 *                  socket (the server's own order: anything there was sent after the eviction);
 *   post-ack       updates carrying a write the owner made after the intent was answered.
 * Both target 0. "in flight" (updates that arrived between the request and the answer) is shown
 * for context: those were sent while the reader still had access.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docName, tagKey } from '../shared/doc-layout.ts';
import { addBenchFile, BENCH_FILE, createUsers, intent, loginAll } from './lib/accounts.ts';
import { startChild } from './lib/child.ts';
import { DocClient } from './lib/doc-client.ts';
import { sleep, table } from './lib/stats.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const ROUNDS = flag('rounds', 100);

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-bench-revoke-'));
  const names = await createUsers(dataDir, 2, 'revoke');
  const child = await startChild('our-server-child.ts', [dataDir, '5000']);
  const ws = child.url.replace('http', 'ws');
  try {
    const [owner, reader] = await loginAll(child.url, names);
    const experimentId = `revoke-${Date.now().toString(36)}`;
    await intent(child.url, owner!, { type: 'create', experimentId, name: 'Revocation race' });
    await addBenchFile(child.url, owner!, experimentId);
    const doc = docName.experiment(experimentId);
    const writer = new DocClient('owner', tagKey(BENCH_FILE, 'Owner'));
    await writer.connect(`${ws}/sync/${doc}?token=${owner!.token}&v=1`);

    const rows: Array<Array<string | number>> = [];
    let totalAfterClosing = 0;
    let totalPostAck = 0;
    let errors = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      await intent(child.url, owner!, { type: 'share', experimentId, user: reader!.username });
      const r = new DocClient(`reader round ${round}`, tagKey(BENCH_FILE, 'Reader'));
      let ackedSeq = Infinity;
      let postAck = 0;
      let inFlight = 0;
      let seen = 0;
      let requested = false;
      r.onSeen = (seq) => {
        seen++;
        if (seq > ackedSeq) postAck++;
        else if (requested && ackedSeq === Infinity) inFlight++;
      };
      await r.connect(`${ws}/sync/${doc}?token=${reader!.token}&v=1`);
      let writing = true;
      let lastSeq = 0;
      const storm = (async () => {
        while (writing) {
          lastSeq = writer.write().seq;
          await sleep(1);
        }
      })();
      await sleep(20 + Math.floor(Math.random() * 60));
      requested = true;
      await intent(child.url, owner!, { type: 'unshare', experimentId, user: reader!.username });
      ackedSeq = lastSeq;
      // Keep writing a while after the answer: these must never reach the removed reader.
      await sleep(50);
      writing = false;
      await storm;
      const code = await r.closed(5_000);
      if (code !== 4403) errors++;
      totalAfterClosing += r.updatesAfterClosing;
      totalPostAck += postAck;
      rows.push([round, seen, inFlight, r.updatesAfterClosing, postAck, code ?? 'open']);
      r.destroy();
    }
    writer.destroy();
    console.log(`revocation race: ${ROUNDS} rounds`);
    console.log(table(['round', 'updates seen', 'in flight', 'after closing', 'post-ack writes', 'close'], rows));
    const perRound = rows.filter((row) => Number(row[3]) > 0 || Number(row[4]) > 0);
    if (perRound.length > 0) console.log(`rounds with a leak: ${perRound.map((row) => row[0]).join(', ')}`);
    console.log(`total: ${totalAfterClosing} update frames after closing, ${totalPostAck} post-ack writes seen by the removed reader, ${errors} rounds without a 4403 close (target 0, 0, 0): ${totalAfterClosing + totalPostAck + errors === 0 ? 'MET' : 'MISSED'}`);
    console.log(`revocation race done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
