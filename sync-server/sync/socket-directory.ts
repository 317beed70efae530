import { ErrorCode } from '../../shared/codes.ts';
import { CloseCode } from '../../shared/protocol/message-types.ts';

/** One open document socket as the directory sees it: whose session it runs on, and how to end it. */
export interface DirectorySocket {
  readonly username: string;
  /** SHA-256 of the session token the socket was opened with (never the token itself). */
  readonly tokenHash: string;
  /** Sends a `closing` control message with `code`, then closes the socket with `closeCode`. */
  close(closeCode: number, code: ErrorCode, message: string): void;
}

export type SocketDirectoryOptions = {
  /** The session's expiry as storage has it now, or null when the session is gone (logged out). */
  sessionExpiry: (tokenHash: string) => Promise<number | null>;
  now?: () => number;
};

/** setTimeout takes at most 2^31-1 ms; a 30-day session is re-armed on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Every open document socket, by session and by account, so that ending a session (logout,
 * expiry, a password change, a disabled account) closes its sockets at once instead of letting
 * them go on writing on a session that no longer exists, and so that the sockets of one account
 * can be counted (ServerLimits.socketsPerAccount).
 *
 * Each socket has a timer at its session's expiry. When it fires, storage is asked again (a
 * session may have been extended or ended meanwhile): expired or gone, the socket closes with
 * 4401.
 */
export class SocketDirectory {
  private readonly bySession = new Map<string, Set<DirectorySocket>>();
  private readonly byAccount = new Map<string, Set<DirectorySocket>>();
  private readonly all = new Set<DirectorySocket>();
  /** Sockets the server is closing (too slow): still counted, since their buffers live until they close. */
  private readonly closing = new Set<DirectorySocket>();
  private readonly timers = new Map<DirectorySocket, NodeJS.Timeout>();
  /** Bytes written to each account's sockets and not yet handed to the kernel (ServerLimits.accountBufferBytes). */
  private readonly queuedBytes = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: SocketDirectoryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Records an open socket whose session ends at `expiresAt` (ms since the epoch). */
  add(socket: DirectorySocket, expiresAt: number): void {
    this.all.add(socket);
    addTo(this.bySession, socket.tokenHash, socket);
    addTo(this.byAccount, socket.username, socket);
    this.armExpiry(socket, expiresAt);
  }

  /** Forgets a socket (it closed); true if it was there. */
  remove(socket: DirectorySocket): boolean {
    const timer = this.timers.get(socket);
    if (timer) clearTimeout(timer);
    this.timers.delete(socket);
    removeFrom(this.bySession, socket.tokenHash, socket);
    removeFrom(this.byAccount, socket.username, socket);
    this.closing.delete(socket);
    return this.all.delete(socket);
  }

  /**
   * The server is closing this socket; it stays counted against its account until `remove`
   * (its close event), so reopening at once cannot get round socketsPerAccount.
   */
  retire(socket: DirectorySocket): void {
    if (this.all.has(socket)) this.closing.add(socket);
  }

  /** Sockets of the account being closed by the server and not closed yet. */
  closingCount(username: string): number {
    let n = 0;
    for (const socket of this.byAccount.get(username) ?? []) if (this.closing.has(socket)) n++;
    return n;
  }

  has(socket: DirectorySocket): boolean {
    return this.all.has(socket);
  }

  /** Open sockets of one account. */
  count(username: string): number {
    return this.byAccount.get(username)?.size ?? 0;
  }

  /** Bytes waiting on the account's sockets, closing ones included, as `addQueued` told. */
  queued(username: string): number {
    return this.queuedBytes.get(username) ?? 0;
  }

  /** A socket of the account queued (`bytes` > 0) or flushed or dropped (`bytes` < 0) that many bytes. */
  addQueued(username: string, bytes: number): void {
    const total = (this.queuedBytes.get(username) ?? 0) + bytes;
    if (total > 0) this.queuedBytes.set(username, total);
    else this.queuedBytes.delete(username);
  }

  /** Open sockets in all. */
  get size(): number {
    return this.all.size;
  }

  /**
   * Closes every socket opened with this session, with 4401 after a `closing` message carrying
   * `code` (NOT_SIGNED_IN for a logout; SESSION_EXPIRED, UNKNOWN_SESSION… as the caller says).
   * Returns how many were closed.
   */
  closeSession(tokenHash: string, code: ErrorCode = ErrorCode.NOT_SIGNED_IN): number {
    return this.closeAll(this.bySession.get(tokenHash), code);
  }

  /** Closes every socket of the account (password change, account disabled), as `closeSession`. */
  closeAccount(username: string, code: ErrorCode = ErrorCode.NOT_SIGNED_IN): number {
    return this.closeAll(this.byAccount.get(username), code);
  }

  /** Stops the expiry timers (server shutdown); the sockets themselves are the server's to end. */
  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.all.clear();
    this.closing.clear();
    this.bySession.clear();
    this.byAccount.clear();
  }

  private closeAll(sockets: Set<DirectorySocket> | undefined, code: ErrorCode): number {
    if (!sockets) return 0;
    const closing = [...sockets];
    for (const socket of closing) {
      this.remove(socket);
      socket.close(CloseCode.notSignedIn, code, code === ErrorCode.SESSION_EXPIRED ? 'your session has expired; sign in again' : 'your session has ended; sign in again');
    }
    return closing.length;
  }

  private armExpiry(socket: DirectorySocket, expiresAt: number): void {
    const delay = Math.max(0, Math.min(expiresAt - this.now(), MAX_TIMER_MS));
    const timer = setTimeout(() => void this.checkExpiry(socket), delay);
    timer.unref();
    this.timers.set(socket, timer);
  }

  private async checkExpiry(socket: DirectorySocket): Promise<void> {
    this.timers.delete(socket);
    if (!this.has(socket)) return;
    let expiresAt: number | null;
    try {
      expiresAt = await this.options.sessionExpiry(socket.tokenHash);
    } catch {
      // Storage failed to answer: ask again shortly rather than keep a socket past its session.
      if (this.has(socket)) this.armExpiry(socket, this.now() + 1_000);
      return;
    }
    if (!this.has(socket)) return;
    if (expiresAt !== null && expiresAt > this.now()) {
      this.armExpiry(socket, expiresAt);
      return;
    }
    this.remove(socket);
    const code = expiresAt === null ? ErrorCode.NOT_SIGNED_IN : ErrorCode.SESSION_EXPIRED;
    socket.close(CloseCode.notSignedIn, code, code === ErrorCode.SESSION_EXPIRED ? 'your session has expired; sign in again' : 'your session has ended; sign in again');
  }
}

function addTo(map: Map<string, Set<DirectorySocket>>, key: string, socket: DirectorySocket): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(socket);
}

function removeFrom(map: Map<string, Set<DirectorySocket>>, key: string, socket: DirectorySocket): void {
  const set = map.get(key);
  if (set?.delete(socket) && set.size === 0) map.delete(key);
}
