import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { SocketDirectory, type DirectorySocket } from '../../sync-server/sync/socket-directory.ts';

type Closed = { closeCode: number; code: ErrorCode };

function socket(username: string, tokenHash: string, closed: Closed[]): DirectorySocket {
  return { username, tokenHash, close: (closeCode, code) => closed.push({ closeCode, code }) };
}

const later = Date.now() + 3_600_000;

describe('SocketDirectory', () => {
  it('closes the sockets of one session, or of one account, and counts what is open', () => {
    const expiry = new Map<string, number>();
    const dir = new SocketDirectory({ sessionExpiry: async (h) => expiry.get(h) ?? null });
    const closed: Closed[] = [];
    const a1 = socket('alice', 's1', closed);
    const a2 = socket('alice', 's1', closed);
    const a3 = socket('alice', 's2', closed);
    const b1 = socket('bob', 's3', closed);
    for (const s of [a1, a2, a3, b1]) dir.add(s, later);
    expect(dir.count('alice')).toBe(3);
    expect(dir.closeSession('s1')).toBe(2);
    expect(closed).toEqual([
      { closeCode: 4401, code: ErrorCode.NOT_SIGNED_IN },
      { closeCode: 4401, code: ErrorCode.NOT_SIGNED_IN },
    ]);
    expect(dir.count('alice')).toBe(1);
    expect(dir.closeSession('s1')).toBe(0);
    expect(dir.closeAccount('alice', ErrorCode.ACCOUNT_DISABLED)).toBe(1);
    expect(closed.at(-1)).toEqual({ closeCode: 4401, code: ErrorCode.ACCOUNT_DISABLED });
    expect(dir.count('bob')).toBe(1);
    expect(dir.size).toBe(1);
    dir.remove(b1);
    expect(dir.size).toBe(0);
    dir.stop();
  });

  it('closes a socket when its session expires, but asks storage first: an extended session keeps it', async () => {
    const expiry = new Map<string, number>([
      ['short', Date.now() + 50],
      ['extended', Date.now() + 3_600_000],
    ]);
    const dir = new SocketDirectory({ sessionExpiry: async (h) => expiry.get(h) ?? null });
    const closed: Closed[] = [];
    const short = socket('alice', 'short', closed);
    const extended = socket('bob', 'extended', closed);
    dir.add(short, Date.now() + 50);
    // Opened when the session ended sooner; storage now has it extended.
    dir.add(extended, Date.now() + 50);
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toEqual([{ closeCode: 4401, code: ErrorCode.SESSION_EXPIRED }]);
    expect(dir.count('alice')).toBe(0);
    expect(dir.count('bob')).toBe(1);
    dir.stop();
  });
});
