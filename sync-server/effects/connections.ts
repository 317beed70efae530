import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '../../shared/codes.ts';
import { ConnectionsRoot, docName } from '../../shared/doc-layout.ts';
import type { ConnectionEntry, WaitingShareEntry } from '../../shared/schemas/connection-entry.ts';
import type { Actor, ServerMode } from '../../shared/schemas/entities.ts';
import type { DocRoom } from '../sync/room.ts';
import type { Rooms } from '../sync/rooms.ts';
import type { Store, UserRecord, WaitingShareRecord } from '../store/store.ts';
import type { Notifier } from './notifier.ts';

export type ConnectionDeps = { store: Store; rooms: Rooms; mode: () => ServerMode; publicUrl: () => string; notifier: Notifier };

const LINK_TTL_MS = 7 * 24 * 3600 * 1000;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Connections on a premium server: requests by email, answers in the app or through a one-time
 * link in the mail, auto-connection of everyone on a shared experiment, and the removal guard.
 * Each user's `conn-<username>` document is rebuilt from the database whenever it is loaded and
 * whenever something it shows changes while it is loaded.
 */
export class Connections {
  /** Two accounts just became connected (shares waiting for that are decided; set by the server). */
  onConnected: (a: string, b: string) => Promise<void> = async () => undefined;
  /** `to` declined `from`'s request. */
  onDeclined: (from: string, to: string) => Promise<void> = async () => undefined;

  constructor(private readonly deps: ConnectionDeps) {}

  async isConnectedSet(username: string): Promise<Set<string>> {
    return new Set((await this.deps.store.connectionsOf(username)).map((c) => (c.a === username ? c.b : c.a)));
  }

  /**
   * A connection request by email (an allowed `connect`): one-time answer links by mail and the
   * request on both lists. If they had asked first, asking back is an answer.
   */
  async request(actor: Actor, email: string, target: UserRecord | null, incoming: ReadonlySet<string>): Promise<void> {
    const { store } = this.deps;
    const now = Date.now();
    if (target && incoming.has(target.username)) {
      await this.answer(target.username, actor.username, 'accepted', now);
      return;
    }
    const requestId = randomBytes(12).toString('base64url');
    await store.saveRequest({ id: requestId, fromUser: actor.username, toEmail: email.toLowerCase(), status: 'pending', createdAt: now, decidedAt: null });
    const urls = { acceptUrl: '', rejectUrl: '' };
    for (const action of ['accept', 'reject'] as const) {
      const token = randomBytes(32).toString('base64url');
      await store.saveEmailLink({ tokenHash: hash(token), requestId, action, expiresAt: now + LINK_TTL_MS, usedAt: null });
      urls[`${action}Url`] = `${this.deps.publicUrl()}/connections/respond?token=${token}`;
    }
    const from = await store.findUser(actor.username);
    if (from) await this.deps.notifier.connectionRequest({ from, toEmail: email.toLowerCase(), ...urls });
    await this.refresh([actor.username, ...(target ? [target.username] : [])]);
  }

  /** Ends the connection between the two (an allowed `disconnect`). */
  async disconnect(a: string, b: string): Promise<void> {
    await this.deps.store.deleteConnection(a, b);
    await this.refresh([a, b]);
  }

  /** Settles every pending request between `from` and `to`'s address, and connects on accept. */
  async answer(from: string, to: string, status: 'accepted' | 'rejected', now: number): Promise<void> {
    // The requests settled and the connection made commit together, or none of them does.
    const answered = await this.deps.store.transaction(async (tx) => {
      const toUser = await tx.findUser(to);
      if (!toUser) return false;
      for (const r of await tx.pendingRequests({ fromUser: from })) {
        if (r.toEmail === toUser.email) await tx.saveRequest({ ...r, status, decidedAt: now });
      }
      if (status === 'accepted') await tx.saveConnection(from, to, 'connected', now);
      return true;
    });
    if (!answered) return;
    await this.refresh([from, to]);
    await (status === 'accepted' ? this.onConnected(from, to) : this.onDeclined(from, to));
  }

