import { describe, expect } from 'vitest';
import { audit, eachStore, experiment, user } from './support/store-contract.ts';

/**
 * The store contract for units of work: a transaction commits whole or leaves nothing, on every
 * adapter (the set-up is in support/store-contract.ts).
 */
eachStore({}, (it) => {
  describe('units of work', () => {
    it('commits every write of a unit of work together, and gives back its result', async ({ store }) => {
      const result = await store.transaction(async (tx) => {
        await tx.addUser(user('alice'));
        await tx.saveExperiments([experiment('e1', 'alice')]);
        await tx.saveIntentResult('alice', 'd1', '{"ok":true}', audit('alice'));
        return (await tx.findUser('alice'))?.username;
      });
      expect(result).toBe('alice');
      expect(await store.getExperiment('e1')).toMatchObject({ owner: 'alice' });
      expect(await store.findIntentResult('alice', 'd1')).toBe('{"ok":true}');
      expect(await store.auditLog(10)).toHaveLength(1);
    });

    it('leaves nothing of a unit of work that fails, and hides its writes from everyone else meanwhile', async ({ store }) => {
      let outside: Promise<unknown> = Promise.resolve();
      await expect(
        store.transaction(async (tx) => {
          await tx.addUser(user('bob'));
          await tx.saveExperiments([experiment('e2', 'bob')]);
          await tx.saveIntentResult('bob', 'd2', '{}', audit('bob'));
          await tx.enqueueMail({ to: 'x@lab.test', subject: 's', text: 't', html: null, at: 1 });
          expect(await tx.findUser('bob')).not.toBeNull(); // its own writes, it sees
          outside = store.findUser('bob'); // another caller, not awaited here
          throw new Error('refused half-way');
        }),
      ).rejects.toThrow('refused half-way');
      expect(await outside).toBeNull();
      expect(await store.findUser('bob')).toBeNull();
      expect(await store.getExperiment('e2')).toBeNull();
      expect(await store.findIntentResult('bob', 'd2')).toBeNull();
      expect(await store.auditLog(10)).toEqual([]);
      expect(await store.pendingMailCount()).toBe(0);
      // The store goes on working: the next unit of work commits.
      await store.transaction((tx) => tx.addUser(user('bob')));
      expect(await store.findUser('bob')).toMatchObject({ username: 'bob' });
    });

    it('keeps the atomic methods atomic inside a unit of work that fails', async ({ store }) => {
      await store.addUser(user('carol'));
      await expect(
        store.transaction(async (tx) => {
          await tx.proveEmail('carol', 'carol@lab.test');
          await tx.setDisabled('carol', 7);
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect(await store.findUser('carol')).toMatchObject({ email: '', disabledAt: null });
      expect(await store.lastSessionEnd()).toBe(0);
    });
  });
});
