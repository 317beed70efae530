/**
 * Crash durability: is every write the server acknowledged still there after `kill -9`?
 *
 *   npx tsx bench/crash.ts [--rounds 20] [--clients 8]
 *
 * Each round starts our server in a child process on the same data folder, connects fresh
 * clients (new Yjs client ids) to one shared experiment, and lets them write their tag cells as
 * fast as they can; after 300–1000 ms the server process gets SIGKILL. Every client keeps the
 * highest clock of its client id the server acknowledged (the `ack` control message, sent only
 * after the update is in the update journal). Then the server restarts on the same folder and a
 * fresh reader syncs the document: a write is lost when the reader's clock for its client is
 * below the acknowledged one. Each write is one struct, so clocks count writes.
 * Target: 0 lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { docName, tagKey } from '../shared/doc-layout.ts';
import { addBenchFile, BENCH_FILE, createUsers, intent, loginAll, type Session } from './lib/accounts.ts';
import { startChild, type ServerChild } from './lib/child.ts';
import { DocClient } from './lib/doc-client.ts';
import { sleep, table } from './lib/stats.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const ROUNDS = flag('rounds', 20);
const CLIENTS = flag('clients', 8);

/** The document as the server has it: one sync step 1 → step 2, applied to a fresh Y.Doc. */
function fetchDoc(url: string, doc: string, token: string, timeoutMs = 15_000): Promise<Y.Doc> {
  return new Promise((resolve, reject) => {
    const ydoc = new Y.Doc();
    const ws = new WebSocket(`${url}/sync/${doc}?token=${token}&v=1`, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${doc}: no sync in ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('open', () => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeSyncStep1(e, ydoc);
      ws.send(encoding.toUint8Array(e));
    });
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 1) return;
      Y.applyUpdate(ydoc, decoding.readVarUint8Array(d));
      clearTimeout(timer);
      ws.close();
      resolve(ydoc);
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${doc}: closed ${code} before sync`));
    });
    ws.on('error', () => undefined);
  });
}

function killed(child: ServerChild): Promise<void> {
  return new Promise((resolve) => {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return resolve();
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoshare-bench-crash-'));
  const names = await createUsers(dataDir, CLIENTS + 1, 'crash');
  let child = await startChild('our-server-child.ts', [dataDir, '5000']);
  const rows: Array<Array<string | number>> = [];
  let totalAcked = 0;
  let totalLost = 0;
  let errors = 0;
  try {
    const sessions: Session[] = await loginAll(child.url, names);
    const owner = sessions[0]!;
    const experimentId = `crash-${Date.now().toString(36)}`;
    await intent(child.url, owner, { type: 'create', experimentId, name: 'Crash bench' });
    await addBenchFile(child.url, owner, experimentId);
    for (const s of sessions.slice(1)) await intent(child.url, owner, { type: 'share', experimentId, user: s.username });
    const doc = docName.experiment(experimentId);
    for (let round = 1; round <= ROUNDS; round++) {
      if (round > 1) child = await startChild('our-server-child.ts', [dataDir, '5000']);
      const ws = child.url.replace('http', 'ws');
      const clients = sessions.slice(1).map((s, i) => new DocClient(`${s.username} round ${round}`, tagKey(BENCH_FILE, `Donor ${i}`)));
      await Promise.all(clients.map((c, i) => c.connect(`${ws}/sync/${doc}?token=${sessions[i + 1]!.token}&v=1`)));
      let storming = true;
      let written = 0;
      const storms = clients.map(async (c) => {
        while (storming && c.open) {
          c.write();
          written++;
          // A short pause now and then lets acks and relays through, as real editing would.
          await (written % 4 === 0 ? sleep(1) : new Promise((r) => setImmediate(r)));
        }
      });
      const stormMs = 300 + Math.floor(Math.random() * 700);
      await sleep(stormMs);
      await killed(child);
      storming = false;
      await Promise.all(storms);
      await Promise.all(clients.map((c) => c.closed(5_000)));
      const acked = clients.map((c) => c.acked);

      child = await startChild('our-server-child.ts', [dataDir, '5000']);
      let lost = 0;
      try {
        const seen = await fetchDoc(child.url.replace('http', 'ws'), doc, owner.token);
        clients.forEach((c, i) => {
          lost += Math.max(0, acked[i]! - Y.getState(seen.store, c.doc.clientID));
        });
        seen.destroy();
      } catch (error) {
        errors++;
        console.log(`round ${round}: ${String(error)}`);
      }
      const ackedSum = acked.reduce((a, b) => a + b, 0);
      const refused = clients.reduce((a, c) => a + c.refused.length, 0);
      errors += refused;
      totalAcked += ackedSum;
      totalLost += lost;
      rows.push([round, stormMs, written, ackedSum, lost, refused]);
      clients.forEach((c) => c.destroy());
      // The next round's server is started at the top of the loop: stop this verifying one hard too.
      await killed(child);
    }
    console.log(`crash: ${ROUNDS} rounds, ${CLIENTS} writers on one experiment, SIGKILL during the storm`);
    console.log(table(['round', 'storm ms', 'writes sent', 'acknowledged', 'lost', 'refused'], rows));
    console.log(`total: ${totalAcked} acknowledged, ${totalLost} lost, ${errors} errors (target 0 lost, 0 errors): ${totalLost === 0 && errors === 0 ? 'MET' : 'MISSED'}`);
    console.log(`crash done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await killed(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
