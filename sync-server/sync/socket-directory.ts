import type { ErrorCode } from '../../shared/codes.ts';

/**
 * PLACEHOLDER, replaced at merge by the real directory of open document sockets (built on
 * another branch). Account and session code calls it wherever a session or an account ends, so
 * that their open sockets close at once with 4401; this stand-in closes nothing.
 */
export class SocketDirectory {
  /** Marks this stand-in, so tests of socket closing can tell it from the real directory. */
  static readonly placeholder = true;

  /** Closes every open socket signed in with this session; returns how many. */
  closeSession(_tokenHash: string, _code?: ErrorCode): number {
    return 0;
  }

  /** Closes every open socket of this account; returns how many. */
  closeAccount(_username: string, _code?: ErrorCode): number {
    return 0;
  }
}
