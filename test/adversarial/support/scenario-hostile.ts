import * as Y from 'yjs';
import { docName, ExperimentRoot, tagKey } from '../../../shared/doc-layout.ts';
import { awarenessGarbage, deleteFlood, forkedWrite, HIDDEN, HOSTILE, multiValueWrite, placeholderStruct, serverClientId } from './hostile-updates.ts';
import type { Command } from './property-commands.ts';
import { ReplicaSocket } from './replica-socket.ts';
import { count, LOOSE_TAG, WAIT_MS, type ScenarioState, type Tracked } from './scenario-state.ts';
import type { DocKey, User } from './sharing-model.ts';

/** A run that opens (or reopens) the user's socket on a document; null for a non-reader. */
type HostileRun = ScenarioState & { socketOf(user: User, doc: DocKey): Promise<Tracked | null> };

/**
 * One hostile command: what a malicious client sends on its socket (or into the catalog). The
 * checks after the step say whether the server let any of it through.
 */
export async function sendHostile(run: HostileRun, c: Extract<Command, { t: 'hostile' }>): Promise<void> {
  if (c.kind === 'skip-into-catalog' || c.kind === 'gc-into-catalog') return intoCatalog(run, c);
  const t = await run.socketOf(c.user, c.doc);
  if (!t) return;
  const s = t.socket;
  const d = s.doc;
  const mark = `${HOSTILE} ${c.n}`;
  const bytes = Uint8Array.from(c.bytes);
  if (['sharing-write', 'files-write', 'unknown-root', 'unknown-key', 'bad-value', 'nested', 'oversize', 'multi-value'].includes(c.kind)) {
    run.claimed.set(d.clientID, c.user);
  }
  switch (c.kind) {
    case 'sharing-write':
      d.transact(() => {
        d.getMap(ExperimentRoot.sharing).set(['owner', 'public', 'grants', 'trashed'][c.n % 4]!, c.n % 4 === 0 ? c.user : mark);
      });
      break;
    case 'files-write':
      d.getMap(ExperimentRoot.files).set(`file-${c.n}`, { name: mark, sha256: '0'.repeat(64), size: 1, events: 1, channels: [], version: '3.1', uploadedBy: c.user, uploadedAt: 0 });
      break;
    case 'unknown-root':
      d.getMap('annotations').set('x', mark);
      break;
    case 'unknown-key':
      d.getMap(ExperimentRoot.meta).set('owner', mark);
      break;
    case 'bad-value': {
      const which = c.n % 3;
      if (which === 0) d.getMap(ExperimentRoot.meta).set('name', '   ');
      else if (which === 1) d.getMap(ExperimentRoot.gates).set('gate-0', { name: mark, xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, Number.NaN, 1, 1] });
      else d.getMap(ExperimentRoot.tags).set(tagKey('s0.fcs', 'Donor'), 42);
      break;
    }
    case 'nested': {
      const nested = new Y.Map<unknown>();
      d.getMap(ExperimentRoot.meta).set('purpose', nested);
      nested.set('inner', mark);
      break;
    }
    case 'oversize':
      d.getMap(ExperimentRoot.tags).set(tagKey('s1.fcs', 'Donor'), mark + 'x'.repeat(100_000));
      break;
    case 'forged-id': {
      const victim = [...run.claimed].find(([id, owner]) => owner !== c.user && id !== d.clientID && Y.getState(d.store, id) > 0);
      if (!victim) return;
      s.sendUpdate(forkedWrite(d, (f) => f.getMap(ExperimentRoot.tags).set(tagKey('forged.fcs', 'Donor'), mark), victim[0]));
      break;
    }
    case 'forged-server-id': {
      const server = serverClientId(d);
      if (!server) return;
      s.sendUpdate(forkedWrite(d, (f) => f.getMap(ExperimentRoot.tags).set(tagKey('forged.fcs', 'Donor'), mark), server.client));
      break;
    }
    case 'multi-value': {
      run.model.content[c.doc].tags[LOOSE_TAG] = undefined;
      const update = multiValueWrite(d, ExperimentRoot.tags, LOOSE_TAG, `${HIDDEN} ${c.n}`, `ok ${c.n}`);
      s.applyQuietly(update);
      s.sendUpdate(update);
      break;
    }
    case 'random-bytes':
      // Never a sync (0) or awareness (1) message: those have generators of their own.
      s.send(Uint8Array.from([4 + (c.n % 250), ...bytes]));
      break;
    case 'random-sync':
      s.send(Uint8Array.from([0, 2, bytes.length, ...bytes]));
      break;
    case 'delete-flood': {
      const flood = deleteFlood(d, 300);
      if (flood) s.sendUpdate(flood);
      break;
    }
    case 'awareness-garbage':
      s.send(awarenessGarbage(Uint8Array.from([...Buffer.from('GARBAGE'), ...bytes])));
      break;
  }
  // The socket may be reset for it (4409): then it is simply gone.
  await s.roundTrip(WAIT_MS);
  count(`hostile ${c.kind}`);
}

async function intoCatalog(run: ScenarioState, c: Extract<Command, { t: 'hostile' }>): Promise<void> {
  const s = new ReplicaSocket(run.h.server.url, docName.catalog, run.accounts[c.user].token);
  run.everyone.push({ user: c.user, doc: docName.catalog, socket: s, checkedUpTo: 0 });
  try {
    await s.ready();
    await s.roundTrip(WAIT_MS);
    const fresh = 0x7000_0000 + ((c.n * 7919 + run.runNumber * 104_729) % 0x0fff_ffff);
    run.claimed.set(fresh, c.user);
    s.sendUpdate(placeholderStruct(c.kind === 'gc-into-catalog' ? 'gc' : 'skip', fresh, 0, 1 + (c.n % 5)));
    await s.roundTrip(WAIT_MS);
    count(`hostile ${c.kind}`);
  } finally {
    s.close();
  }
}
