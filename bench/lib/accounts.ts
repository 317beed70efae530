import { writeFcs } from '../../shared/fcs/index.ts';
import { createAccount } from '../../sync-server/admin.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';

export const PASSWORD = 'correct horse battery bench';
let draft = 0;
const draftId = () => `bench-${process.pid}-${Date.now().toString(36)}-${(++draft).toString().padStart(5, '0')}`;

/** Creates `n` accounts directly on the store of `dataDir` (before the server starts). */
export async function createUsers(dataDir: string, n: number, prefix = 'bench'): Promise<string[]> {
  const store = openSqliteStore(dataDir);
  const names = Array.from({ length: n }, (_, i) => `${prefix}${i.toString().padStart(3, '0')}`);
  try {
    // scrypt runs on the libuv pool: a few at a time keeps it busy without queueing hundreds.
    for (let i = 0; i < names.length; i += 4) {
      await Promise.all(
        names.slice(i, i + 4).map((username) => createAccount(store, { username, email: `${username}@bench.test`, password: PASSWORD, verified: true })),
      );
    }
    // Premium mode lets an owner share only with accounts it is connected to: connect the
    // first account (the owner in every bench) with each other one, directly on the store.
    const withConnections = store as typeof store & { saveConnection?: (x: string, y: string, status: 'connected', since: number) => Promise<void> };
    if (withConnections.saveConnection) {
      for (const other of names.slice(1)) await withConnections.saveConnection(names[0]!, other, 'connected', Date.now());
    }
  } finally {
    await store.close();
  }
  return names;
}

export type Session = { username: string; token: string };

export async function login(url: string, username: string): Promise<Session> {
  const res = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string };
  return { username, token: body.token };
}

export async function loginAll(url: string, names: string[]): Promise<Session[]> {
  const out: Session[] = [];
  for (let i = 0; i < names.length; i += 4) out.push(...(await Promise.all(names.slice(i, i + 4).map((n) => login(url, n)))));
  return out;
}

export async function intent(url: string, session: Session, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/api/intents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ id: draftId(), ...body }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`intent ${String(body.type)}: ${res.status} ${text}`);
  const result = JSON.parse(text) as { ok: boolean; code?: string };
  if (!result.ok) throw new Error(`intent ${String(body.type)} refused: ${result.code}`);
}

/**
 * An experiment owned by `owner`, shared with every account in `others`, holding one small FCS
 * file named BENCH_FILE (sample tags must name a file of the experiment). Returns its id.
 */
export async function sharedExperiment(url: string, owner: Session, others: string[], name = 'Bench experiment'): Promise<string> {
  const experimentId = `bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  await intent(url, owner, { type: 'create', experimentId, name });
  await addBenchFile(url, owner, experimentId);
  for (const user of others) await intent(url, owner, { type: 'share', experimentId, user });
  return experimentId;
}

/** Uploads the small FCS file BENCH_FILE into an experiment, so tag cells may name it. */
export async function addBenchFile(url: string, owner: Session, experimentId: string): Promise<void> {
  const fcs = writeFcs({ channels: [{ name: 'FSC-A' }], events: new Float64Array([1, 2, 3]), dataType: 'F' });
  const res = await fetch(`${url}/api/experiments/${experimentId}/files?name=${encodeURIComponent(BENCH_FILE)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${owner.token}` },
    body: new Blob([fcs as Uint8Array<ArrayBuffer>]),
  });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
}

/** The file every bench client's tag cell names. */
export const BENCH_FILE = 's1.fcs';