  /**
   * Auto-connection: a newcomer on an experiment is connected with everyone already on it, even
   * after an earlier rejection, since they now share data. Premium mode only.
   */
  async autoConnect(members: string[], newcomers: string[]): Promise<void> {
    if (this.deps.mode() !== 'premium') return;
    const now = Date.now();
    // Every connection made and request settled commits together; the lists are redrawn after.
    const made = await this.deps.store.transaction(async (tx) => {
      const pairs: [string, string][] = [];
      for (const newcomer of newcomers) {
        for (const member of members) {
          if (member === newcomer || (await tx.getConnection(member, newcomer))) continue;
          await tx.saveConnection(member, newcomer, 'connected', now);
          for (const [a, b] of [[member, newcomer], [newcomer, member]] as const) {
            const bUser = await tx.findUser(b);
            for (const r of await tx.pendingRequests({ fromUser: a })) {
              if (r.toEmail === bUser?.email) await tx.saveRequest({ ...r, status: 'accepted', decidedAt: now });
            }
          }
          pairs.push([member, newcomer]);
        }
      }
      return pairs;
    });
    await this.refresh(new Set(made.flat()));
    // Shares waiting on these connections run as intents of their own, after the commit.
    for (const [member, newcomer] of made) await this.onConnected(member, newcomer);
  }

  /** After a change of server mode: every loaded connections document shows the new state. */
  async refreshLoaded(): Promise<void> {
    for (const room of await this.deps.rooms.loaded()) {
      if (room.ref.kind === 'connections') await this.rebuild(room, room.ref.username);
    }
  }

  /** Rewrites the connections documents of `users` that are loaded; others rebuild on load. */
  async refresh(users: Iterable<string>): Promise<void> {
    for (const user of new Set(users)) {
      const room = await this.deps.rooms.ifLoaded(docName.connections(user));
      if (room) await this.rebuild(room, user);
      // Another server node may have it loaded (see effects/other-nodes.ts).
      await this.deps.store.bus?.publish({ t: 'access', doc: docName.connections(user) });
    }
  }

  async rebuild(room: DocRoom, username: string): Promise<void> {
    const entries = await this.entriesFor(username);
    const shares = new Map<string, WaitingShareEntry>();
    if (this.deps.mode() === 'premium') {
      for (const w of shownWaitingShares(await this.deps.store.waitingShares({ sharer: username }), Date.now())) {
        shares.set(w.id, { experimentId: w.experimentId, user: w.user, state: w.status === 'refused' ? 'refused' : 'waiting', code: w.code, since: w.createdAt });
      }
    }
    await room.serverWrite((doc) => {
      for (const [root, wanted] of [[ConnectionsRoot.connections, entries], [ConnectionsRoot.waitingShares, shares]] as const) {
        const map = doc.getMap(root);
        for (const key of [...map.keys()]) if (!wanted.has(key)) map.delete(key);
        for (const [key, entry] of wanted) if (JSON.stringify(map.get(key)) !== JSON.stringify(entry)) map.set(key, entry);
      }
    });
  }

  async entriesFor(username: string): Promise<Map<string, ConnectionEntry>> {
    const { store } = this.deps;
    const out = new Map<string, ConnectionEntry>();
    if (this.deps.mode() === 'enterprise') return out;
    const me = await store.findUser(username);
    if (!me) return out;
    for (const c of await store.connectionsOf(username)) {
      const other = c.a === username ? c.b : c.a;
      const user = await store.findUser(other);
      out.set(other, {
        user: other,
        email: user?.email ?? '',
        status: c.status,
        direction: null,
        sharedExperiments: await store.sharedExperimentCount(username, other),
        sharedProjects: await store.sharedProjectCount(username, other),
        since: c.since,
      });
    }
    const pending = (user: string | null, email: string, direction: 'incoming' | 'outgoing', since: number): ConnectionEntry => ({
      user, email, status: 'pending', direction, sharedExperiments: 0, sharedProjects: 0, since,
    });
    // A request sent by a share that named the person by username: its address stays theirs.
    const unnamed = new Set((await store.waitingShares({ sharer: username })).filter((w) => !w.namedByAddress).map((w) => w.user));
    for (const r of await store.pendingRequests({ fromUser: username })) {
      const target = await store.findUser(r.toEmail);
      if (target && out.has(target.username)) continue;
      const email = target && unnamed.has(target.username) ? '' : r.toEmail;
      out.set(target ? target.username : `email:${r.toEmail}`, pending(target?.username ?? null, email, 'outgoing', r.createdAt));
    }
    for (const r of await store.pendingRequests({ toEmail: me.email })) {
      if (out.has(r.fromUser)) continue;
      const from = await store.findUser(r.fromUser);
      out.set(r.fromUser, pending(r.fromUser, from?.email ?? '', 'incoming', r.createdAt));
    }
    return out;
  }

