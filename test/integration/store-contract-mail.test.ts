import { describe, expect } from 'vitest';
import { eachStore, user } from './support/store-contract.ts';

/**
 * The store contract for connections, their requests and one-time links, and the mail queue
 * several senders share, on every adapter (the set-up is in support/store-contract.ts).
 */
eachStore({}, (it) => {
  describe('connections and mail', () => {
    it('stores a connection once per pair, requests and their one-time links', async ({ store }) => {
      for (const u of ['alice', 'bob']) await store.addUser(user(u));
      await store.saveConnection('bob', 'alice', 'connected', 5);
      expect(await store.getConnection('alice', 'bob')).toEqual({ a: 'alice', b: 'bob', status: 'connected', since: 5 });
      expect(await store.connectionsOf('bob')).toHaveLength(1);
      await store.saveRequest({ id: 'r1', fromUser: 'alice', toEmail: 'x@lab.test', status: 'pending', createdAt: 1, decidedAt: null });
      expect((await store.pendingRequests({ toEmail: 'x@lab.test' })).map((r) => r.id)).toEqual(['r1']);
      await store.saveEmailLink({ tokenHash: 'h', requestId: 'r1', action: 'accept', expiresAt: 9, usedAt: null });
      expect(await store.useEmailLink('h', 3)).toBe(true);
      expect(await store.useEmailLink('h', 4)).toBe(false);
      expect(await store.getEmailLink('h')).toMatchObject({ usedAt: 3 });
      await store.saveRequest({ id: 'r1', fromUser: 'alice', toEmail: 'x@lab.test', status: 'accepted', createdAt: 1, decidedAt: 2 });
      expect(await store.pendingRequests({ fromUser: 'alice' })).toEqual([]);
      await store.deleteConnection('alice', 'bob');
      expect(await store.getConnection('bob', 'alice')).toBeNull();
      expect(await store.shareEmailsEnabled('bob')).toBe(true);
      await store.setShareEmails('bob', false);
      expect(await store.shareEmailsEnabled('bob')).toBe(false);
    });

    it('lets one sender take a due mail, and gives it back to the others when that sender is gone', async ({ store, opened }) => {
      const id = await store.enqueueMail({ to: 'a@lab.test', subject: 'Hi', text: 'once', html: null, at: 100 });
      const other = await opened.openAnother();
      const takes = await Promise.all([store.claimMail(id, 100, 1_000), other.claimMail(id, 100, 1_000), store.claimMail(id, 100, 1_000)]);
      expect(takes.filter(Boolean)).toHaveLength(1);
      expect(await store.dueMail(999, 10)).toEqual([]);
      // Its sender died: due again when the claim runs out, for one sender again.
      expect((await other.dueMail(1_000, 10)).map((m) => m.id)).toEqual([id]);
      expect(await other.claimMail(id, 1_000, 2_000)).toBe(true);
      await other.markMailSent(id, 1_100);
      expect(await store.claimMail(id, 5_000, 6_000)).toBe(false);
    });

    it('queues mail, retries it, gives it up, takes it back, and forgets its body once sent', async ({ store }) => {
      const id = await store.enqueueMail({ to: 'a@lab.test', subject: 'Hi', text: 'code 123', html: '<p>123</p>', at: 100 });
      expect((await store.dueMail(100, 10)).map((m) => m.id)).toEqual([id]);
      await store.markMailFailed(id, 200, 'busy');
      expect(await store.dueMail(150, 10)).toEqual([]);
      await store.markMailGivenUp(id, 300, 'refused for good');
      expect(await store.pendingMailCount()).toBe(0);
      expect(await store.undeliverableMail(5)).toMatchObject([{ id, attempts: 2, lastError: 'refused for good', givenUpAt: 300, text: 'code 123' }]);
      expect(await store.requeueMail(id, 400)).toBe(true);
      expect(await store.requeueMail(id, 400)).toBe(false);
      await store.markMailSent(id, 410);
      const [sent] = await store.dueMail(1e12, 10).then(async () => store.undeliverableMail(5));
      expect(sent).toBeUndefined();
      expect(await store.pendingMailCount()).toBe(0);
    });
  });
});
