import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import type { Session } from '../../shared/schemas/api.ts';
import { createAccount } from '../../sync-server/admin.ts';
import { openPgStore } from '../../sync-server/store/pg-store.ts';
import { createTestDatabase, dropTestDatabase, PG_SKIP_REASON, TEST_PG } from '../support/pg-database.ts';
import { openDoc } from './support/harness.ts';
import { post, spawnServer, type ServerProcess } from './support/server-process.ts';

const PASSWORD = 'correct horse battery';

/** Two `cytoshare server --database URL` processes; one is killed (SIGKILL) while a client writes through it. */
describe.skipIf(TEST_PG === null)(`a server node killed without warning while another serves the same database${PG_SKIP_REASON}`, () => {
  it('loses no acknowledged write, and the other node serves the document at once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cytoshare-nodes-crash-'));
    const url = await createTestDatabase();
    const tools = await openPgStore(url);
    const nodes: ServerProcess[] = [];
    try {
      for (const user of ['alice', 'bob']) await createAccount(tools, { username: user, email: `${user}@lab.test`, password: PASSWORD, verified: true });
      await tools.saveConnection('alice', 'bob', 'connected', Date.now());
      // Nodes on one database share one totp.key (see the README's "Several nodes").
      const totpKey = randomBytes(32);
      for (const name of ['a', 'b']) {
        await mkdir(join(root, name));
        await writeFile(join(root, name, 'totp.key'), totpKey, { mode: 0o600 });
        nodes.push(await spawnServer(join(root, name), ['--database', url]));
      }
      const [doomed, survivor] = nodes as [ServerProcess, ServerProcess];
      const alice = (await post(doomed.url, '/api/login', { username: 'alice', password: PASSWORD })) as Session;
      const bob = (await post(survivor.url, '/api/login', { username: 'bob', password: PASSWORD })) as Session;
      const experimentId = 'exp-nodes-crash-1';
      expect(await post(doomed.url, '/api/intents', { id: 'draft-nc-1', type: 'create', experimentId, name: 'Storm' }, alice.token)).toMatchObject({ ok: true });
      expect(await post(survivor.url, '/api/intents', { id: 'draft-nc-2', type: 'share', experimentId, user: 'bob' }, alice.token)).toMatchObject({ ok: true });
      const fcs = writeFcs({ channels: [{ name: 'FSC-A' }], events: new Float64Array([1, 2]), dataType: 'F' });
      const upload = await fetch(`${doomed.url}/api/experiments/${experimentId}/files?name=s1.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: new Blob([fcs as Uint8Array<ArrayBuffer>]) });
      expect(upload.status).toBe(201);

      const writer = openDoc(doomed.url, docName.experiment(experimentId), alice.token);
      const reader = openDoc(survivor.url, docName.experiment(experimentId), bob.token);
      await writer.waitFor(() => writer.provider.synced && reader.provider.synced && writer.doc.getMap('files').size === 1, 'both synced, with the file');
      const mine = writer.doc.clientID;
      const ackedClock = () => Math.max(0, ...writer.controls.flatMap((c) => (c.t === 'ack' ? [c.clients[String(mine)] ?? 0] : [])));
      // Each write's clock once made: it is acknowledged when an ack covers that clock.
      const written: Array<{ key: string; clock: number }> = [];
      let storming = true;
      const storm = (async () => {
        for (let i = 0; storming; i++) {
          const key = tagKey('s1.fcs', `Donor ${i}`);
          writer.doc.getMap('tags').set(key, `D${i}`);
          written.push({ key, clock: Y.getState(writer.doc.store, mine) });
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      await writer.waitFor(() => ackedClock() >= (written[60]?.clock ?? Infinity), 'a good part of the storm acknowledged', 10_000);
      doomed.child.kill('SIGKILL');
      expect(await doomed.exited).toBe(null);
      storming = false;
      await storm;
      const acked = written.filter((w) => w.clock <= ackedClock());
      expect(acked.length).toBeGreaterThan(60);
      writer.destroy();

      // The reader on the surviving node had them live; a fresh reader there gets them too.
      await reader.waitFor(() => acked.every((w) => reader.doc.getMap('tags').has(w.key)), 'acknowledged writes at the live reader', 10_000);
      const fresh = openDoc(survivor.url, docName.experiment(experimentId), alice.token);
      await fresh.waitFor(() => fresh.provider.synced, 'alice on the surviving node');
      for (const w of acked) expect(fresh.doc.getMap('tags').has(w.key)).toBe(true);
      fresh.doc.getMap('meta').set('name', 'Carried on');
      await reader.waitFor(() => reader.doc.getMap('meta').get('name') === 'Carried on', 'editing goes on on the surviving node');
      reader.destroy();
      fresh.destroy();
    } finally {
      for (const node of nodes) if (node.child.exitCode === null) node.child.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.exited));
      await tools.close();
      await dropTestDatabase(url);
      await rm(root, { recursive: true, force: true });
    }
  });
});
