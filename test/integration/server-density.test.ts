import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { docName } from '../../shared/doc-layout.ts';
import { eventsInPolygon, eventsInRect, parseFcs, writeFcs, type FcsFile } from '../../shared/fcs/index.ts';
import { densityOfEvents, DensityQuery, type DensityAnswer } from '../../shared/plot/answer.ts';
import type { IntentResult } from '../../shared/schemas/intents.ts';
import { DensityCache, densityOfBlob } from '../../sync-server/files/density.ts';
import { nextId, type TestUser } from './support/harness.ts';
import { useHarness } from './support/use-harness.ts';

/**
 * The density route: a histogram and gate counts for anyone who may view an experiment,
 * including a restricted project member who may not download its files; never the events.
 */
const EVENTS = 2_000;
/** A value no bin edge or count can equal: if it shows up in an answer, events leaked. */
const MARKER = 777.8125;

function sample(): Float64Array {
  const out = new Float64Array(EVENTS * 3);
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < EVENTS; i++) out.set([rnd() * 1100 - 50, rnd() * 1000, rnd() * 5000], i * 3);
  out.set([MARKER, MARKER, MARKER], 0);
  out.set([Number.NaN, 10, 10], 3); // never in range, never in a gate
  return out;
}
const bytes = writeFcs({ channels: [{ name: 'FSC-A', range: 1024 }, { name: 'SSC-A', label: 'Side', range: 1024 }, { name: 'CD3', range: 4096 }], events: sample() });
const parsed = ((): FcsFile => {
  const r = parseFcs(bytes, { events: true });
  if (!r.ok) throw new Error(r.error.message);
  return r.file;
})();

const h = useHarness();
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let exp: string;
let fileId: string;

const accepted = (r: IntentResult) => expect(r, JSON.stringify(r)).toMatchObject({ ok: true });

async function get(user: TestUser | null, path: string): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
  const res = await fetch(`${h.server.url}${path}`, { headers: user ? { authorization: `Bearer ${user.token}` } : {} });
  const text = res.headers.get('content-type')?.includes('json') ? await res.text() : '';
  if (!text) await res.body?.cancel();
  return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
const densityPath = (query: string, file = fileId) => `/api/experiments/${exp}/files/${file}/density?${query}`;

