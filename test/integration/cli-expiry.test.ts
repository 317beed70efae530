/**
 * `cytoshare share ID USER --until DATE` and `publish ID --at DATE` through the real binary and
 * server: the end and the embargo show in `exp show`, sharing again without --until makes the
 * share permanent, a past date is refused SHARE_EXPIRY, a date that is not one is a usage error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, world, type World } from './cli-helpers.ts';

let w: World | undefined;
afterEach(async () => {
  await cleanup(w);
  w = undefined;
});

const nextYear = `${new Date().getUTCFullYear() + 1}-01-31`;
const endOf = (day: string) => Date.parse(`${day}T23:59:59.999Z`);
type Row = { user: string; via: string; until?: number };
const bobRow = (json: { access: Row[] }) => json.access.find((a) => a.user === 'bob');

describe('cytoshare share --until and publish --at', () => {
  it('records the end and the embargo, shows them, and changes or removes them', async () => {
    w = await world(['alice', 'bob']);
    await w.login('alice');
    const expId = (await w.as('alice', ['exp', 'create', 'Donor 12'])).json.id as string;

    const timed = await w.as('alice', ['share', expId, 'bob', '--until', nextYear, '--no-notify']);
    expect(timed.code).toBe(0);
    expect(timed.json.state).toBe('accepted');
    expect(bobRow((await w.as('alice', ['exp', 'show', expId])).json)).toEqual({ user: 'bob', via: 'direct', until: endOf(nextYear) });

    expect((await w.as('alice', ['share', expId, 'bob', '--no-notify'])).code).toBe(0);
    expect(bobRow((await w.as('alice', ['exp', 'show', expId])).json)).toEqual({ user: 'bob', via: 'direct' });

    const past = await w.as('alice', ['share', expId, 'bob', '--until', '2020-01-01']);
    expect(past.code).toBe(3);
    expect(past.stderr).toContain('SHARE_EXPIRY');
    expect((await w.as('alice', ['share', expId, 'bob', '--until', 'next tuesday'])).code).toBe(2);

    expect((await w.as('alice', ['publish', expId, '--at', `${nextYear}T09:00:00Z`])).code).toBe(0);
    expect((await w.as('alice', ['exp', 'show', expId])).json).toMatchObject({ public: false, publishAt: Date.parse(`${nextYear}T09:00:00Z`) });
    expect((await w.as('alice', ['unpublish', expId])).code).toBe(0);
    expect((await w.as('alice', ['exp', 'show', expId])).json).toMatchObject({ public: false, publishAt: null });
  }, 120_000);
});
