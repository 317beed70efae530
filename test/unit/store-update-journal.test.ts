import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';
import type { Store } from '../../sync-server/store/store.ts';
import { encodeRecord, readJournal, UpdateJournal } from '../../sync-server/store/update-journal.ts';

let dir: string;
const opened: Store[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cytoshare-journal-'));
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const open = (journal = true) => {
  const store = openSqliteStore(dir, { journal });
  opened.push(store);
  return store;
};
/** What a crash leaves: the store is never closed, so nothing is drained or emptied. */
const crash = (store: Store) => opened.splice(opened.indexOf(store), 1);

describe('the update journal file', () => {
  it('gives back, in order and byte for byte, what an earlier process wrote', () => {
    const path = join(dir, 'j');
    const first = new UpdateJournal(path);
    first.append({ seq: 1, doc: 'exp-a', update: bytes(3, 1) });
    first.append({ seq: 2, doc: 'idx-bob', update: bytes(70_000, 2) });
    first.append({ seq: 3, doc: 'exp-ä', update: bytes(0, 0) });
    first.close();
    const again = new UpdateJournal(path);
    const recovered: Array<[number, string, number, number | undefined]> = [];
    again.drain((entries) => entries.forEach((e) => recovered.push([e.seq, e.doc, e.update.length, e.update[0]])));
    expect(recovered).toEqual([
      [1, 'exp-a', 3, 1],
      [2, 'idx-bob', 70_000, 2],
      [3, 'exp-ä', 0, undefined],
    ]);
    again.close();
  });

  it('keeps its entries, in the file and for the next drain, when storing them fails', () => {
    const path = join(dir, 'j');
    const j = new UpdateJournal(path);
    j.append({ seq: 1, doc: 'exp-a', update: bytes(5, 1) });
    const size = statSync(path).size;
    expect(() =>
      j.drain(() => {
        throw new Error('database is locked');
      }),
    ).toThrow('database is locked');
    expect(statSync(path).size).toBe(size);
    const stored: number[] = [];
    j.drain((entries) => entries.forEach((e) => stored.push(e.seq)));
    expect(stored).toEqual([1]);
    expect(statSync(path).size).toBe(0);
    j.close();
  });

  it('drops a torn last record and keeps the whole ones before it', () => {
    const path = join(dir, 'j');
    const j = new UpdateJournal(path);
    j.append({ seq: 1, doc: 'exp-a', update: bytes(10, 1) });
    j.append({ seq: 2, doc: 'exp-a', update: bytes(10, 2) });
    j.close();
    truncateSync(path, statSync(path).size - 4);
    expect(readJournal(readFileSync(path)).map((e) => e.seq)).toEqual([1]);
  });

  it('cuts a torn tail off on open, so what is appended after it is recovered next time', () => {
    const path = join(dir, 'j');
    const first = new UpdateJournal(path);
    first.append({ seq: 1, doc: 'exp-a', update: bytes(10, 1) });
    first.append({ seq: 2, doc: 'exp-a', update: bytes(10, 2) });
    first.close();
    truncateSync(path, statSync(path).size - 4);
    const second = new UpdateJournal(path);
    second.append({ seq: 3, doc: 'exp-a', update: bytes(10, 3) });
    second.close();
    expect(readJournal(readFileSync(path)).map((e) => e.seq)).toEqual([1, 3]);
  });

  it('drops a record whose bytes changed, and everything after it', () => {
    const good = encodeRecord({ seq: 1, doc: 'exp-a', update: bytes(10, 1) });
    const bad = encodeRecord({ seq: 2, doc: 'exp-a', update: bytes(10, 2) });
    bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
    const after = encodeRecord({ seq: 3, doc: 'exp-a', update: bytes(10, 3) });
    expect(readJournal(Buffer.concat([good, bad, after])).map((e) => e.seq)).toEqual([1]);
    expect(readJournal(Buffer.from('not a journal at all'))).toEqual([]);
  });
});

describe('a store with the update journal', () => {
  it('recovers acknowledged updates that a crash left in the journal', async () => {
    const store = open();
    const seqs = [];
    for (let i = 0; i < 5; i++) seqs.push(await store.appendUpdate('exp-x', bytes(4, i)));
    expect(statSync(join(dir, 'updates.journal')).size).toBeGreaterThan(0);
    crash(store);

    const after = open();
    const loaded = await after.loadUpdates('exp-x');
    expect(loaded.updates.map((u) => u[0])).toEqual([0, 1, 2, 3, 4]);
    expect(loaded.lastSeq).toBe(seqs.at(-1));
    expect(statSync(join(dir, 'updates.journal')).size).toBe(0);
    expect(await after.appendUpdate('exp-x', bytes(1, 9))).toBeGreaterThan(seqs.at(-1)!);
  });

  it('stores each update once when a crash came between a drain and the emptying of the file', async () => {
    const store = open();
    const entries = [];
    for (let i = 0; i < 3; i++) entries.push({ seq: await store.appendUpdate('exp-y', bytes(4, i)), doc: 'exp-y', update: bytes(4, i) });
    await store.loadUpdates('exp-y'); // drains into SQLite and empties the file
    crash(store);
    // The file as it was before the emptying: the same records again.
    for (const e of entries) appendFileSync(join(dir, 'updates.journal'), encodeRecord(e));

    const after = open();
    expect((await after.loadUpdates('exp-y')).updates.map((u) => u[0])).toEqual([0, 1, 2]);
  });

  it('compacts journaled updates with the stored ones', async () => {
    const store = open();
    await store.appendUpdate('exp-z', bytes(2, 1));
    await store.loadUpdates('exp-z');
    const last = await store.appendUpdate('exp-z', bytes(2, 2));
    await store.compact('exp-z', bytes(2, 7), last);
    expect((await store.loadUpdates('exp-z')).updates.map((u) => u[0])).toEqual([7]);
  });

  it('is left alone by a tool that opens the data folder beside the server', async () => {
    const server = open();
    await server.appendUpdate('exp-w', bytes(2, 5));
    const size = statSync(join(dir, 'updates.journal')).size;
    // Opening is synchronous: the server's drain (a timer) cannot have run in between.
    open(false);
    expect(size).toBeGreaterThan(0);
    expect(statSync(join(dir, 'updates.journal')).size).toBe(size);
    expect((await server.loadUpdates('exp-w')).updates.map((u) => u[0])).toEqual([5]);
  });

  it('shows a tool beside the server the updates still in the journal, without draining them', async () => {
    const server = open();
    await server.appendUpdate('exp-t', bytes(2, 1));
    await server.loadUpdates('exp-t'); // drained into SQLite
    const last = await server.appendUpdate('exp-t', bytes(2, 2)); // only in the journal
    await server.appendUpdate('idx-t', bytes(2, 3));
    const size = statSync(join(dir, 'updates.journal')).size;
    const tool = open(false);
    expect(await tool.loadUpdates('exp-t')).toEqual({ updates: [bytes(2, 1), bytes(2, 2)], lastSeq: last });
    expect(await tool.storedDocNames('exp-')).toEqual(['exp-t']);
    expect(statSync(join(dir, 'updates.journal')).size).toBe(size);
  });

  it('starts from an empty journal file left by a clean stop', async () => {
    writeFileSync(join(dir, 'updates.journal'), '');
    const store = open();
    expect((await store.loadUpdates('exp-v')).updates).toEqual([]);
  });

  it('keeps working when its checkpoint thread cannot open the database', async () => {
    const store = open();
    // Gone before the worker thread (which takes tens of ms to start) opens the file.
    rmSync(dir, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 500));
    await store.appendUpdate('exp-u', bytes(2, 3));
    expect((await store.loadUpdates('exp-u')).updates.map((u) => u[0])).toEqual([3]);
  });
});
