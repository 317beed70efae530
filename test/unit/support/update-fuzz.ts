import * as Y from 'yjs';
import { docName, ExperimentRoot, parseDocName, tagKey } from '../../../shared/doc-layout.ts';
import { checkContentWrite } from '../../../shared/rules/content.ts';
import { newSharing } from '../../../shared/rules/intents.ts';
import type { Actor, SharingState } from '../../../shared/schemas/entities.ts';
import { DEFAULT_LIMITS } from '../../../sync-server/limits.ts';
import { ClientRegistry } from '../../../sync-server/sync/client-registry.ts';
import { DocRoom, type RoomPeer } from '../../../sync-server/sync/room.ts';
import { inspectUpdate } from '../../../sync-server/sync/update-inspector.ts';
import { mergeClientUpdate } from '../../../sync-server/sync/validated-merge.ts';
import { updateOf } from '../../support/yjs-updates.ts';
import { mergeOnlyStore } from '../../support/merge-store.ts';

/**
 * A byte-mutation fuzz of the update decoder, the inspector and the validated merge. Valid
 * updates (honest edits of an experiment document of several shapes) are mutated (bits
 * flipped, bytes inserted, deleted, spliced from another update, ranges repeated) and merged
 * into a server-side room. The merge must never throw, and an update it accepts (in whole or
 * in part) must leave the server's copy well-formed: encodable and decodable again, nothing
 * pending, every live value valid under the rules, the sharing state untouched, no root
 * outside the layout. Each case is a function of (seed, index), so a failure replays alone.
 */

const EXP = 'fuzzexp1';
const NAME = docName.experiment(EXP);
const alice: Actor = { username: 'alice', staff: false };
const bob: Actor = { username: 'bob', staff: false };
const SHARING: SharingState = { ...newSharing(EXP, 'alice'), grants: { bob: { by: 'alice', at: 1 } } };
const CONTENT_ROOTS = new Set<string>([ExperimentRoot.meta, ExperimentRoot.tags, ExperimentRoot.gates]);
const LAYOUT_ROOTS = new Set<string>(Object.values(ExperimentRoot));

/** mulberry32: small, fast, and the same everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GATE = { name: 'Lymphocytes', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 100, 100] };

/** The server's starting state and the honest updates the mutations start from. */
export type Corpus = { baseline: Uint8Array; seeds: Array<{ name: string; author: Actor; update: Uint8Array }> };

export function buildCorpus(): Corpus {
  const server = new Y.Doc();
  server.clientID = 1;
  const s = server.getMap(ExperimentRoot.sharing);
  for (const [k, v] of Object.entries(SHARING)) if (k !== 'id') s.set(k, v);
  server.getMap(ExperimentRoot.meta).set('name', 'Spleen panel');
  server.getMap(ExperimentRoot.tags).set(tagKey('s1.fcs', 'Donor'), 'D1');
  server.getMap(ExperimentRoot.gates).set('gate-1', { ...GATE });
  const baseline = Y.encodeStateAsUpdate(server);
  const replica = (clientID: number): Y.Doc => {
    const d = new Y.Doc();
    d.clientID = clientID;
    Y.applyUpdate(d, baseline);
    return d;
  };
  const seeds: Corpus['seeds'] = [];
  const add = (name: string, author: Actor, clientID: number, change: (d: Y.Doc) => void) => {
    const d = replica(clientID);
    seeds.push({ name, author, update: updateOf(d, () => change(d)) });
  };
  add('set a tag', alice, 101, (d) => d.getMap('tags').set(tagKey('s2.fcs', 'Stim'), 'PMA'));
  add('overwrite a tag', bob, 102, (d) => d.getMap('tags').set(tagKey('s1.fcs', 'Donor'), 'D2'));
  add('delete a tag', alice, 103, (d) => d.getMap('tags').delete(tagKey('s1.fcs', 'Donor')));
  add('add a gate', alice, 104, (d) => d.getMap('gates').set('gate-2', { ...GATE, name: 'Monocytes' }));
  add('remove a gate', bob, 105, (d) => d.getMap('gates').set('gate-1', null));
  add('rename', alice, 106, (d) => d.getMap('meta').set('name', 'Spleen panel v2'));
  add('one transaction over three roots', alice, 107, (d) =>
    d.transact(() => {
      d.getMap('meta').set('purpose', 'fuzz');
      d.getMap('tags').set(tagKey('s3.fcs', 'Donor'), 'D3');
      d.getMap('gates').set('gate-3', { ...GATE, name: 'T cells' });
    }),
  );
  add('twenty edits merged', bob, 108, (d) => {
    for (let i = 0; i < 20; i++) d.getMap('tags').set(tagKey(`m${i % 5}.fcs`, 'Donor'), `v${i}`);
  });
  add('a refused write to the sharing state', bob, 109, (d) => d.getMap('sharing').set('public', true));
  add('a write to an unknown root', alice, 110, (d) => d.getArray('notes').insert(0, ['a', 'b']));
  add('a value of the wrong shape', alice, 111, (d) => d.getMap('gates').set('gate-4', { name: 1 }));
  const offline = replica(112);
  for (let i = 0; i < 8; i++) offline.getMap('tags').set(tagKey(`o${i}.fcs`, 'Donor'), `o${i}`);
  for (let i = 0; i < 4; i++) offline.getMap('tags').delete(tagKey(`o${i}.fcs`, 'Donor'));
  seeds.push({ name: 'sync step 2 after offline edits', author: alice, update: Y.encodeStateAsUpdate(offline) });
  return { baseline, seeds };
}

