import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName, tagKey } from '../../shared/doc-layout.ts';
import { writeFcs } from '../../shared/fcs/index.ts';
import type { Session } from '../../shared/schemas/api.ts';
import { createAccount } from '../../sync-server/admin.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';
import { openDoc } from './support/harness.ts';
import { post, spawnServer } from './support/server-process.ts';

const PASSWORD = 'correct horse battery';

describe('a server process killed without warning', () => {
  it('keeps every edit it acknowledged', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cytoshare-crash-'));
    const data = join(root, 'data');
    const tools = openSqliteStore(data);
    await createAccount(tools, { username: 'alice', email: 'alice@lab.test', password: PASSWORD, verified: true });
    await tools.close();

    let server = await spawnServer(data);
    try {
      const session = (await post(server.url, '/api/login', { username: 'alice', password: PASSWORD })) as Session;
      const experimentId = 'exp-crash-0001';
      expect(await post(server.url, '/api/intents', { id: 'draft-crash-1', type: 'create', experimentId, name: 'Before the crash' }, session.token)).toMatchObject({ ok: true });
      // The file the tags name (a tag must name a file of the experiment).
      const fcs = writeFcs({ channels: [{ name: 'FSC-A' }], events: new Float64Array([1, 2]), dataType: 'F' });
      const upload = await fetch(`${server.url}/api/experiments/${experimentId}/files?name=s1.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${session.token}` }, body: new Blob([fcs as Uint8Array<ArrayBuffer>]) });
      expect(upload.status).toBe(201);
      const a = openDoc(server.url, docName.experiment(experimentId), session.token);
      await a.waitFor(() => a.provider.synced, 'synced');
      for (let i = 0; i < 40; i++) a.doc.getMap('tags').set(tagKey('s1.fcs', `Donor ${i}`), `D${i}`);
      a.doc.getMap('meta').set('name', 'Renamed just before');
      const mine = a.doc.clientID;
      const clock = Y.getState(a.doc.store, mine);
      const acked = () => a.controls.some((c) => c.t === 'ack' && c.clients[String(mine)] === clock);
      await a.waitFor(acked, 'every edit acknowledged');
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe(null);
      a.destroy();

      server = await spawnServer(data);
      const b = openDoc(server.url, docName.experiment(experimentId), session.token);
      await b.waitFor(() => b.provider.synced, 'synced after the crash');
      expect(b.doc.getMap('tags').size).toBe(40);
      expect(b.doc.getMap('tags').get(tagKey('s1.fcs', 'Donor 39'))).toBe('D39');
      expect(b.doc.getMap('meta').get('name')).toBe('Renamed just before');
      b.destroy();
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