  /**
   * Follows a link from a connection-request mail. Opening the link (`confirm` false) only shows
   * what it will do, because mail scanners open links on their own; the button on that page
   * (`confirm` true) does it, once.
   */
  async respondByLink(token: string, confirm: boolean): Promise<{ status: number; code: ErrorCode | null; message: string; confirm?: 'accept' | 'reject' }> {
    const { store } = this.deps;
    if (this.deps.mode() === 'enterprise') return { status: 409, code: ErrorCode.CONNECTIONS_DISABLED, message: 'This server no longer uses connections.' };
    const link = await store.getEmailLink(hash(token));
    if (!link) return { status: 404, code: ErrorCode.BAD_REQUEST, message: 'This link is not valid.' };
    if (link.usedAt !== null) return { status: 410, code: ErrorCode.LINK_USED, message: 'This link was already used.' };
    if (link.expiresAt <= Date.now()) return { status: 410, code: ErrorCode.LINK_EXPIRED, message: 'This link has expired. Ask for a new request.' };
    const request = await store.getRequest(link.requestId);
    if (!request || request.status !== 'pending') return { status: 409, code: ErrorCode.NO_PENDING_REQUEST, message: 'This request was already answered.' };
    const target = await store.findUser(request.toEmail);
    if (!target) {
      // An account that has not proved the address is not found here: the link answers for
      // whoever proves it, never for whoever merely signed up with it.
      return {
        status: 409,
        code: ErrorCode.UNKNOWN_USER,
        message: `Create an account with ${request.toEmail} first and confirm the address with the code mailed to it, then follow this link again.`,
      };
    }
    const accepted = link.action === 'accept';
    if (!confirm) {
      const question = accepted ? `Connect with ${request.fromUser}?` : `Decline the connection request from ${request.fromUser}?`;
      return { status: 200, code: null, message: question, confirm: link.action };
    }
    if (!(await store.useEmailLink(link.tokenHash, Date.now()))) return { status: 410, code: ErrorCode.LINK_USED, message: 'This link was already used.' };
    await this.answer(request.fromUser, target.username, accepted ? 'accepted' : 'rejected', Date.now());
    return {
      status: 200,
      code: null,
      message: accepted ? `You are now connected with ${request.fromUser}.` : `You declined the connection request from ${request.fromUser}.`,
    };
  }

  /**
   * An account proved an address: requests waiting for it now show on its list, and their
   * senders' lists now name the account. (Every lookup by address finds only proved ones, so
   * nothing reaches an account before this.)
   */
  async addressProved(username: string, email: string): Promise<void> {
    const senders = (await this.deps.store.pendingRequests({ toEmail: email.toLowerCase() })).map((r) => r.fromUser);
    await this.refresh([username, ...senders]);
  }
}

/** Refused shares stay on the sharer's list this long, so the reason is seen. */
export const REFUSED_SHARE_SHOWN_MS = 7 * 24 * 3600 * 1000;

/** What the sharer's connections document lists: waiting shares, and refusals of the last days. */
export function shownWaitingShares(records: WaitingShareRecord[], now: number): WaitingShareRecord[] {
  return records.filter((w) => w.status === 'waiting' || (w.status === 'refused' && (w.decidedAt ?? 0) > now - REFUSED_SHARE_SHOWN_MS));
}