export type Mutation = { kind: string; at: number; detail: number };

/** One mutation of `bytes`, drawn from `rand`; `other` is another valid update to splice from. */
export function mutate(bytes: Uint8Array, other: Uint8Array, rand: () => number): { bytes: Uint8Array; mutation: Mutation } {
  const n = bytes.length;
  const at = Math.floor(rand() * Math.max(n, 1));
  const pick = Math.floor(rand() * 8);
  const out = Array.from(bytes);
  switch (pick) {
    case 0: {
      const bit = Math.floor(rand() * 8);
      if (n > 0) out[at] = out[at]! ^ (1 << bit);
      return { bytes: Uint8Array.from(out), mutation: { kind: 'flip', at, detail: bit } };
    }
    case 1: {
      const value = [0x00, 0x01, 0x7f, 0x80, 0xff, Math.floor(rand() * 256)][Math.floor(rand() * 6)]!;
      if (n > 0) out[at] = value;
      return { bytes: Uint8Array.from(out), mutation: { kind: 'set', at, detail: value } };
    }
    case 2: {
      const len = 1 + Math.floor(rand() * 4);
      out.splice(at, 0, ...Array.from({ length: len }, () => Math.floor(rand() * 256)));
      return { bytes: Uint8Array.from(out), mutation: { kind: 'insert', at, detail: len } };
    }
    case 3: {
      const len = 1 + Math.floor(rand() * 4);
      out.splice(at, len);
      return { bytes: Uint8Array.from(out), mutation: { kind: 'delete', at, detail: len } };
    }
    case 4: {
      const from = Math.floor(rand() * other.length);
      const len = 1 + Math.floor(rand() * 16);
      out.splice(at, Math.floor(rand() * 4), ...Array.from(other.subarray(from, from + len)));
      return { bytes: Uint8Array.from(out), mutation: { kind: 'splice', at, detail: from } };
    }
    case 5: {
      const len = 1 + Math.floor(rand() * 12);
      const times = 1 + Math.floor(rand() * 50);
      const slice = out.slice(at, at + len);
      for (let i = 0; i < times; i++) out.splice(at, 0, ...slice);
      return { bytes: Uint8Array.from(out), mutation: { kind: 'repeat', at, detail: times } };
    }
    case 6:
      return { bytes: Uint8Array.from(out.slice(0, at)), mutation: { kind: 'truncate', at, detail: 0 } };
    default: {
      // The whole update twice over, then mutated once more: a second client group or delete set.
      const twice = Uint8Array.from([...bytes, ...bytes]);
      return { bytes: mutate(twice, other, rand).bytes, mutation: { kind: 'double', at, detail: 0 } };
    }
  }
}

export type CaseResult = { accepted: boolean; failure: string | null; seedName: string; mutation: Mutation | null; bytes: Uint8Array };

