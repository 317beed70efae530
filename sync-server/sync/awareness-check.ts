import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { MessageType } from '../../shared/protocol/message-types.ts';

/**
 * Presence (y-protocols "awareness") messages, checked before they are relayed. The stock
 * y-websocket client applies every awareness message it receives and throws on a malformed
 * one, so the server decodes each message, checks it, and relays a fresh encoding of what
 * passed: bytes a client sent never reach another reader as they came.
 *
 * The encoding (y-protocols/awareness.js): varUint8Array( varUint count, then per entry
 * varUint clientID, varUint clock, varString JSON state ), where the JSON `null` means "this
 * client left".
 */
export type AwarenessEntry = {
  clientID: number;
  clock: number;
  /** The state as JSON text, already parsed once: an object, or null for a client that left. */
  json: string;
  gone: boolean;
};

export type AwarenessBounds = { maxEntries: number; maxStateBytes: number };

export type DecodedAwareness = { ok: true; entries: AwarenessEntry[] } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_CLIENT_ID = 0xffff_ffff;

/** Decodes the body of a type-1 message (the type already read); nothing may follow it. */
export function decodeAwareness(decoder: decoding.Decoder, bounds: AwarenessBounds): DecodedAwareness {
  try {
    const update = decoding.readVarUint8Array(decoder);
    if (decoding.hasContent(decoder)) return { ok: false, reason: 'bytes after the presence update' };
    const inner = decoding.createDecoder(update);
    const count = decoding.readVarUint(inner);
    if (count > bounds.maxEntries) return { ok: false, reason: `more than ${bounds.maxEntries} clients in one presence message` };
    const entries: AwarenessEntry[] = [];
    for (let i = 0; i < count; i++) {
      const clientID = decoding.readVarUint(inner);
      const clock = decoding.readVarUint(inner);
      if (clientID > MAX_CLIENT_ID) return { ok: false, reason: 'a client id out of range' };
      // The length first: an oversized state is refused before a byte of it is decoded.
      const length = decoding.readVarUint(inner);
      if (length > bounds.maxStateBytes) return { ok: false, reason: `a presence state over ${bounds.maxStateBytes} bytes` };
      const json = utf8.decode(decoding.readUint8Array(inner, length));
      const shape = stateShape(json);
      if (shape === null) return { ok: false, reason: 'a presence state that is not an object' };
      entries.push({ clientID, clock, json, gone: shape === 'gone' });
    }
    if (decoding.hasContent(inner)) return { ok: false, reason: 'bytes after the last presence entry' };
    return { ok: true, entries };
  } catch {
    return { ok: false, reason: 'the presence message could not be decoded' };
  }
}

/** What a presence state's JSON holds: an object ('state'), null ('gone': the client left), or anything else (null: refused). Throws on JSON that does not parse. */
export function stateShape(json: string): 'state' | 'gone' | null {
  const state: unknown = JSON.parse(json);
  if (state === null) return 'gone';
  return typeof state === 'object' && !Array.isArray(state) ? 'state' : null;
}

/** A whole type-1 message carrying `entries`, encoded afresh. */
export function encodeAwarenessMessage(entries: AwarenessEntry[]): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(inner, entry.clientID);
    encoding.writeVarUint(inner, entry.clock);
    encoding.writeVarString(inner, entry.json);
  }
  const outer = encoding.createEncoder();
  encoding.writeVarUint(outer, MessageType.awareness);
  encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner));
  return encoding.toUint8Array(outer);
}

/** Departed client ids a room remembers (to recognise late echoes of them); the oldest go first. */
const DEPARTED_KEPT = 4_096;

type BookEntry = { username: string; clock: number };

/**
 * Per document: which account speaks for each client id seen in its presence messages, and
 * the highest clock relayed for it. Ids of sockets that closed are kept (up to DEPARTED_KEPT),
 * so an echo of them that arrives late is still recognised, and a departed id cannot be taken
 * over by another account.
 */
export class AwarenessBook {
  private readonly ids = new Map<number, BookEntry>();
  private readonly departed = new Set<number>();

  get(clientID: number): BookEntry | undefined {
    return this.ids.get(clientID);
  }

  record(clientID: number, username: string, clock: number): void {
    const known = this.ids.get(clientID);
    this.ids.set(clientID, { username, clock: Math.max(clock, known?.clock ?? 0) });
    this.departed.delete(clientID);
  }