beforeEach(async () => {
  alice = await h.user('alice');
  bob = await h.user('bob');
  carol = await h.user('carol');
  exp = await alice.createExperiment('Plots');
  const put = await fetch(`${h.server.url}/api/experiments/${exp}/files?name=panel.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: bytes as Uint8Array<ArrayBuffer> });
  expect(put.status).toBe(201);
  fileId = ((await put.json()) as { fileId: string }).fileId;
});

describe('density plots over HTTP', () => {
  it('give a reader counts that sum to the events in range, the same as the page computes', async () => {
    for (const scale of ['lin', 'log', 'asinh'] as const) {
      const res = await get(alice, densityPath(`x=FSC-A&y=Side&bins=32&scale=${scale}&cofactor=5`));
      expect(res.status).toBe(200);
      const answer = res.body as DensityAnswer;
      const local = densityOfEvents(parsed, DensityQuery.parse({ x: 'FSC-A', y: 'Side', bins: '32', scale, cofactor: '5' }), []);
      expect(answer).toEqual(local);
      expect(answer.counts).toHaveLength(32 * 32);
      expect(answer.counts.reduce((a, b) => a + b, 0)).toBe(answer.inRange);
      expect(answer.events).toBe(EVENTS);
      expect(answer.inRange).toBeGreaterThan(0);
      expect(answer.inRange).toBeLessThan(EVENTS); // some events lie below 0 or above 1024
    }
  });

  it('count the events inside each gate, as the gate export would select them', async () => {
    const doc = await alice.open(docName.experiment(exp));
    await doc.waitFor(() => doc.provider.synced, 'synced');
    doc.doc.getMap('gates').set('gate-lymph', { name: 'Lymphocytes', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [100, 100, 600, 500] });
    doc.doc.getMap('gates').set('gate-cd3', { name: 'CD3+', xChannel: 'CD3', yChannel: 'SSC-A', rect: [2000, 0, 5000, 1000] });
    doc.doc.getMap('gates').set('gate-other', { name: 'Other panel', xChannel: 'PE-A', yChannel: 'SSC-A', rect: [0, 0, 1, 1] });
    doc.doc.getMap('gates').set('gate-poly', { name: 'Triangle', xChannel: 'FSC-A', yChannel: 'SSC-A', polygon: [[0, 0], [1000, 0], [0, 1000]] });
    await doc.waitForControl('ack');
    const answer = (await get(alice, densityPath('x=FSC-A&y=SSC-A'))).body as DensityAnswer;
    const inside = (x: string, y: string, rect: [number, number, number, number]) => eventsInRect(parsed, x, y, rect).length / 3;
    const lymph = inside('FSC-A', 'SSC-A', [100, 100, 600, 500]);
    const cd3 = inside('CD3', 'Side', [2000, 0, 5000, 1000]);
    expect(lymph).toBeGreaterThan(0);
    const triangle = eventsInPolygon(parsed, 'FSC-A', 'SSC-A', [[0, 0], [1000, 0], [0, 1000]]).length / 3;
    expect(triangle).toBeGreaterThan(0);
    expect(answer.gates).toEqual([
      { id: 'gate-cd3', inside: cd3, percent: (cd3 / EVENTS) * 100 },
      { id: 'gate-lymph', inside: lymph, percent: (lymph / EVENTS) * 100 },
      { id: 'gate-poly', inside: triangle, percent: (triangle / EVENTS) * 100 },
    ]);
  });

  it('show a restricted member at cloning "disabled" the plot but not the file; a stranger neither', async () => {
    const projectId = nextId('proj');
    accepted(await alice.intent({ type: 'project-create', projectId, name: 'Atlas' }));
    accepted(await alice.intent({ type: 'move', experimentId: exp, projectId }));
    accepted(await alice.intent({ type: 'project-member', projectId, user: 'bob', role: 'member' }));
    accepted(await alice.intent({ type: 'project-policy', projectId, policy: { access: 'restricted', illustrations: 'view-only', cloning: 'disabled' } }));

    const plot = await get(bob, densityPath('x=FSC-A&y=SSC-A&bins=64'));
    expect(plot.status).toBe(200);
    expect((plot.body as DensityAnswer).counts.reduce((a, b) => a + b, 0)).toBe((plot.body as DensityAnswer).inRange);
    expect(await get(bob, `/api/experiments/${exp}/files/${fileId}`)).toMatchObject({ status: 403, body: { code: 'DOWNLOAD_NOT_ALLOWED' } });
    expect(await bob.post(`/api/experiments/${exp}/files/${fileId}/download-ticket`, {})).toMatchObject({ status: 403, body: { code: 'DOWNLOAD_NOT_ALLOWED' } });

    expect(await get(carol, densityPath('x=FSC-A&y=SSC-A'))).toMatchObject({ status: 404, body: { code: 'NOT_A_READER' } });
    expect(await get(null, densityPath('x=FSC-A&y=SSC-A'))).toMatchObject({ status: 401 });
  });

  it('never carry an event: only the fields of the answer, integer counts, no raw value', async () => {
    const res = await get(alice, densityPath('x=FSC-A&y=SSC-A&bins=512'));
    expect(Object.keys(res.body).sort()).toEqual(['bins', 'counts', 'events', 'gates', 'inRange', 'x', 'y']);
    const answer = res.body as DensityAnswer;
    expect(answer.counts.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
    expect(res.text).not.toContain(String(MARKER));
    expect(res.text.length).toBeLessThan(answer.counts.length * 2 + 1_000); // a count per bin, nothing per event
  });

  it('refuse bad parameters with a code and the parameter at fault', async () => {
    const cases: Array<[string, number, string, string[]]> = [
      ['x=FSC-A&y=SSC-A&bins=8', 400, 'BAD_REQUEST', ['bins']],
      ['x=FSC-A&y=SSC-A&bins=100000', 400, 'BAD_REQUEST', ['bins']],
      ['x=FSC-A&y=SSC-A&bins=abc', 400, 'BAD_REQUEST', ['bins']],
      ['x=FSC-A&y=SSC-A&scale=sqrt', 400, 'BAD_REQUEST', ['scale']],
      ['x=FSC-A&y=SSC-A&scale=asinh&cofactor=-1', 400, 'BAD_REQUEST', ['cofactor']],
      ['x=FSC-A', 400, 'BAD_REQUEST', ['y']],
      ['x=FSC-A&y=SSC-A&raw=1', 400, 'BAD_REQUEST', []],
      ['x=PE-A&y=SSC-A', 400, 'UNKNOWN_CHANNEL', ['x']],
      ['x=FSC-A&y=nope', 400, 'UNKNOWN_CHANNEL', ['y']],
    ];
    for (const [query, status, code, path] of cases) {
      const res = await get(alice, densityPath(query));
      expect([query, res.status, res.body.code]).toEqual([query, status, code]);
      if (path.length) expect(res.body.path).toEqual(path);
    }
    expect(await get(alice, densityPath('x=FSC-A&y=SSC-A', 'fdeadbeef'))).toMatchObject({ status: 404, body: { code: 'UNKNOWN_FILE' } });
  });
});

describe('the density cache', () => {
  it('answers a query seen before without reading the blob again, and reads it for a new gate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'density-'));
    try {
      const path = join(dir, 'blob');
      writeFileSync(path, bytes);
      const cache = new DensityCache(2);
      const q = DensityQuery.parse({ x: 'FSC-A', y: 'SSC-A', bins: '16' });
      const gate = { id: 'g', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 500, 500] as const };
      const first = await densityOfBlob(path, 'sha', q, [gate], cache, 1 << 20);
      expect(first.ok).toBe(true);
      rmSync(path);
      // Gone from disk: only the cache can answer.
      expect(await densityOfBlob(path, 'sha', q, [gate], cache, 1 << 20)).toEqual(first);
      await expect(densityOfBlob(path, 'sha', q, [{ ...gate, rect: [0, 0, 1, 1] }], cache, 1 << 20)).rejects.toThrow();
      // Bounded: two more queries push the first one out.
      writeFileSync(path, bytes);
      for (const bins of ['17', '18']) await densityOfBlob(path, 'sha', { ...q, bins: Number(bins) }, [], cache, 1 << 20);
      expect(cache.histograms.size).toBe(2);
      rmSync(path);
      await expect(densityOfBlob(path, 'sha', q, [], cache, 1 << 20)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('density reads per account', () => {
  it('past densityReadsPerAccount at once the account gets 429 TOO_MANY_PLOTS; slots come back, refusals included', async () => {
    await h.stop();
    await h.start({ limits: { densityReadsPerAccount: 1, densityCacheEntries: 0 } });
    alice = await h.user('alice');
    exp = await alice.createExperiment('Big');
    // 2M events: each read takes many chunks, so reads asked together overlap.
    const big = writeFcs({ channels: [{ name: 'FSC-A', range: 1024 }, { name: 'SSC-A', range: 1024 }], events: new Float64Array(4_000_000).map((_, i) => i % 1000) });
    const put = await fetch(`${h.server.url}/api/experiments/${exp}/files?name=big.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: big as Uint8Array<ArrayBuffer> });
    fileId = ((await put.json()) as { fileId: string }).fileId;
    const answers = await Promise.all([16, 17, 18, 19].map((bins) => get(alice, densityPath(`x=FSC-A&y=SSC-A&bins=${bins}`))));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    expect(answers.filter((a) => a.status === 429).every((a) => a.body.code === 'TOO_MANY_PLOTS')).toBe(true);
    expect((await get(alice, densityPath('x=nope&y=SSC-A'))).body.code).toBe('UNKNOWN_CHANNEL');
    expect((await get(alice, densityPath('x=FSC-A&y=SSC-A&bins=20'))).status).toBe(200);
  });
});