function peerOf(actor: Actor): RoomPeer {
  return { actor, send: () => undefined, sendFrame: () => undefined, control: () => undefined, close: () => undefined };
}

/** Runs case `index` of `seed`. Never throws: a thrown error is a failure. */
export async function runCase(corpus: Corpus, seed: number, index: number): Promise<CaseResult> {
  const rand = prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const base = corpus.seeds[Math.floor(rand() * corpus.seeds.length)]!;
  const other = corpus.seeds[Math.floor(rand() * corpus.seeds.length)]!;
  let bytes = base.update;
  let mutation: Mutation | null = null;
  const rounds = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < rounds; i++) ({ bytes, mutation } = mutate(bytes, other.update, rand));
  const result: CaseResult = { accepted: false, failure: null, seedName: base.name, mutation, bytes };
  const store = mergeOnlyStore();
  const room = new DocRoom(NAME, parseDocName(NAME)!, store, { updates: [corpus.baseline], lastSeq: 1 });
  room.sharing = SHARING;
  try {
    inspectUpdate(room.doc, bytes, { budget: DEFAULT_LIMITS.updateWorkBudget, roots: LAYOUT_ROOTS });
    const deps = { registry: new ClientRegistry(store), limits: DEFAULT_LIMITS };
    const frame = rand() < 0.5 ? Uint8Array.from([0, 2, ...bytes]) : null;
    const outcome = await room.run(() => mergeClientUpdate(room, peerOf(base.author), bytes, deps, frame));
    if (outcome !== null) {
      result.accepted = true;
      result.failure = wellFormed(room.doc);
    }
  } catch (error) {
    result.failure = `threw: ${error instanceof Error ? `${error.message}\n${error.stack?.split("\n").slice(1, 9).join('\n')}` : String(error)}`;
  } finally {
    room.destroy();
  }
  return result;
}

/** Null when the server's copy is as it must be after an accepted merge; else what is wrong. */
export function wellFormed(doc: Y.Doc): string | null {
  if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) return 'pending structs or deletions in the server copy';
  const encoded = Y.encodeStateAsUpdate(doc);
  const again = new Y.Doc();
  try {
    Y.applyUpdate(again, encoded);
  } catch (error) {
    return `the server copy does not decode again: ${String(error)}`;
  }
  if (again.store.pendingStructs !== null || again.store.pendingDs !== null) return 'a fresh reader would hold pending structs';
  for (const name of again.share.keys()) if (!LAYOUT_ROOTS.has(name)) return `root outside the layout: ${name}`;
  const sharing = again.getMap(ExperimentRoot.sharing).toJSON();
  const { id: _id, ...expected } = SHARING;
  if (JSON.stringify(sharing) !== JSON.stringify(expected)) return `sharing state changed: ${JSON.stringify(sharing)}`;
  for (const structs of again.store.clients.values()) {
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || struct.deleted) continue;
      const parent = struct.parent;
      if (!(parent instanceof Y.AbstractType) || parent._item !== null) return 'a live item inside a nested type';
      const root = Y.findRootTypeKey(parent);
      if (struct.parentSub === null) return `a live list item in root ${root}`;
      if (!(struct.content instanceof Y.ContentAny) || struct.content.getContent().length !== 1) {
        return `a live ${struct.content.constructor.name} of length ${struct.length} at ${root}.${struct.parentSub}`;
      }
      if (!CONTENT_ROOTS.has(root)) continue;
      const value = struct.content.getContent()[0];
      const verdict = checkContentWrite(SHARING, alice, { root, key: struct.parentSub, value, deleted: false });
      if (!verdict.ok) return `invalid value at ${root}.${struct.parentSub}: ${verdict.code}`;
    }
  }
  return null;
}

export async function runFuzz(
  seed: number,
  cases: number,
  onFailure: (index: number, result: CaseResult) => void = () => undefined,
): Promise<{ accepted: number; failures: number }> {
  const corpus = buildCorpus();
  let accepted = 0;
  let failures = 0;
  for (let i = 0; i < cases; i++) {
    const result = await runCase(corpus, seed, i);
    if (result.accepted) accepted++;
    if (result.failure !== null) {
      failures++;
      onFailure(i, result);
    }
  }
  return { accepted, failures };
}
