import { describe, expect } from 'vitest';
import { bytes, eachStore, user } from './support/store-contract.ts';

/**
 * The store contract for accounts, sessions, code mails and two-step sign-in, on every adapter
 * (the set-up is in support/store-contract.ts).
 */
eachStore({}, (it) => {
  describe('accounts and sessions', () => {
    it('finds an account by name, or by an address only once proved, and gives an address to one account', async ({ store }) => {
      await store.addUser(user('alice'));
      await store.addUser(user('bob'));
      expect(await store.findUser('alice')).toMatchObject({ email: '', staff: false, disabledAt: null });
      expect(await store.findUser('alice@lab.test')).toBeNull();
      expect(await store.proveEmail('alice', 'Alice@Lab.test')).toBe(true);
      expect(await store.findUser('ALICE@lab.test')).toMatchObject({ username: 'alice', email: 'alice@lab.test' });
      expect(await store.proveEmail('bob', 'alice@lab.test')).toBe(false);
      expect(await store.countUsers()).toBe(2);
    });

    it('ends sessions and records each end for other servers, in order', async ({ store }) => {
      await store.addUser(user('alice'));
      for (const t of ['t1', 't2', 't3']) await store.addSession({ tokenHash: t, username: 'alice', publicId: `p${t}`, createdAt: Number(t[1]), expiresAt: 99, lastUsedAt: null });
      await store.touchSession('t1', 42);
      expect((await store.findSession('t1'))?.lastUsedAt).toBe(42);
      expect((await store.sessionsOf('alice')).map((s) => s.tokenHash)).toEqual(['t1', 't2', 't3']);
      expect((await store.deleteSessionsOf('alice', 't2', 50)).sort()).toEqual(['t1', 't3']);
      await store.deleteSession('t2');
      expect(await store.sessionsOf('alice')).toEqual([]);
      expect(await store.setDisabled('alice', 60)).toBe(true);
      expect(await store.setDisabled('nobody', 60)).toBe(false);
      const ends = await store.sessionEndsSince(0, 10);
      expect(ends.map((e) => e.tokenHash)).toEqual(expect.arrayContaining(['t1', 't2', 't3', null]));
      expect(ends.at(-1)).toMatchObject({ tokenHash: null, username: 'alice', at: 60 });
      expect(await store.lastSessionEnd()).toBe(ends.at(-1)!.seq);
      expect(await store.sessionEndsSince(ends.at(-2)!.seq, 10)).toHaveLength(1);
    });

    it('counts code mails in a window, per account and per recipient', async ({ store }) => {
      await store.addUser(user('alice'));
      expect(await store.takeCodeMail('alice', 1_000, 100, 2)).toBe(true);
      expect(await store.takeCodeMail('alice', 1_010, 100, 2)).toBe(true);
      expect(await store.takeCodeMail('alice', 1_020, 100, 2)).toBe(false);
      expect(await store.takeCodeMail('alice', 1_100, 100, 2)).toBe(true);
      expect(await store.takeMailTo('h1', 1, 100, 1)).toBe(true);
      expect(await store.takeMailTo('h1', 2, 100, 1)).toBe(false);
    });
  });

  describe('two-step sign-in', () => {
    it('replaces only an unconfirmed secret, takes each time step and recovery code once, and forgets it all on delete', async ({ store, opened }) => {
      await store.addUser(user('alice'));
      expect(await store.totpOf('alice')).toBeNull();
      expect(await store.startTotp('alice', bytes(1, 2), 10)).toBe(true);
      expect(await store.startTotp('alice', bytes(3, 4), 11)).toBe(true);
      expect(await store.useTotpStep('alice', 5)).toBe(false); // not confirmed yet
      expect(await store.confirmTotp('alice', 5, ['r1', 'r2'], 12)).toBe(true);
      expect(await store.confirmTotp('alice', 6, ['r3'], 13)).toBe(false);
      expect(await store.startTotp('alice', bytes(9), 14)).toBe(false);
      expect(await store.totpOf('alice')).toEqual({ username: 'alice', sealedSecret: bytes(3, 4), createdAt: 11, confirmedAt: 12, lastStep: 5, recoveryCodesLeft: 2 });
      expect(await store.useTotpStep('alice', 5)).toBe(false);
      const other = await opened.openAnother();
      expect(await Promise.all([store.useTotpStep('alice', 6), other.useTotpStep('alice', 6)])).toEqual(expect.arrayContaining([true, false]));
      expect(await store.useRecoveryCode('alice', 'r1', 20)).toBe(true);
      expect(await store.useRecoveryCode('alice', 'r1', 21)).toBe(false);
      expect(await store.useRecoveryCode('alice', 'nope', 21)).toBe(false);
      expect(await store.totpOf('alice')).toMatchObject({ lastStep: 6, recoveryCodesLeft: 1 });
      expect(await store.deleteTotp('alice')).toBe(true);
      expect(await store.deleteTotp('alice')).toBe(false);
      expect(await store.totpOf('alice')).toBeNull();
      expect(await store.totpRequired()).toBe(false);
      await store.setTotpRequired(true);
      expect(await other.totpRequired()).toBe(true);
      await store.setTotpRequired(false);
      expect(await store.totpRequired()).toBe(false);
    });
  });
});
