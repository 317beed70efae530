/**
 * A share with a group tells its members as a direct share tells a grantee (README "Groups"):
 * one share mail per member who gains access, naming everything the share gave them, with the
 * sharer's message; none with notify off, none to a member who turned share mail off; an Inbox
 * entry each member marks viewed for themselves. And a group share keeps the connection between
 * the people it joins, as a direct share does.
 */
import type { AddressObject, ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { Inbox } from './support/smtp.ts';
import { docName } from '../../shared/doc-layout.ts';
import { waitUntil, type Harness, type TestUser } from './support/harness.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

const h = useHarnessPerTest();

const mailOf = (u: string) => `${u}@lab.test`;
const toAddress = (m: ParsedMail) => (m.to as AddressObject | undefined)?.value[0]?.address;
const shareMailsTo = (box: Inbox, user: string) => box.messages.filter((m) => toAddress(m) === mailOf(user) && /shared/.test(m.subject ?? ''));

async function setup(): Promise<{ h: Harness; inbox: Inbox; alice: TestUser; mia: TestUser; max: TestUser; lab: string }> {
  const inbox = await h.startWithInbox();
  const alice = await h.user('alice');
  const mia = await h.user('mia');
  const max = await h.user('max');
  const made = await alice.post('/api/groups', { name: 'lab' });
  const lab = (made.body as { id: string }).id;
  for (const user of ['mia', 'max']) expect((await alice.post(`/api/groups/${lab}/members`, { user })).status).toBe(200);
  return { h, inbox, alice, mia, max, lab };
}

/** Mail goes out oldest first: once a marker queued after the share has arrived, every mail of the share has too. */
async function afterMarker(box: Inbox, alice: TestUser): Promise<void> {
  await alice.intent({ type: 'connect', email: 'marker@elsewhere.test' });
  await waitUntil(() => box.messages.some((m) => toAddress(m) === 'marker@elsewhere.test'), 'the marker mail', 8_000);
}

describe('a group share notifies the members', () => {
  it('mails each member once, naming the whole linked family and the message; not the sharer', async () => {
    const { inbox, alice } = await setup();
    const parent = await alice.createExperiment('Spleen atlas');
    const child = await alice.createExperiment('Spleen reanalysis');
    expect(await alice.intent({ type: 'link', experimentId: child, parentId: parent })).toMatchObject({ ok: true });

    const shared = await alice.post('/api/groups/share', { experimentId: parent, group: 'lab', message: 'For Monday' });
    expect(shared.status).toBe(200);
    await afterMarker(inbox, alice);

    for (const member of ['mia', 'max']) {
      const mails = shareMailsTo(inbox, member);
      expect(mails, `share mails to ${member}`).toHaveLength(1);
      expect(mails[0]?.text).toContain('Spleen atlas');
      expect(mails[0]?.text).toContain('Spleen reanalysis');
      expect(mails[0]?.text).toContain('For Monday');
    }
    expect(shareMailsTo(inbox, 'alice')).toEqual([]);

    // Sharing again changes nothing, so it mails nobody.
    expect((await alice.post('/api/groups/share', { experimentId: parent, group: 'lab' })).status).toBe(200);
    await afterMarker(inbox, alice);
    expect(shareMailsTo(inbox, 'mia')).toHaveLength(1);
  });

  it('mails nobody with notify off, and no member who turned share mail off', async () => {
    const { inbox, alice, max } = await setup();
    const quiet = await alice.createExperiment('Quiet panel');
    expect((await alice.post('/api/groups/share', { experimentId: quiet, group: 'lab', notify: false })).status).toBe(200);
    expect((await max.post('/api/preferences', { shareEmails: false })).status).toBe(200);
    const loud = await alice.createExperiment('Loud panel');
    expect((await alice.post('/api/groups/share', { experimentId: loud, group: 'lab' })).status).toBe(200);
    await afterMarker(inbox, alice);

    expect(shareMailsTo(inbox, 'mia').map((m) => m.subject)).toEqual(['alice shared “Loud panel” with you']);
    expect(shareMailsTo(inbox, 'max')).toEqual([]);
  });
});

describe('a group share in the members\' Inbox', () => {
  /** The member's index entry of the experiment, as their Inbox reads it. */
  async function entryOf(user: TestUser, id: string): Promise<() => { sharedAt: number | null; viewed: boolean } | undefined> {
    const index = await user.open(docName.index(user.username));
    await index.waitFor(() => index.doc.getMap('experiments').has(id), `${user.username}'s entry of ${id}`);
    return () => index.doc.getMap('experiments').get(id) as { sharedAt: number | null; viewed: boolean } | undefined;
  }

  it('is new for each member until that member marks it viewed, and new again after a share by another group', async () => {
    const { h, alice, mia, max, lab } = await setup();
    const id = await alice.createExperiment('Inbox panel');
    expect((await alice.post('/api/groups/share', { experimentId: id, group: 'lab', notify: false })).status).toBe(200);
    const hers = await entryOf(mia, id);
    const his = await entryOf(max, id);
    expect(hers()).toMatchObject({ viewed: false, sharedAt: expect.any(Number) });
    expect(his()).toMatchObject({ viewed: false });

    expect(await mia.intent({ type: 'mark-viewed', experimentId: id })).toMatchObject({ ok: true });
    const index = await mia.open(docName.index('mia'));
    await index.waitFor(() => hers()?.viewed === true, 'mia\'s entry viewed');
    expect(his()?.viewed).toBe(false);

    // A second group reaching mia brings the experiment back to her Inbox.
    const made = await alice.post('/api/groups', { name: 'course' });
    const course = (made.body as { id: string }).id;
    expect((await alice.post(`/api/groups/${course}/members`, { user: 'mia' })).status).toBe(200);
    expect((await alice.post('/api/groups/share', { experimentId: id, group: course, notify: false })).status).toBe(200);
    await index.waitFor(() => hers()?.viewed === false, 'mia\'s entry new again');
    expect(await h.server.store.groupShareViews(id)).toEqual({ [lab]: ['mia'] });
  });
});

describe('a group share keeps the connection it uses', () => {
  it('refuses removing a connection while a group share joins the two, and allows it once the share is gone', async () => {
    const { h, alice, mia } = await setup();
    const id = await alice.createExperiment('Group only');
    expect((await alice.post('/api/groups/share', { experimentId: id, group: 'lab', notify: false })).status).toBe(200);

    expect(await alice.intent({ type: 'disconnect', user: 'mia' })).toMatchObject({ ok: false, code: 'CONNECTION_IN_USE' });
    expect(await mia.intent({ type: 'disconnect', user: 'alice' })).toMatchObject({ ok: false, code: 'CONNECTION_IN_USE' });
    expect(await h.server.store.sharedExperimentCount('alice', 'mia')).toBe(1);

    expect((await alice.post('/api/groups/share', { experimentId: id, group: 'lab', unshare: true })).status).toBe(200);
    expect(await h.server.store.sharedExperimentCount('alice', 'mia')).toBe(0);
    expect(await mia.intent({ type: 'disconnect', user: 'alice' })).toMatchObject({ ok: true });
  });
});
