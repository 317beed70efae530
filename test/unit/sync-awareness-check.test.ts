import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { AwarenessBook, decodeAwareness, encodeAwarenessMessage, judgeAwareness, type AwarenessSpeaker } from '../../sync-server/sync/awareness-check.ts';

const bounds = { maxEntries: 8, maxStateBytes: 1024 };

/** The body of a type-1 message as y-protocols writes it. */
function body(update: Uint8Array): decoding.Decoder {
  const e = encoding.createEncoder();
  encoding.writeVarUint8Array(e, update);
  return decoding.createDecoder(encoding.toUint8Array(e));
}

function speaker(username: string, maxIds = 4): AwarenessSpeaker {
  return { username, ids: new Set(), maxIds };
}

const nobodyOwns = async (): Promise<string | null> => null;

describe('decodeAwareness', () => {
  it('reads what y-protocols writes, and its fresh encoding is applied by a stock Awareness', () => {
    const doc = new Y.Doc();
    const aw = new Awareness(doc);
    aw.setLocalState({ user: 'alice', cursor: { x: 1 } });
    const decoded = decodeAwareness(body(encodeAwarenessUpdate(aw, [doc.clientID])), bounds);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.entries).toMatchObject([{ clientID: doc.clientID, gone: false }]);
    const reader = new Awareness(new Y.Doc());
    const message = decoding.createDecoder(encodeAwarenessMessage(decoded.entries));
    expect(decoding.readVarUint(message)).toBe(1);
    applyAwarenessUpdate(reader, decoding.readVarUint8Array(message), 'test');
    expect(reader.getStates().get(doc.clientID)).toEqual({ user: 'alice', cursor: { x: 1 } });
  });

  it.each([
    ['empty', new Uint8Array([])],
    ['truncated', new Uint8Array([1, 5, 1])],
    ['a count over the bound', new Uint8Array([9])],
    ['bytes after the last entry', new Uint8Array([0, 0])],
    ['a state that is not JSON', (() => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 7);
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, '{"a":');
      return encoding.toUint8Array(e);
    })()],
    ['a state that is not an object', (() => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 7);
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, '[1,2]');
      return encoding.toUint8Array(e);
    })()],
    ['a state over the bound', (() => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 7);
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, JSON.stringify({ x: 'x'.repeat(2000) }));
      return encoding.toUint8Array(e);
    })()],
    ['invalid UTF-8', new Uint8Array([1, 7, 1, 2, 0xc3, 0x28])],
  ])('refuses %s', (_what, update) => {
    expect(decodeAwareness(body(update), bounds).ok).toBe(false);
  });
});

describe('judgeAwareness', () => {
  const entry = (clientID: number, clock: number, state: object | null) => ({ clientID, clock, json: JSON.stringify(state), gone: state === null });

  it('lets the first socket claim an unowned id, and refuses another account a newer state for it', async () => {
    const book = new AwarenessBook();
    const alice = speaker('alice');
    expect(await judgeAwareness(book, alice, [entry(10, 1, { u: 'a' })], nobodyOwns)).toMatchObject({ ok: true, relay: [{ clientID: 10 }] });
    expect(alice.ids.has(10)).toBe(true);
    const mallory = speaker('mallory');
    expect((await judgeAwareness(book, mallory, [entry(10, 2, { u: 'evil' })], nobodyOwns)).ok).toBe(false);
    expect(mallory.ids.size).toBe(0);
  });

  it('drops, without refusing, the echoes and timeout removals a stock client sends about others', async () => {
    const book = new AwarenessBook();
    await judgeAwareness(book, speaker('alice'), [entry(10, 3, { u: 'a' })], nobodyOwns);
    const bob = speaker('bob');
    const verdict = await judgeAwareness(book, bob, [entry(20, 1, { u: 'b' }), entry(10, 3, { u: 'a' }), entry(10, 4, null)], nobodyOwns);
    expect(verdict).toMatchObject({ ok: true, relay: [{ clientID: 20 }] });
    expect([...bob.ids]).toEqual([20]);
  });

  it('refuses an id registered to another account, and accepts one registered to the speaker', async () => {
    const owners = async (id: number) => (id === 30 ? 'carol' : id === 40 ? 'dave' : null);
    expect((await judgeAwareness(new AwarenessBook(), speaker('dave'), [entry(30, 1, {})], owners)).ok).toBe(false);
    expect((await judgeAwareness(new AwarenessBook(), speaker('dave'), [entry(40, 1, {})], owners)).ok).toBe(true);
  });

  it('keeps a departed id for its account: another account cannot take it over', async () => {
    const book = new AwarenessBook();
    const alice = speaker('alice');
    await judgeAwareness(book, alice, [entry(10, 1, {})], nobodyOwns);
    book.leave(alice.ids);
    expect((await judgeAwareness(book, speaker('mallory'), [entry(10, 9, {})], nobodyOwns)).ok).toBe(false);
    expect((await judgeAwareness(book, speaker('alice'), [entry(10, 2, {})], nobodyOwns)).ok).toBe(true);
  });

  it('bounds the ids one socket may speak for', async () => {
    const s = speaker('alice', 2);
    expect((await judgeAwareness(new AwarenessBook(), s, [entry(1, 1, {}), entry(2, 1, {}), entry(3, 1, {})], nobodyOwns)).ok).toBe(false);
    expect(s.ids.size).toBe(0);
  });
});
