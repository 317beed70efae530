/**
 * Members present when an experiment is shared with a group get a share mail; one added to the
 * group later gets a single digest instead (README "Groups"): the group's name and what the group
 * opens to them that they could not read already (not what is in the trash), at most 20 names
 * and "and N more". Only to a proved address, and not to someone who turned share mail off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount } from '../../sync-server/admin.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { outboxMails, recipient, waitForMail } from './support/outbox.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const digests = async (user: string) => (await outboxMails((h as Harness).dataDir)).filter((m) => recipient(m) === `${user}@lab.test` && /added you to the group/.test(m.subject ?? ''));
const backends = [
  ['SQLite', 'sqlite'],
  ['PostgreSQL', 'postgres'],
] as const;

describe.each(backends)('a member added to a group later, on %s', (_name, backend) => {
  it.skipIf(backend === 'postgres' && !process.env['CYTOSHARE_TEST_PG'])(
    'gets one digest naming the group and what it opened to them, capped with "and N more"; unproved addresses and share mail off get none',
    async () => {
      h = await startHarness({ backend });
      const alice = await h.user('alice');
      await h.user('mia');
      await h.user('max');
      const made = await alice.post('/api/groups', { name: 'Flow lab' });
      const lab = (made.body as { id: string }).id;
      expect((await alice.post(`/api/groups/${lab}/members`, { user: 'mia' })).status).toBe(200);

      // 24 shared with the group: 22 open to a newcomer, one max holds already, one in the trash.
      const ids: string[] = [];
      for (let i = 1; i <= 24; i++) {
        const id = await alice.createExperiment(`Panel ${String(i).padStart(2, '0')}`);
        ids.push(id);
        expect((await alice.post('/api/groups/share', { experimentId: id, group: lab })).status).toBe(200);
      }
      expect((await alice.intent({ type: 'share', experimentId: ids[23] as string, user: 'max', notify: false })).ok).toBe(true);
      expect((await alice.intent({ type: 'trash', experimentId: ids[22] as string })).ok).toBe(true);

      // Nobody gains anything from a group with nothing shared: no mail.
      const empty = ((await alice.post('/api/groups', { name: 'Empty' })).body as { id: string }).id;
      expect((await alice.post(`/api/groups/${empty}/members`, { user: 'max' })).status).toBe(200);

      expect((await alice.post(`/api/groups/${lab}/members`, { user: 'max' })).status).toBe(200);
      const mail = await waitForMail(h.dataDir, 'max@lab.test', /added you to the group/);
      expect(mail.subject).toBe('alice added you to the group “Flow lab”: 22 experiments shared with you');
      for (let i = 1; i <= 20; i++) expect(mail.text).toContain(`Panel ${String(i).padStart(2, '0')}`);
      for (const left of ['Panel 21', 'Panel 22', 'Panel 23', 'Panel 24']) expect(mail.text).not.toContain(left);
      expect(mail.text).toContain('…and 2 more.');
      expect(mail.html).toContain('Flow lab');

      // An address never proved, and someone who turned share mail off: no digest. Omar, added
      // last, is the marker: mail goes out oldest first, so once his is there theirs would be.
      await createAccount(h.server.store, { username: 'nora', email: 'nora@lab.test', password: 'correct horse battery', verified: false });
      await h.server.store.saveConnection('alice', 'nora', 'connected', Date.now());
      const pat = await h.user('pat');
      expect((await pat.post('/api/preferences', { shareEmails: false })).status).toBe(200);
      await h.user('omar');
      for (const user of ['nora', 'pat', 'omar']) expect((await alice.post(`/api/groups/${lab}/members`, { user })).status).toBe(200);
      await waitForMail(h.dataDir, 'omar@lab.test', /added you to the group/);
      expect(await digests('nora')).toEqual([]);
      expect(await digests('pat')).toEqual([]);
      expect(await digests('max')).toHaveLength(1);
      // Members present at share time got share mails, never a digest.
      expect(await digests('mia')).toEqual([]);
    },
    60_000,
  );
});