  /** The socket that spoke for these ids closed. */
  leave(clientIDs: Iterable<number>): void {
    for (const id of clientIDs) {
      if (!this.ids.has(id)) continue;
      this.departed.delete(id);
      this.departed.add(id);
    }
    for (const id of this.departed) {
      if (this.departed.size <= DEPARTED_KEPT) break;
      this.departed.delete(id);
      this.ids.delete(id);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}

const books = new WeakMap<object, AwarenessBook>();

/** The book of one room (any object standing for it), made on first use and gone with the room. */
export function bookOf(room: object): AwarenessBook {
  let book = books.get(room);
  if (!book) books.set(room, (book = new AwarenessBook()));
  return book;
}

/** What one socket may say in presence messages: the ids it speaks for. */
export type AwarenessSpeaker = {
  username: string;
  /** Ids this socket has spoken for; grows up to `maxIds`. */
  ids: Set<number>;
  maxIds: number;
};

export type AwarenessVerdict = { ok: true; relay: AwarenessEntry[] } | { ok: false; reason: string };

/**
 * Registers ids nobody owned that a socket announced (ClientRegistry.claim, persisted as writes
 * are, under the same per-socket and per-day bounds); a reason when it refuses.
 */
export type RegisterClaims = (clientIDs: number[]) => Promise<{ ok: true } | { ok: false; reason: string }>;

/**
 * Which entries of a well-formed message the speaker may send. A socket speaks for an id when
 * - it spoke for it before on this socket; or
 * - the id belongs to its own account: registered to it (`ownerOf`, the ids it writes
 *   document updates with) or announced here by another socket of the same account; or
 * - nobody owns the id yet: no account has written with it and no other account announced it
 *   on this document. A fresh client announces its presence before it writes anything, so the
 *   first socket to announce an unowned id speaks for it (ids are random 32-bit numbers; a
 *   socket cannot guess another account's before that account uses it).
 *
 * Announcing an unowned id registers it to the speaker's account (`register`), as writing with
 * it would: presence shows a client's id to every reader before that client writes anything,
 * and if only writes claimed ids, any reader (a public experiment has them by the thousand)
 * could write first under a collaborator's announced id; the collaborator's edits made offline
 * would then be refused as FOREIGN_CLIENT_ID and dropped on reset. So the first account to
 * announce or write an id owns it. An attacker cannot announce an id before its owner does: it
 * learns ids from presence (already announced, so registered) or from a document's structs
 * (already written, so registered). Announcing an id that some replica will draw later at
 * random is a 1-in-2^32 shot per id, bounded by the per-day claim limit; that replica would be
 * told FOREIGN_CLIENT_ID and reset before it had written anything the server kept.
 *
 * Entries about other clients are never relayed. The stock y-websocket client sends some
 * honestly: it re-broadcasts every presence change it applies (an echo, with the clock the
 * server relayed) and announces a `null` state for clients it timed out. Those are dropped
 * without a word; any other entry about another account's id refuses the whole message.
 */
export async function judgeAwareness(
  book: AwarenessBook,
  speaker: AwarenessSpeaker,
  entries: AwarenessEntry[],
  ownerOf: (clientID: number) => Promise<string | null>,
  register: RegisterClaims = async () => ({ ok: true }),
): Promise<AwarenessVerdict> {
  const relay: AwarenessEntry[] = [];
  const claims: number[] = [];
  const unowned: number[] = [];
  for (const entry of entries) {
    const id = entry.clientID;
    if (speaker.ids.has(id) || claims.includes(id)) {
      relay.push(entry);
      continue;
    }
    const known = book.get(id);
    if (known && known.username !== speaker.username) {
      if (entry.gone || entry.clock <= known.clock) continue;
      return { ok: false, reason: 'a presence state of another account’s client' };
    }
    if (!known) {
      const owner = await ownerOf(id);
      if (owner !== null && owner !== speaker.username) {
        if (entry.gone) continue;
        return { ok: false, reason: 'a presence state of another account’s client' };
      }
      // A `null` state about an id nobody here speaks for announces nothing: not a claim.
      if (owner === null && entry.gone) continue;
      if (owner === null) unowned.push(id);
    }
    claims.push(id);
    relay.push(entry);
  }
  if (speaker.ids.size + claims.length > speaker.maxIds) return { ok: false, reason: `more than ${speaker.maxIds} client ids on one connection` };
  if (unowned.length > 0) {
    const registered = await register(unowned);
    if (!registered.ok) return registered;
  }
  for (const id of claims) speaker.ids.add(id);
  for (const entry of relay) book.record(entry.clientID, speaker.username, entry.clock);
  return { ok: true, relay };
}
